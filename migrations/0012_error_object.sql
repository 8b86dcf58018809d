-- etl_error.object: the raw kind whose stage failed — 'book' (a market's order book), 'trades'
-- (its recent trades) or 'metadata' (the venue's market list, which a market's run needs first) —
-- or null for a failure of no one raw kind (a derive, a backfill's own read/load/listing
-- failures, whose raw_key names the object). Until now a trades failure was told apart by a
-- `trades_` prefix on kind; kind is now the same words for every object (http_503, timeout…), and
-- the views rebuild the old label where they show one (v_freshness.last_error_kind).
alter table orderbook.etl_error
  add column object text check (object in ('book', 'trades', 'metadata'));

-- Rows stored before: the prefix moves into object.
update orderbook.etl_error
set object = 'trades', kind = substr(kind, length('trades_') + 1)
where starts_with(kind, 'trades_');

-- A market list that could not be read, stored or answered with an error names its _meta/ object
-- or says "metadata"; one that got no response at all (timeout, network) told nothing of the
-- kind it was and is read as the book's, as the views always counted it.
update orderbook.etl_error
set object = 'metadata'
where object is null
  and (kind in ('metadata', 'unknown_market')
       or starts_with(raw_key, '_meta/')
       or starts_with(raw_key, '_attempts/_meta/')
       or message like '% metadata not stored: %');

update orderbook.etl_error
set object = 'book'
where object is null
  and stage in ('fetch', 'store', 'parse', 'load')
  and not starts_with(kind, 'backfill_');

comment on column orderbook.etl_error.object is 'Raw kind whose stage failed: book, trades or metadata (the venue''s market list); null for a derive or a backfill''s own failure. Kind is then http_503, timeout, invalid_book… whatever the object.';
