-- Orders per depth band (issue 16): how many resting orders make up each band's size, on the
-- venues that count orders per level (Coinbase level 2, OKX books: fact_level.order_count). Many
-- small orders and one large one of the same size are different books to trade against.
-- bigint: the sum of a band's per-level integer counts can pass the integer range.
-- Null where the venue gives no counts (Binance, Kraken, Bybit), and in the rows derived before
-- this migration until `npm run backfill -- --derive-only` derives them again (the column is
-- added empty rather than filled here: that is a re-derive of every book, too long for a
-- migration's transaction, and books past retention need their raw objects read).
alter table orderbook.fact_depth
  add column bid_orders bigint,
  add column ask_orders bigint;
comment on column orderbook.fact_depth.bid_orders is 'Σ order_count of the bids within the band; null when the venue gives no order counts, or the row was derived before migration 0021.';
comment on column orderbook.fact_depth.ask_orders is 'Σ order_count of the asks within the band; null when the venue gives no order counts, or the row was derived before migration 0021.';
