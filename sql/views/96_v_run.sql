-- v_run: every run of the ETL, one row per run: what kind it was, how it ended, how long it
-- took and how many markets and errors it had. A backfill is a run too (kind 'backfill'): the
-- snapshots it loads keep the run_id of the run that fetched them, and its own failures are
-- its errors. Runs recorded before kinds were (migration 0007) have kind null.
create or replace view orderbook.v_run as
select
  r.run_id,
  r.kind,
  r.status,
  r.started_at,
  r.finished_at,
  r.finished_at - r.started_at as duration,
  r.markets_ok,
  r.markets_failed,
  r.markets_abandoned,
  r.trades_failed,
  e.errors,
  e.last_error
from orderbook.etl_run r
cross join lateral (
  -- One index probe per run (etl_error_run).
  select count(*) as errors,
         (array_agg(x.message order by x.at desc, x.error_id desc))[1] as last_error
  from orderbook.etl_error x
  where x.run_id = r.run_id
) e;
grant select on orderbook.v_run to orderbook_reader;
-- Documentation (\d+ shows it), applied with the view and kept by create or replace.
comment on view orderbook.v_run is 'Every run of the ETL: one-shot (npm run etl), scheduled (npm start) or backfill, how it ended, how long it took, its markets and errors. One row per run.';
comment on column orderbook.v_run.run_id is 'The run (a time-ordered UUIDv7). Snapshots and trades carry the run that fetched them; a backfill keeps those run ids.';
comment on column orderbook.v_run.kind is 'one-shot (npm run etl), scheduled (npm start), backfill (npm run backfill); null for runs recorded before kinds were (migration 0007).';
comment on column orderbook.v_run.status is 'running, ok (everything loaded), partial (some markets or objects failed), failed (nothing loaded), interrupted (the process was stopped or died; finished_at null if it died).';
comment on column orderbook.v_run.started_at is 'When the run started, UTC.';
comment on column orderbook.v_run.finished_at is 'When it finished, UTC; null while running or when its process died.';
comment on column orderbook.v_run.duration is 'finished_at − started_at; null while running or when its process died.';
comment on column orderbook.v_run.markets_ok is 'Runs: markets whose book loaded. Backfill: markets (venue:symbol) whose raw objects were all loaded or present.';
comment on column orderbook.v_run.markets_failed is 'Runs: markets whose book failed. Backfill: markets with at least one object that could not be read or loaded.';
comment on column orderbook.v_run.markets_abandoned is 'Markets not started because the run was asked to stop (SIGTERM/SIGINT).';
comment on column orderbook.v_run.trades_failed is 'Markets whose trades failed (their book is counted above); 0 for a backfill.';
comment on column orderbook.v_run.errors is 'etl_error rows of the run: failed books, trades, and for a backfill raw objects that could not be read, loaded or derived.';
comment on column orderbook.v_run.last_error is 'Message of the run''s newest error; null when none.';
