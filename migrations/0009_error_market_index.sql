-- v_freshness (and the health command) ask, for each market, for its newest failure and for its
-- failures since its newest loaded snapshot: an index probe per market instead of a scan of every
-- failure ever recorded (etl_error grows with each outage and is never pruned).
create index etl_error_market_at on orderbook.etl_error (exchange, market, at);
