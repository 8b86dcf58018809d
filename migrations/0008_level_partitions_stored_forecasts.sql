-- Growth (issue 13): fact_level is range-partitioned by capture day so level detail can be
-- dropped a whole day at a time (LEVEL_RETENTION_DAYS), and the splits and forecasts analysts ask
-- over time are stored at derive time instead of being recomputed from levels on every query.
--
-- The partition key is snapshot_id itself: a snapshot's id is its capture day (received_at, UTC)
-- as YYYYMMDD followed by ten digits of a sequence, e.g. 202612020000000042. A time column in
-- fact_level would cost bytes in every level row and a wider primary key; the id is already in
-- both, and every query that reads a snapshot's levels (by snapshot_id) is pruned to its day's
-- partition with no change. Snapshots loaded before this migration keep their ids (1, 2, …) and
-- their levels, in the partition fact_level_legacy, below every day.

-- Project views that read fact_level, dropped by name and without cascade (migrate recreates
-- them): left in place they would follow the renamed table below. An object someone else built
-- on them stops the migration, named, instead of vanishing.
do $$
declare
  detail text;
begin
  drop view if exists orderbook.v_optimal_split;
  drop view if exists orderbook.v_optimal_transactions;
  drop view if exists orderbook.v_book_levels;
exception
  when dependent_objects_still_exist then
    get stacked diagnostics detail = pg_exception_detail;
    raise exception 'migration 0008 must drop and recreate the project views over fact_level, but objects not made by orderbook-etl depend on them: %', detail
      using hint = 'drop (or save and recreate afterwards) the objects named, then run migrate again';
end
$$;

-- Snapshot ids from the capture day.
create function orderbook.snapshot_day_key(at timestamptz) returns bigint
language sql immutable parallel safe as $$
  select ((extract(year from at at time zone 'UTC') * 10000
           + extract(month from at at time zone 'UTC') * 100
           + extract(day from at at time zone 'UTC'))::bigint) * 10000000000
$$;

alter table orderbook.fact_snapshot alter column snapshot_id drop identity;
-- Ten digits of the id: a full sequence fails loudly rather than spilling into the next day.
create sequence orderbook.fact_snapshot_seq as bigint minvalue 1 maxvalue 9999999999;

-- An id given explicitly is kept (a data-only restore of a dump brings its own ids).
create function orderbook.fact_snapshot_assign_id() returns trigger
language plpgsql as $$
begin
  if new.snapshot_id is null then
    new.snapshot_id := orderbook.snapshot_day_key(new.received_at) + nextval('orderbook.fact_snapshot_seq');
  end if;
  return new;
end
$$;

create trigger fact_snapshot_assign_id before insert on orderbook.fact_snapshot
  for each row execute function orderbook.fact_snapshot_assign_id();

-- The partitioned table, with the columns, checks and key of the old one (same names, so the old
-- table can become one of its partitions as it is, without a copy).
alter table orderbook.fact_level rename to fact_level_legacy;
alter table orderbook.fact_level_legacy rename constraint fact_level_pkey to fact_level_legacy_pkey;
drop trigger fact_level_snapshot_insert on orderbook.fact_level_legacy;
drop trigger fact_level_snapshot_update on orderbook.fact_level_legacy;

create table orderbook.fact_level (
  snapshot_id bigint not null,
  side        text not null constraint fact_level_side_check check (side in ('bid', 'ask')),
  level_no    integer not null constraint fact_level_level_no_check check (level_no >= 1),
  price       numeric not null constraint fact_level_price_check check (price > 0),
  size        numeric not null constraint fact_level_size_check check (size > 0),
  order_count integer,
  constraint fact_level_pkey primary key (snapshot_id, side, level_no)
) partition by range (snapshot_id);

-- Kept even when empty: ids below every day (the ones snapshots had before) stay valid keys, so
-- levels naming a snapshot that does not exist there fail as a foreign key violation (0006's
-- trigger), not for want of a partition.
alter table orderbook.fact_level attach partition orderbook.fact_level_legacy
  for values from (minvalue) to (197001010000000000);

