-- A run stopped by SIGTERM/SIGINT finishes the markets in flight and abandons the rest: it is
-- neither ok nor failed, and says so.
alter table orderbook.etl_run drop constraint etl_run_status_check;
alter table orderbook.etl_run
  add constraint etl_run_status_check check (status in ('running', 'ok', 'partial', 'failed', 'interrupted'));
alter table orderbook.etl_run add column markets_abandoned integer not null default 0;
