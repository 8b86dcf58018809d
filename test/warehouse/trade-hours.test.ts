/**
 * fact_trade_hour (migration 0010): v_vwap's hourly rows come from sums kept per market-hour.
 * Whatever the load order, overlap or concurrency, and for trades stored before the table
 * existed, they must equal what the view computed from every stored trade before: the oracle
 * below is that old aggregate, run on fact_trade.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/trades/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { migrate } from '../../src/warehouse/migrate.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateBefore, useTestWarehouse } from '../helpers/db.ts';
import { SMALL_LOAD_SETTINGS } from '../helpers/load-settings.ts';

const DEFAULTS = loadConfig({});
const RUN = '01900000-0000-7000-8000-00000000d001';

const { warehouse } = useTestWarehouse({ migrate: false });
let loader: Loader;

beforeAll(() => {
  loader = new Loader(warehouse.db, SMALL_LOAD_SETTINGS);
});

/** v_vwap's hourly figures as the view computed them before fact_trade_hour. */
async function oracle(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select date_trunc('hour', t.traded_at at time zone 'UTC') at time zone 'UTC' as bucket,
      count(*) as trades, min(t.traded_at) as first_trade_at, max(t.traded_at) as last_trade_at,
      round(sum(t.price * t.size)::numeric(1000, 40) / sum(t.size), 18) as vwap,
      sum(t.size) as volume, sum(t.price * t.size) as notional,
      coalesce(sum(t.size) filter (where t.taker_side = 'buy'), 0) as taker_buy_volume,
      coalesce(sum(t.size) filter (where t.taker_side = 'sell'), 0) as taker_sell_volume,
      max(t.trade_id) - min(t.trade_id) + 1 - count(*) as trades_missing
    from orderbook.fact_trade t join orderbook.dim_market m using (market_id)
    where m.symbol = ${market}
    group by 1 order by 1`.execute(warehouse.db);
  return rows;
}

async function hourly(market: string) {
  const { rows } = await sql<Record<string, unknown>>`
    select bucket, trades, first_trade_at, last_trade_at, vwap, volume, notional,
           taker_buy_volume, taker_sell_volume, trades_missing
    from orderbook.v_vwap where market = ${market} and period = 'hour' order by bucket`.execute(warehouse.db);
  return rows;
}

/** Trade i of a market: every 7 minutes from 09:00 UTC, prices and sizes with many decimals. */
function trade(i: number, minuteShift = 0): Trade {
  return {
    tradeId: String(1000 + i),
    tradedAt: new Date(
      Date.UTC(2026, 10, 21, 9, 0, 0) + (i * 7 + minuteShift) * 60_000 + i * 1.5,
    ).toISOString(),
    price: `${84000 + (i % 13)}.${String((i * 37) % 100).padStart(2, '0')}`,
    size: `0.${String(((i + 1) * 7919) % 100_000_000).padStart(8, '0')}`,
    takerSide: i % 3 === 0 ? 'sell' : 'buy',
  };
}
const range = (from: number, to: number, shift = 0): Trade[] =>
  Array.from({ length: to - from + 1 }, (_, k) => trade(from + k, shift));

function load(symbol: string, hour: number, trades: Trade[]) {
  return loader.loadTrades({
    batch: { venue: 'binance', symbol, trades },
    base: 'BTC',
    quote: 'USDT',
    rawKey: `_trades/exchange=binance/market=${symbol}/date=2026-11-21/hour=${String(hour).padStart(2, '0')}/x.json.gz`,
    runId: RUN,
    requestedAt: `2026-11-21T${String(hour).padStart(2, '0')}:00:00Z`,
    receivedAt: `2026-11-21T${String(hour).padStart(2, '0')}:00:01Z`,
  });
}

describe('fact_trade_hour', () => {
  it('sums the trades an older release stored when migration 0010 runs', async () => {
    await migrateBefore(warehouse.db, '0010');
    // Trades an older release stored (its loader wrote fact_trade alone), as rows.
    await sql`
      insert into orderbook.dim_asset (code, is_usd) values ('BTC', false), ('USDT', true);
      insert into orderbook.dim_market (exchange_id, symbol, base_asset_id, quote_asset_id, first_seen, last_seen)
        select e.exchange_id, 'OLDUSDT', b.asset_id, q.asset_id, now(), now()
        from orderbook.dim_exchange e, orderbook.dim_asset b, orderbook.dim_asset q
        where e.code = 'binance' and b.code = 'BTC' and q.code = 'USDT';
      insert into orderbook.fact_trade_fetch (market_id, run_id, requested_at, received_at, trade_count, raw_key)
        select market_id, ${sql.lit(RUN)}, now(), now(), 90, 'old' from orderbook.dim_market;
      insert into orderbook.fact_trade (market_id, trade_id, traded_at, price, size, taker_side, fetch_id)
        select f.market_id, 1000 + g, timestamptz '2026-11-21 09:00:00+00' + g * interval '7 minutes 0.0015 seconds',
               84000 + g % 13 + (g * 37 % 100) / 100.0, ((g + 1) * 7919 % 100000000) / 100000000.0,
               case when g % 3 = 0 then 'sell' else 'buy' end, f.fetch_id
        from orderbook.fact_trade_fetch f, generate_series(0, 89) g
        where g <> 45;`.execute(warehouse.db);
    expect((await oracle('OLDUSDT')).length).toBeGreaterThan(3);
    await migrate(warehouse.db, undefined, DEFAULTS);
    expect(await hourly('OLDUSDT')).toEqual(await oracle('OLDUSDT'));
  });

  it('equals the old aggregate for overlapping fetches loaded out of order, gaps included', async () => {
    await load('OVRUSDT', 14, range(60, 140));
    expect(await hourly('OVRUSDT')).toEqual(await oracle('OVRUSDT'));
    // An earlier fetch, loaded later: its trades are new below 60 and overlap from 60.
    await load('OVRUSDT', 10, [...range(0, 20), ...range(22, 70)]);
    expect(await hourly('OVRUSDT')).toEqual(await oracle('OVRUSDT'));
    const missing = (await hourly('OVRUSDT')).map((r) => r.trades_missing);
    expect(missing).toContain('1');
  });

  it('moves a trade to its new hour when the earliest fetch says another time, and drops an emptied hour', async () => {
    // A later fetch says trades 200-209 happened two hours later than the earliest one will.
    await load('MOVUSDT', 18, range(200, 209, 120));
    const before = await hourly('MOVUSDT');
    await load('MOVUSDT', 11, range(200, 209));
    const after = await hourly('MOVUSDT');
    expect(after).toEqual(await oracle('MOVUSDT'));
    const hours = (rows: Record<string, unknown>[]) => rows.map((r) => (r.bucket as Date).toISOString());
    // No hour the trades left behind keeps a row.
    expect(hours(after).filter((h) => hours(before).includes(h))).toEqual([]);
  });

  it('equals the old aggregate after concurrent loads of overlapping fetches of one market', async () => {
    const fetches = [0, 1, 2, 3, 4, 5].map((k) => range(k * 15, k * 15 + 40));
    await Promise.all(fetches.map((trades, k) => load('CONUSDT', 9 + k, trades)));
    const rows = await hourly('CONUSDT');
    expect(rows).toEqual(await oracle('CONUSDT'));
    expect(rows.reduce((n, r) => n + Number(r.trades), 0)).toBe(116);
  });

  it('equals the old aggregate after concurrent loads of disjoint trades of the same hours', async () => {
    // No trade id in two fetches, so no load waits on another's rows: only the hours are shared.
    for (let attempt = 0; attempt < 5; attempt++) {
      const symbol = `DIS${attempt}USDT`;
      const fetches = [0, 1, 2, 3, 4, 5].map((k) => range(0, 119).filter((_, i) => i % 6 === k));
      await Promise.all(fetches.map((trades, k) => load(symbol, 9 + k, trades)));
      const rows = await hourly(symbol);
      expect(rows).toEqual(await oracle(symbol));
      expect(rows.reduce((n, r) => n + Number(r.trades), 0)).toBe(120);
    }
  });

  it('leaves the last-200 rows as they were: summed from the newest trades back', async () => {
    const { rows } = await sql<{ trades: string; vwap: string; trades_missing: string }>`
      select trades::text, vwap::text, trades_missing::text
      from orderbook.v_vwap where market = 'CONUSDT' and period = 'last_200'`.execute(warehouse.db);
    const { rows: want } = await sql<{ trades: string; vwap: string; trades_missing: string }>`
      select count(*)::text as trades,
        round(sum(price * size)::numeric(1000, 40) / sum(size), 18)::text as vwap,
        (max(trade_id) - min(trade_id) + 1 - count(*))::text as trades_missing
      from (select t.* from orderbook.fact_trade t join orderbook.dim_market m using (market_id)
            where m.symbol = 'CONUSDT' order by t.trade_id desc limit 200) l`.execute(warehouse.db);
    expect(rows).toEqual(want);
  });
});
