import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../../src/trades/index.ts';
import { Loader } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';
import { SMALL_LOAD_SETTINGS } from '../helpers/load-settings.ts';

const { warehouse } = useTestWarehouse();
let loader: Loader;

beforeAll(() => {
  loader = new Loader(warehouse.db, SMALL_LOAD_SETTINGS);
});

const t = (id: string, price: string, at: string, takerSide: 'buy' | 'sell' = 'buy'): Trade => ({
  tradeId: id,
  tradedAt: at,
  price,
  size: '1',
  takerSide,
});

const KEY_A =
  '_trades/exchange=coinbase/market=BTC-USD/date=2026-11-21/hour=10/20261121T100000.000Z-r.json.gz';
const KEY_B =
  '_trades/exchange=coinbase/market=BTC-USD/date=2026-11-21/hour=11/20261121T110000.000Z-r.json.gz';
const RUN = '01900000-0000-7000-8000-000000000001';

function load(rawKey: string, trades: Trade[], receivedAt: string) {
  return loader.loadTrades({
    batch: { venue: 'coinbase', symbol: 'BTC-USD', trades },
    base: 'BTC',
    quote: 'USD',
    rawKey,
    runId: RUN,
    requestedAt: receivedAt,
    receivedAt,
  });
}

async function rows() {
  const { rows: out } = await sql<{ trade_id: string; price: string; taker_side: string; raw_key: string }>`
    select t.trade_id::text, t.price, t.taker_side, f.raw_key
    from orderbook.fact_trade t join orderbook.fact_trade_fetch f using (fetch_id)
    order by t.trade_id`.execute(warehouse.db);
  return out.map((r) => [r.trade_id, canonical(r.price), r.taker_side, r.raw_key]);
}

describe('loading trades', () => {
  it('keeps each trade once, from the earliest fetch, whatever order fetches load in', async () => {
    // The later fetch loads first (as a concurrent backfill may do). Trade 2 differs between the
    // two answers: the earlier fetch's version is the one kept.
    const later = await load(
      KEY_B,
      [t('2', '101.5', '2026-11-21T09:59:58Z'), t('3', '102', '2026-11-21T09:59:59Z', 'sell')],
      '2026-11-21T11:00:00Z',
    );
    expect(later).toMatchObject({ inserted: true, trades: 2, newTrades: 2 });
    const earlier = await load(
      KEY_A,
      [t('1', '100', '2026-11-21T09:59:57Z'), t('2', '101', '2026-11-21T09:59:58Z')],
      '2026-11-21T10:00:00Z',
    );
    expect(earlier).toMatchObject({ inserted: true, trades: 2, newTrades: 1 });
    expect(await rows()).toEqual([
      ['1', '100', 'buy', KEY_A],
      ['2', '101', 'buy', KEY_A],
      ['3', '102', 'sell', KEY_B],
    ]);
  });

  it('loading the same raw object again changes nothing', async () => {
    const before = await rows();
    const again = await load(KEY_B, [t('2', '999', '2026-11-21T09:59:58Z')], '2026-11-21T11:00:00Z');
    expect(again).toMatchObject({ inserted: false, trades: 2, newTrades: 0 });
    expect(await rows()).toEqual(before);
  });

  it('a quiet market’s empty answer is a fetch with no trades', async () => {
    const key = KEY_B.replace('hour=11/20261121T110000', 'hour=12/20261121T120000');
    expect(await load(key, [], '2026-11-21T12:00:00Z')).toMatchObject({ inserted: true, trades: 0 });
    const { rows: fetches } = await sql<{ trade_count: number; first_trade_id: string | null }>`
      select trade_count, first_trade_id from orderbook.fact_trade_fetch where raw_key = ${key}`.execute(
      warehouse.db,
    );
    expect(fetches).toEqual([{ trade_count: 0, first_trade_id: null }]);
    // dim_market saw the market from 10:00 (the earliest fetch) to 12:00.
    const { rows: market } = await sql<{ first_seen: Date; last_seen: Date }>`
      select first_seen, last_seen from orderbook.dim_market where symbol = 'BTC-USD'`.execute(warehouse.db);
    expect(market.map((m) => [m.first_seen.toISOString(), m.last_seen.toISOString()])).toEqual([
      ['2026-11-21T10:00:00.000Z', '2026-11-21T12:00:00.000Z'],
    ]);
  });
});
