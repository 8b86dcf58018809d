-- Views are the analysts' API and live for years: migrate recreates one only when its rendered
-- definition (sql/views/<file>.sql with the settings written in) changed, and keeps here the
-- SHA-256 of what it last applied. A project view missing from the database is created
-- whatever its row says.
create table orderbook.view_version (
  view_name         text primary key,
  definition_sha256 text not null,
  applied_at        timestamptz not null default now()
);

-- Which command a run was: 'one-shot' (npm run etl), 'scheduled' (npm start) or 'backfill'.
-- Runs recorded before this migration did not say: null.
alter table orderbook.etl_run add column kind text
  check (kind in ('one-shot', 'scheduled', 'backfill'));

-- A backfill's failures are recorded like a run's; a batch of derived rows that could not be
-- computed fails at stage 'derive'.
alter table orderbook.etl_error drop constraint etl_error_stage_check;
alter table orderbook.etl_error
  add constraint etl_error_stage_check check (stage in ('fetch', 'store', 'parse', 'load', 'derive'));
create index etl_error_raw_key on orderbook.etl_error (raw_key) where raw_key is not null;
