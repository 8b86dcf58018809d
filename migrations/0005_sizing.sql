-- Optimal-transaction sizing (derived, rebuilt by backfill like fact_fill):
--   fact_size_limit  the largest order within each slippage threshold (SLIPPAGE_BPS_THRESHOLDS);
--   fact_cost_curve  the DESIGN §6 fill at each size of the COST_CURVE_USD ladder — the same
--                    metric as fact_fill, computed by the same SQL (sql/derive/fill.sql).

create table orderbook.fact_size_limit (
  snapshot_id      bigint not null references orderbook.fact_snapshot on delete cascade,
  side             text not null check (side in ('buy', 'sell')),
  threshold_bps    numeric not null check (threshold_bps > 0),
  -- USD traded (price × size, no fee) and base quantity of the largest order whose slippage
  -- vs mid is at most threshold_bps; 0 when even the best level is further from mid.
  max_notional_usd numeric not null,
  max_base         numeric not null,
  -- Levels touched (a partial last level counts), and the last one's price; null when 0.
  levels_used      integer not null,
  worst_price      numeric,
  -- max_notional_usd / max_base and its slippage: the threshold itself unless the limit is the
  -- whole stored side. Null when the limit is 0.
  avg_price        numeric,
  slippage_bps     numeric,
  -- The whole stored side is within the threshold: the true limit may be larger than the book
  -- we kept (LEVELS_WITHIN_BPS, the venue's depth limit).
  book_exhausted   boolean not null,
  primary key (snapshot_id, side, threshold_bps)
);

create table orderbook.fact_cost_curve (
  snapshot_id  bigint not null references orderbook.fact_snapshot on delete cascade,
  side         text not null check (side in ('buy', 'sell')),
  notional_usd numeric not null,
  filled_base  numeric not null,
  avg_price    numeric not null,
  worst_price  numeric not null,
  levels_used  integer not null,
  slippage_bps numeric not null,
  fee_bps      numeric not null,
  fee_usd      numeric not null,
  all_in_price numeric not null,
  fully_filled boolean not null,
  primary key (snapshot_id, side, notional_usd)
);
