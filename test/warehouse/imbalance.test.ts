/**
 * Depth-band imbalance (issue 16): v_depth's imbalance = (bid_quote − ask_quote) /
 * (bid_quote + ask_quote), worked out by hand on fact_depth rows inserted directly.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestWarehouse } from '../helpers/db.ts';
import { canonical } from '../helpers/numeric.ts';

const { warehouse } = useTestWarehouse();
let snapshotId = '';

beforeAll(async () => {
  const btc = await warehouse.db
    .insertInto('orderbook.dim_asset')
    .values({ code: 'BTC', is_usd: false })
    .returning('asset_id')
    .executeTakeFirstOrThrow();
  const usd = await warehouse.db
    .insertInto('orderbook.dim_asset')
    .values({ code: 'USD', is_usd: true })
    .returning('asset_id')
    .executeTakeFirstOrThrow();
  const exchange = await warehouse.db
    .selectFrom('orderbook.dim_exchange')
    .select('exchange_id')
    .where('code', '=', 'coinbase')
    .executeTakeFirstOrThrow();
  const market = await warehouse.db
    .insertInto('orderbook.dim_market')
    .values({
      exchange_id: exchange.exchange_id,
      symbol: 'BTC-USD',
      base_asset_id: btc.asset_id,
      quote_asset_id: usd.asset_id,
      first_seen: '2026-01-01T00:00:00Z',
      last_seen: '2026-01-01T00:00:00Z',
    })
    .returning('market_id')
    .executeTakeFirstOrThrow();
  const snapshot = await warehouse.db
    .insertInto('orderbook.fact_snapshot')
    .values({
      market_id: market.market_id,
      run_id: '01900000-0000-7000-8000-00000000b0b0',
      requested_at: '2026-01-01T10:00:00Z',
      received_at: '2026-01-01T10:00:00Z',
      exchange_time: null,
      exchange_sequence: '1',
      bid_levels: 1,
      ask_levels: 1,
      stored_levels: 2,
      raw_key: 'imbalance-test-1',
    })
    .returning('snapshot_id')
    .executeTakeFirstOrThrow();
  snapshotId = snapshot.snapshot_id;
  // band_bps, bid_quote, ask_quote (base amounts do not enter the imbalance)
  const bands: [number, string, string][] = [
    [5, '0', '0'], // empty on both sides
    [10, '0', '250.5'], // asks only
    [25, '300', '100'], // (300 − 100) / 400
    [50, '1000', '1000'], // balanced
    [100, '1', '2'], // (1 − 2) / 3 = −1/3, rounded to 18 decimals
    [200, '7', '0'], // bids only
  ];
  for (const [band, bid, ask] of bands)
    await sql`insert into orderbook.fact_depth values (${snapshotId}, ${band}, 1, ${bid}, 1, ${ask})`.execute(
      warehouse.db,
    );
});

describe('v_depth imbalance', () => {
  it('is (bid − ask) / (bid + ask) in quote value per band, null when the band is empty', async () => {
    const { rows } = await sql<{ band_bps: number; imbalance: string | null }>`
      select band_bps, imbalance from orderbook.v_depth where snapshot_id = ${snapshotId} order by band_bps`.execute(
      warehouse.db,
    );
    expect(rows.map((r) => [r.band_bps, r.imbalance === null ? null : canonical(r.imbalance)])).toEqual([
      [5, null],
      [10, '-1'],
      [25, '0.5'],
      [50, '0'],
      [100, '-0.333333333333333333'],
      [200, '1'],
    ]);
  });
});
