-- Whether a snapshot's book can be taken as shown. A Coinbase book in auction_mode holds an
-- auction's indicative quote, and a market whose venue lists it halted, cancel-only or
-- post-only takes no taker order: such a book has prices that look best and are not there to
-- trade, so v_best_venue must not name it and a split must not use it (sql/views/40, sql/derive/
-- split.sql). The loader sets both columns from the book's own flags and the run's market list.
-- A constant default adds the columns without rewriting the table; every book loaded before
-- this was taken as executable, which is what the default says.
alter table orderbook.fact_snapshot
  add column executable boolean not null default true,
  add column not_executable_reason text;

-- NOT VALID: the rows already there hold the default (true, null), which passes; checking them
-- would scan the whole table under a lock for nothing. New and updated rows are checked.
alter table orderbook.fact_snapshot
  add constraint fact_snapshot_executable_reason
  check (executable = (not_executable_reason is null)) not valid;

comment on column orderbook.fact_snapshot.executable is
  'False when the book cannot be taken as shown (Coinbase auction_mode, or the market not open to takers in the run''s market list); such a book never wins v_best_venue nor takes part in a split.';
comment on column orderbook.fact_snapshot.not_executable_reason is
  'Why the book is not executable, in the venue''s words (auction_mode; status: BREAK; cancel_only …), several joined by "; "; null when executable.';
