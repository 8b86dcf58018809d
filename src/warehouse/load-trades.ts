/**
 * One trades response into the warehouse, in the caller's transaction: its fact_trade_fetch row,
 * then its trades, one set-based statement. Consecutive fetches overlap (each asks for the most
 * recent trades), so a trade already stored is not stored again: it is keyed on the venue's
 * trade id per market, and keeps the values and fetch of the earliest fetch that carried it
 * (by raw key, which within a market sorts by time), so any load order gives the same rows.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { TradeBatch } from '../trades/index.ts';
import type { Database } from './schema.ts';

export interface TradesToLoad {
  batch: TradeBatch;
  base: string;
  quote: string;
  rawKey: string;
  runId: string;
  requestedAt: string;
  receivedAt: string;
}

export interface TradesLoadResult {
  fetchId: string;
  /** False when the raw object was already in the warehouse (nothing was written). */
  inserted: boolean;
  /** Trades in the response. */
  trades: number;
  /** Of those, trades no earlier fetch had stored. */
  newTrades: number;
}

// Rows in trade id order, so concurrent loads of overlapping fetches lock rows in one order.
const INSERT_TRADES = `
insert into orderbook.fact_trade as t (market_id, trade_id, traded_at, price, size, taker_side, fetch_id)
select $1::integer, x.trade_id, x.traded_at, x.price, x.size, x.taker_side, $2::bigint
from unnest($3::bigint[], $4::timestamptz[], $5::numeric[], $6::numeric[], $7::text[])
  as x (trade_id, traded_at, price, size, taker_side)
order by x.trade_id
on conflict (market_id, trade_id) do update set
  traded_at = excluded.traded_at, price = excluded.price, size = excluded.size,
  taker_side = excluded.taker_side, fetch_id = excluded.fetch_id
where $8::text < (select f.raw_key from orderbook.fact_trade_fetch f where f.fetch_id = t.fetch_id)`;

export async function insertTrades(
  tx: Kysely<Database>,
  marketId: number,
  load: TradesToLoad,
): Promise<TradesLoadResult> {
  const { trades } = load.batch;
  const fetch = await tx
    .insertInto('orderbook.fact_trade_fetch')
    .values({
      market_id: marketId,
      run_id: load.runId,
      requested_at: load.requestedAt,
      received_at: load.receivedAt,
      trade_count: trades.length,
      // The batch is ascending by id.
      first_trade_id: trades[0]?.tradeId ?? null,
      last_trade_id: trades.at(-1)?.tradeId ?? null,
      raw_key: load.rawKey,
    })
    .onConflict((oc) => oc.column('raw_key').doNothing())
    .returning('fetch_id')
    .executeTakeFirst();
  if (!fetch) {
    const existing = await tx
      .selectFrom('orderbook.fact_trade_fetch')
      .select(['fetch_id', 'trade_count'])
      .where('raw_key', '=', load.rawKey)
      .executeTakeFirstOrThrow();
    return { fetchId: existing.fetch_id, inserted: false, trades: existing.trade_count, newTrades: 0 };
  }
  if (trades.length === 0) return { fetchId: fetch.fetch_id, inserted: true, trades: 0, newTrades: 0 };
  const ids = trades.map((t) => t.tradeId);
  const present = await sql<{ n: string }>`
    select count(*) as n from orderbook.fact_trade
    where market_id = ${marketId} and trade_id = any(${ids}::bigint[])`.execute(tx);
  await tx.executeQuery(
    CompiledQuery.raw(INSERT_TRADES, [
      marketId,
      fetch.fetch_id,
      ids,
      trades.map((t) => t.tradedAt),
      trades.map((t) => t.price),
      trades.map((t) => t.size),
      trades.map((t) => t.takerSide),
      load.rawKey,
    ]),
  );
  return {
    fetchId: fetch.fetch_id,
    inserted: true,
    trades: trades.length,
    newTrades: trades.length - Number(present.rows[0]?.n ?? 0),
  };
}
