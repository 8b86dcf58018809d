/**
 * One trades response into the warehouse, in the caller's transaction: its fact_trade_fetch row,
 * then its trades, one set-based statement. Consecutive fetches overlap (each asks for the most
 * recent trades), so a trade already stored is not stored again: it is keyed on the venue's
 * trade id per market, and keeps the values and fetch of the earliest fetch that carried it
 * (by raw key, which within a market sorts by time), so any load order gives the same rows.
 * The hours the load touched are summed again into fact_trade_hour (v_vwap's hourly rows).
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { TradeBatch } from '../trades/index.ts';
import type { LoadSource } from './load.ts';
import type { Database } from './schema.ts';
import { sqlFile } from './sqlfiles.ts';

const TRADE_HOUR = sqlFile('sql/derive/trade_hour.sql');
// Class 1704 (a market's trade hours): two loads of overlapping fetches of one market (a
// backfill loads several at once) would each sum an hour without the other's uncommitted
// trades, and the later commit would keep the smaller sums. Taken after the insert and held to
// commit, it makes the second load's sums read the first one's trades. (Loader's dim_market
// upsert at the start of each load serializes loads of one market today as well; the sums must
// not depend on that.)
const LOCK_TRADE_HOURS = 'select pg_advisory_xact_lock(1704, $1::integer)';

export interface TradesToLoad extends LoadSource {
  batch: TradeBatch;
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
  // The hours of the stored values the insert may replace: a trade that moved to another
  // hour (the earliest fetch's value wins) changes the sums of both.
  const present = await sql<{ n: string; lo: unknown; hi: unknown }>`
    select count(*) as n,
      date_trunc('hour', min(traded_at) at time zone 'UTC') at time zone 'UTC' as lo,
      date_trunc('hour', max(traded_at) at time zone 'UTC') at time zone 'UTC' as hi
    from orderbook.fact_trade
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
  await sumTradeHours(tx, marketId, ids, present.rows[0]?.lo ?? null, present.rows[0]?.hi ?? null);
  return {
    fetchId: fetch.fetch_id,
    inserted: true,
    trades: trades.length,
    newTrades: trades.length - Number(present.rows[0]?.n ?? 0),
  };
}

async function sumTradeHours(
  tx: Kysely<Database>,
  marketId: number,
  ids: string[],
  replacedFrom: unknown,
  replacedTo: unknown,
): Promise<void> {
  await tx.executeQuery(CompiledQuery.raw(LOCK_TRADE_HOURS, [marketId]));
  const { rows } = await sql<{ lo: unknown; hi: unknown }>`
    select date_trunc('hour', least(min(traded_at), ${replacedFrom}::timestamptz) at time zone 'UTC')
             at time zone 'UTC' as lo,
           (date_trunc('hour', greatest(max(traded_at), ${replacedTo}::timestamptz) at time zone 'UTC')
             at time zone 'UTC') + interval '1 hour' as hi
    from orderbook.fact_trade
    where market_id = ${marketId} and trade_id = any(${ids}::bigint[])`.execute(tx);
  const span = rows[0];
  if (!span) return;
  await tx.executeQuery(CompiledQuery.raw(TRADE_HOUR, [marketId, span.lo, span.hi]));
}
