/** dim_exchange ids are looked up by venue code, and a venue the warehouse has not met gets its row. */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { allVenues } from '../../src/venues/index.ts';
import { exchangeIdOf } from '../../src/warehouse/load.ts';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse();

const rows = async () =>
  (
    await sql<{ exchange_id: number; code: string; name: string }>`
      select exchange_id, code, name from orderbook.dim_exchange order by exchange_id`.execute(warehouse.db)
  ).rows;

describe('exchange ids', () => {
  it('are the ids migration 0001 gave Coinbase and Binance, found by code', async () => {
    expect(await exchangeIdOf(warehouse.db, 'coinbase')).toBe(1);
    expect(await exchangeIdOf(warehouse.db, 'binance')).toBe(2);
    expect(await rows()).toEqual([
      { exchange_id: 1, code: 'coinbase', name: 'Coinbase Exchange' },
      { exchange_id: 2, code: 'binance', name: 'Binance' },
    ]);
  });

  it('are added, with the next id and the venue name, for a venue without a row', async () => {
    // As a venue added to the registry after the warehouse was made: no row for it yet.
    await sql`delete from orderbook.dim_exchange where code = 'binance'`.execute(warehouse.db);
    await sql`update orderbook.dim_exchange set exchange_id = 7 where code = 'coinbase'`.execute(
      warehouse.db,
    );
    const [first, again] = await Promise.all([
      exchangeIdOf(warehouse.db, 'binance'),
      exchangeIdOf(warehouse.db, 'binance'),
    ]);
    expect(first).toBe(8);
    expect(again).toBe(8);
    const binance = allVenues().find((v) => v.code === 'binance');
    expect(await rows()).toEqual([
      { exchange_id: 7, code: 'coinbase', name: 'Coinbase Exchange' },
      { exchange_id: 8, code: 'binance', name: binance?.name },
    ]);
  });
});
