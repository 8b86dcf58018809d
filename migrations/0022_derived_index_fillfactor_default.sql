-- The derived tables' indexes back to the B-tree default fillfactor (90), undoing 0018.
-- 0018 packed them full on the premise that derived rows reach their indexes in key order. They
-- do not: a run loads CONCURRENCY books at once and each book's rows go in when its load ends,
-- so a book with a lower snapshot id often lands after a higher one. At fillfactor 100 the
-- page that rightmost split just left full takes that late row by splitting in half. Measured
-- on 30 real runs of 20 full-size markets each (simulator, CONCURRENCY 4), leaf density at
-- 100 → 90: fact_cost_curve 73 → 87%, fact_fill 71 → 89%, fact_size_limit 83 → 89%,
-- fact_depth 83 → 89%; the tenth kept free absorbs the late rows. Applies to pages written from
-- now on; `REINDEX INDEX CONCURRENTLY` repacks older ones (docs/operators.md).
do $$
declare
  idx regclass;
begin
  for idx in
    select i.indexrelid::regclass
    from pg_index i
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = 'orderbook'
      and t.relname in ('fact_top', 'fact_depth', 'fact_fill', 'fact_cost_curve', 'fact_size_limit',
                        'fact_split', 'fact_forecast', 'fact_forecast_error', 'fact_spread_rolling',
                        'fact_reach')
  loop
    execute format('alter index %s reset (fillfactor)', idx);
  end loop;
end
$$;
