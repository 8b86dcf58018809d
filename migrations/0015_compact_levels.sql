-- Compact level detail (issue 13, size target). A stored level costs ~92 bytes as a row of
-- fact_level (row header, line pointer, key index) against ~10 bytes of data. A day partition
-- past LEVEL_COMPACT_AFTER_DAYS is rewritten, whole and in one transaction, as one row per
-- snapshot × side holding that side's levels as arrays in level order (TOAST compresses them),
-- and the row partition is dropped. Loads, the COPY path and the derive of new books keep using
-- fact_level as it is; readers go through fact_level_all, which shows both as one table.

-- One row per snapshot × side: price[i], size[i] and order_count[i] are level i (level_no = i,
-- 1 the best). Numeric arrays keep each value exactly as stored, scale included ('0.10000000'
-- stays that). order_count is null when the venue sends none for any level of the side.
-- Partitioned by day like fact_level (same bounds, fact_level_compact_YYYYMMDD), so retention
-- drops compact days a whole partition at a time too.
create table orderbook.fact_level_compact (
  snapshot_id bigint not null,
  side        text not null constraint fact_level_compact_side_check check (side in ('bid', 'ask')),
  price       numeric[] not null,
  size        numeric[] not null,
  order_count integer[],
  constraint fact_level_compact_lengths_check check (
    cardinality(price) >= 1 and cardinality(size) = cardinality(price)
    and (order_count is null or cardinality(order_count) = cardinality(price))),
  constraint fact_level_compact_pkey primary key (snapshot_id, side)
) partition by range (snapshot_id);

-- Every stored level, row or compact: the columns of fact_level, one row per level. A filter on
-- snapshot_id reaches both branches (each prunes to its day), so a reader of one book reads the
-- row partition or the compact row of that book only.
create view orderbook.fact_level_all as
select l.snapshot_id, l.side, l.level_no, l.price, l.size, l.order_count
from orderbook.fact_level l
union all
select c.snapshot_id, c.side, u.level_no::integer, u.price, u.size, u.order_count
from orderbook.fact_level_compact c
cross join lateral unnest(c.price, c.size, c.order_count) with ordinality as u (price, size, order_count, level_no);
grant select on orderbook.fact_level_all to orderbook_reader;
comment on view orderbook.fact_level_all is 'Every stored level of every book, whether its day is kept as rows (fact_level) or compacted (fact_level_compact, days past LEVEL_COMPACT_AFTER_DAYS). One row per snapshot × side × level; filter on snapshot_id. v_book_levels adds names and running sums.';
comment on column orderbook.fact_level_all.snapshot_id is 'The order book snapshot (fact_snapshot.snapshot_id): one fetched book of one market.';
comment on column orderbook.fact_level_all.side is 'bid or ask.';
comment on column orderbook.fact_level_all.level_no is 'Level number on its side, 1 = best (bids by price descending, asks ascending).';
comment on column orderbook.fact_level_all.price is 'Price of the level, quote per base, exactly as stored.';
comment on column orderbook.fact_level_all.size is 'Size resting at the level, base units, exactly as stored.';
comment on column orderbook.fact_level_all.order_count is 'Orders at the level as the venue reports them (Coinbase); null for Binance.';

-- Moves one day's row partition of fact_level into fact_level_compact and drops it, in the
-- caller's transaction: a failure anywhere leaves the rows as they were. Returns the levels
-- moved (0 for an empty partition, which is dropped all the same), null when the day has no row
-- partition. Refuses today's or a later day (loads still write there), and a side whose level
-- numbers are not exactly 1 … n (the arrays could not give them back).
create function orderbook.compact_level_partition(day date) returns bigint
language plpgsql as $$
declare
  part text := 'fact_level_' || to_char(day, 'YYYYMMDD');
  compact text := 'fact_level_compact_' || to_char(day, 'YYYYMMDD');
  lo bigint := orderbook.snapshot_day_key(day::timestamp at time zone 'UTC');
  hi bigint := orderbook.snapshot_day_key((day + 1)::timestamp at time zone 'UTC');
  gaps bigint;
  moved bigint;
begin
  if day >= (now() at time zone 'UTC')::date then
    raise exception 'level partition % is today''s or later: only past days are compacted', part;
  end if;
  if to_regclass('orderbook.' || part) is null then
    return null;
  end if;
  -- No load writes into the day while it moves (readers go on until the drop).
  execute format('lock table orderbook.%I in share mode', part);
  if to_regclass('orderbook.' || compact) is null then
    -- Made on its own and attached, like ensure_level_partition: no lock that blocks readers.
    execute format('create table orderbook.%I (like orderbook.fact_level_compact including constraints)', compact);
    execute format('alter table orderbook.%I add constraint %I primary key (snapshot_id, side) with (fillfactor = 100)',
                   compact, compact || '_pkey');
    execute format('alter table orderbook.fact_level_compact attach partition orderbook.%I for values from (%s) to (%s)',
                   compact, lo, hi);
  end if;
  execute format($q$
    with sides as (
      select snapshot_id, side, count(*) as n, max(level_no) as top,
             array_agg(price order by level_no) as price,
             array_agg(size order by level_no) as size,
             case when count(order_count) > 0 then array_agg(order_count order by level_no) end as order_count
      from orderbook.%I
      group by snapshot_id, side
    ),
    moved as (
      insert into orderbook.%I (snapshot_id, side, price, size, order_count)
      select snapshot_id, side, price, size, order_count from sides
      order by snapshot_id, side
    )
    select count(*) filter (where n <> top), coalesce(sum(n), 0) from sides$q$, part, compact)
    into gaps, moved;
  if gaps > 0 then
    raise exception 'level partition % not compacted: % snapshot sides have level numbers that are not 1 … n', part, gaps;
  end if;
  execute format('drop table orderbook.%I', part);
  return moved;
end
$$;