-- Migration 0006's statement-level integrity, now on the partitioned table: the transition
-- tables hold the rows of every partition a statement touched.
create trigger fact_level_snapshot_insert after insert on orderbook.fact_level
  referencing new table as new_levels
  for each statement execute function orderbook.fact_level_check_snapshot();
create trigger fact_level_snapshot_update after update on orderbook.fact_level
  referencing new table as new_levels
  for each statement execute function orderbook.fact_level_check_snapshot();

-- The day's partition, made if missing: race-safe (one creator per day at a time, the others
-- find it made) and without blocking readers or writers of other days — the table is made on
-- its own and attached, which takes no lock that conflicts with reads or inserts on fact_level.
-- Its key index leaves no free space: levels are written once and never updated.
create function orderbook.ensure_level_partition(day date) returns boolean
language plpgsql as $$
declare
  name text := 'fact_level_' || to_char(day, 'YYYYMMDD');
begin
  if to_regclass('orderbook.' || name) is not null then
    return false;
  end if;
  perform pg_advisory_xact_lock(1701, day - date '1970-01-01');
  -- Looked up again in pg_class itself: a creator that held the lock has committed, and a query
  -- sees that where the name cache may not have yet.
  if exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = 'orderbook' and c.relname = name) then
    return false;
  end if;
  execute format('create table orderbook.%I (like orderbook.fact_level including constraints)', name);
  execute format('alter table orderbook.%I add constraint %I primary key (snapshot_id, side, level_no) with (fillfactor = 100)',
                 name, name || '_pkey');
  execute format('alter table orderbook.fact_level attach partition orderbook.%I for values from (%s) to (%s)',
                 name,
                 orderbook.snapshot_day_key(day::timestamp at time zone 'UTC'),
                 orderbook.snapshot_day_key((day + 1)::timestamp at time zone 'UTC'));
  return true;
exception
  -- Made meanwhile by a caller that did not take the lock first (there is none in this project,
  -- but the name is all that matters).
  when duplicate_table then
    return false;
end
$$;

-- The optimal split of v_optimal_split, per run × base × side × size × competing book: the
-- allocation of the merged walk and the best single venue for the same quantity, at 40 decimals
-- (the view rounds, and sums the order's totals over the books).
create table orderbook.fact_split (
  run_id             uuid not null,
  base_asset_id      integer not null references orderbook.dim_asset,
  side               text not null check (side in ('buy', 'sell')),
  notional_usd       numeric not null,
  snapshot_id        bigint not null references orderbook.fact_snapshot on delete cascade,
  -- The newest book of the run × base: when the split could have been made.
  captured_at        timestamptz not null,
  fee_bps            numeric not null,
  usd_amount         numeric not null,
  base_exact         numeric not null,
  levels_used        integer not null,
  worst_price        numeric,
  single_snapshot_id bigint references orderbook.fact_snapshot on delete cascade,
  single_exact       numeric,
  primary key (run_id, base_asset_id, side, notional_usd, snapshot_id)
);

-- The mid-price forecast made at each snapshot (v_mid_price_forecast), and its score once the
-- market's next snapshot arrived (v_forecast_error, which averages the stored scores).
create table orderbook.fact_forecast (
  snapshot_id      bigint primary key references orderbook.fact_snapshot on delete cascade,
  window_snapshots integer not null,
  window_start     timestamptz not null,
  slope_per_hour   float8,
  fitted_mid       float8,
  r_squared        float8,
  median_interval  interval,
  forecast_mid     numeric
);

create table orderbook.fact_forecast_error (
  snapshot_id        bigint primary key references orderbook.fact_snapshot on delete cascade,
  actual_snapshot_id bigint not null references orderbook.fact_snapshot on delete cascade,
  actual_at          timestamptz not null,
  actual_mid         numeric not null,
  error              numeric not null,
  error_bps          numeric not null
);
create index fact_forecast_error_actual on orderbook.fact_forecast_error (actual_snapshot_id);
