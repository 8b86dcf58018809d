import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/warehouse/migrate.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { loadConfig } from '../../src/config.ts';

/** DESIGN §3's defaults, from config.ts, the one place they are defined. */
const DEFAULTS = loadConfig({});

const { testDb, warehouse } = useTestWarehouse({ migrate: false });

describe('migrations', () => {
  it('create schema orderbook with the tables of DESIGN §5, and a second run changes nothing', async () => {
    const first = await migrate(warehouse.db, undefined, DEFAULTS);
    expect(first.applied).toEqual([
      '0001_warehouse',
      '0002_reader_role',
      '0003_run_interrupted',
      '0004_trades',
      '0005_sizing',
      '0006_fact_level_set_based_integrity',
      '0007_view_versions_and_run_kind',
      '0008_level_partitions_stored_forecasts',
      '0009_error_market_index',
      '0010_stored_window_facts',
      '0011_jit_off',
      '0012_error_object',
      '0015_compact_levels',
      '0016_leaner_trades',
      '0017_utc_bucket_indexes',
      '0018_derived_index_fillfactor',
      '0019_captured_reach',
      '0020_executable_books',
      '0021_depth_orders',
      '0022_derived_index_fillfactor_default',
    ]);
    const second = await migrate(warehouse.db, undefined, DEFAULTS);
    expect(second.applied).toEqual([]);
    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = 'orderbook' and table_type = 'BASE TABLE' order by table_name`.execute(
      warehouse.db,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'dim_asset',
      'dim_exchange',
      'dim_market',
      'etl_error',
      'etl_run',
      'fact_cost_curve',
      'fact_depth',
      'fact_fill',
      'fact_forecast',
      'fact_forecast_error',
      'fact_level',
      'fact_level_compact',
      // Partition of fact_level for the ids of snapshots loaded before it was partitioned.
      'fact_level_legacy',
      'fact_reach',
      'fact_size_limit',
      'fact_snapshot',
      'fact_split',
      'fact_spread_rolling',
      'fact_top',
      'fact_trade',
      'fact_trade_fetch',
      'fact_trade_hour',
      'kysely_migration',
      'kysely_migration_lock',
      'view_version',
    ]);
  });

  it('turns JIT off for the database: a new session plans the views without compiling', async () => {
    await migrate(warehouse.db, undefined, DEFAULTS);
    const fresh = await testDb.open({ migrate: false });
    try {
      const { rows } = await sql<{ jit: string }>`select current_setting('jit') as jit`.execute(fresh.db);
      expect(rows[0]?.jit).toBe('off');
    } finally {
      await fresh.close();
    }
  });

  it('runs safely from two processes at once', async () => {
    const other = await testDb.open({ migrate: false }).catch(() => null);
    // PGlite is single-process: the concurrency question only exists on a server.
    if (!other) return;
    try {
      await Promise.all([migrate(warehouse.db, undefined, DEFAULTS), migrate(other.db, undefined, DEFAULTS)]);
    } finally {
      await other.close();
    }
  });
});
