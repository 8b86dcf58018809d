-- fact_level is the one big table: every snapshot adds all its stored levels (44,000 for a deep
-- Coinbase book). Its foreign key to fact_snapshot checked each of those rows on its own, a
-- lookup and a queued trigger event per level: measured, well over half of what loading a book
-- cost the server. The same guarantees are kept here by statement-level triggers, which check
-- or act on a whole statement's rows at once:
--   * no level without its snapshot: an insert (or update) of levels whose snapshot_id is not in
--     fact_snapshot fails with foreign_key_violation, and the snapshots it names are locked
--     against deletion until the transaction ends, as the foreign key did;
--   * deleting or truncating snapshots removes their levels, as "on delete cascade" did.
alter table orderbook.fact_level drop constraint fact_level_snapshot_id_fkey;

create function orderbook.fact_level_check_snapshot() returns trigger
language plpgsql as $$
declare
  wanted bigint;
  found bigint;
begin
  select count(distinct snapshot_id) into wanted from new_levels;
  select count(*) into found
  from (
    select 1 from orderbook.fact_snapshot s
    where s.snapshot_id in (select snapshot_id from new_levels)
    for key share
  ) present;
  if found <> wanted then
    raise foreign_key_violation using
      message = 'fact_level: snapshot_id not present in orderbook.fact_snapshot',
      table = 'fact_level',
      schema = 'orderbook';
  end if;
  return null;
end
$$;

create trigger fact_level_snapshot_insert after insert on orderbook.fact_level
  referencing new table as new_levels
  for each statement execute function orderbook.fact_level_check_snapshot();
create trigger fact_level_snapshot_update after update on orderbook.fact_level
  referencing new table as new_levels
  for each statement execute function orderbook.fact_level_check_snapshot();

create function orderbook.fact_snapshot_delete_levels() returns trigger
language plpgsql as $$
begin
  delete from orderbook.fact_level l using old_snapshots o where l.snapshot_id = o.snapshot_id;
  return null;
end
$$;

create trigger fact_snapshot_delete_levels after delete on orderbook.fact_snapshot
  referencing old table as old_snapshots
  for each statement execute function orderbook.fact_snapshot_delete_levels();

create function orderbook.fact_snapshot_truncate_levels() returns trigger
language plpgsql as $$
begin
  truncate orderbook.fact_level;
  return null;
end
$$;

create trigger fact_snapshot_truncate_levels after truncate on orderbook.fact_snapshot
  for each statement execute function orderbook.fact_snapshot_truncate_levels();
