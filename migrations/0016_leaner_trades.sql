-- Leaner fact_trade (issue 13, size target): a trade cost ~170 bytes, over half of it in three
-- btree indexes. What reads fact_trade (sql/, src/):
--   * the primary key (market_id, trade_id): the loader's upsert and its lookups by trade id,
--     v_trade's and v_vwap's newest trades by id — kept;
--   * fact_trade_market_time (market_id, traded_at): only sql/derive/trade_hour.sql, which sums
--     one market's trades of the hours a load touched (an hour or two). Trades arrive in time
--     order (each fetch is the newest ones), so a BRIN on traded_at finds those hours in a few
--     block ranges at a fraction of a byte a row; the market filter is applied to the rows read;
--   * fact_trade_by_fetch (fetch_id): nothing. The foreign key never needs it (fetches are never
--     deleted; a fetch's trades are found by trade id) — dropped.
drop index orderbook.fact_trade_by_fetch;
drop index orderbook.fact_trade_market_time;
create index fact_trade_traded_at_brin on orderbook.fact_trade using brin (traded_at) with (pages_per_range = 16);
