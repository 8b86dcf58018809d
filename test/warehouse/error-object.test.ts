/**
 * etl_error.object (migration 0012): the raw kind whose stage failed, instead of a `trades_` prefix
 * on kind. Rows an older release stored are converted; v_freshness still labels trades failures
 * `trades_…`.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/warehouse/migrate.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateBefore, useTestWarehouse } from '../helpers/db.ts';

const SETTINGS = loadConfig({});
const RUN = '01900000-0000-7000-8000-00000000f001';
const LATER = '01900000-0000-7000-8000-00000000f002';

const { warehouse } = useTestWarehouse({ migrate: false });

/** [market, stage, kind, message, raw_key] as an older release wrote them, oldest first. */
const OLD_ROWS: [string, string, string, string, string | null][] = [
  [
    'BTC-USD',
    'fetch',
    'http_503',
    'coinbase BTC-USD GET … answered HTTP 503',
    'exchange=coinbase/market=BTC-USD/x.json.gz',
  ],
  [
    'BTC-USD',
    'fetch',
    'trades_http_502',
    'coinbase:BTC-USD: trades: GET … answered HTTP 502',
    '_trades/x.json.gz',
  ],
  ['ETH-USD', 'store', 'trades_raw_store', 'coinbase:ETH-USD: trades: raw object not stored: EACCES', null],
  [
    'ETH-USD',
    'parse',
    'metadata',
    'coinbase metadata … unreadable: SyntaxError',
    '_meta/exchange=coinbase/y.json.gz',
  ],
  ['SOL-USD', 'fetch', 'unknown_market', 'coinbase does not list SOL-USD (check MARKETS)', null],
  ['SOL-USD', 'store', 'raw_store', 'coinbase metadata not stored: EACCES', null],
  [
    'SOL-USD',
    'load',
    'backfill_load',
    'backfill: exchange=coinbase/…: load: gone',
    'exchange=coinbase/market=SOL-USD/z.json.gz',
  ],
  ['BTC', 'derive', 'split', 'optimal split of BTC not derived: gone', null],
];

describe('etl_error.object', () => {
  it('is filled from the trades_ prefix (and the metadata a row names) for rows stored before 0012', async () => {
    await migrateBefore(warehouse.db, '0012');
    await sql`insert into orderbook.etl_run (run_id, started_at, status) values
      (${RUN}, '2026-04-01T00:00:00Z', 'partial'), (${LATER}, '2026-04-01T01:00:00Z', 'partial')`.execute(
      warehouse.db,
    );
    for (const [i, [market, stage, kind, message, rawKey]] of OLD_ROWS.entries()) {
      await sql`insert into orderbook.etl_error (run_id, exchange, market, stage, kind, message, raw_key, at)
        values (${RUN}, 'coinbase', ${market}, ${stage}, ${kind}, ${message}, ${rawKey},
                ${new Date(Date.UTC(2026, 3, 1, 0, i)).toISOString()}::timestamptz)`.execute(warehouse.db);
    }
    await migrate(warehouse.db, undefined, SETTINGS);

    const { rows } = await sql<{ market: string; stage: string; object: string | null; kind: string }>`
      select market, stage, object, kind from orderbook.etl_error order by error_id`.execute(warehouse.db);
    expect(rows.map((r) => [r.market, r.stage, r.object, r.kind])).toEqual([
      ['BTC-USD', 'fetch', 'book', 'http_503'],
      ['BTC-USD', 'fetch', 'trades', 'http_502'],
      ['ETH-USD', 'store', 'trades', 'raw_store'],
      ['ETH-USD', 'parse', 'metadata', 'metadata'],
      ['SOL-USD', 'fetch', 'metadata', 'unknown_market'],
      ['SOL-USD', 'store', 'metadata', 'raw_store'],
      ['SOL-USD', 'load', null, 'backfill_load'],
      ['BTC', 'derive', null, 'split'],
    ]);
    await expect(
      sql`insert into orderbook.etl_error (run_id, exchange, market, stage, object, kind, message)
        values (${RUN}, 'coinbase', 'BTC-USD', 'fetch', 'level', 'timeout', 'x')`.execute(warehouse.db),
    ).rejects.toThrow(/etl_error_object_check/);
  });

  it('leaves v_freshness labelling trades failures trades_… and telling them from the book’s', async () => {
    await migrate(warehouse.db, undefined, SETTINGS);
    // The first case's rows are not this one's.
    await sql`truncate orderbook.etl_error, orderbook.etl_run`.execute(warehouse.db);
    await sql`insert into orderbook.etl_run (run_id, started_at, status) values
      (${RUN}, '2026-04-01T00:00:00Z', 'partial'), (${LATER}, '2026-04-01T01:00:00Z', 'partial')`.execute(
      warehouse.db,
    );
    // BTC-USD: its book failed in the first run, its trades (only) in the later one.
    await sql`insert into orderbook.etl_error (run_id, exchange, market, stage, object, kind, message, at) values
      (${RUN}, 'coinbase', 'BTC-USD', 'fetch', 'book', 'http_503', 'book down', '2026-04-01T00:00:01Z'),
      (${LATER}, 'coinbase', 'BTC-USD', 'fetch', 'trades', 'http_502', 'trades down', '2026-04-01T01:00:01Z'),
      (${LATER}, 'coinbase', 'ETH-USD', 'fetch', 'metadata', 'unknown_market', 'not listed', '2026-04-01T01:00:02Z')`.execute(
      warehouse.db,
    );
    const { rows } = await sql<{
      market: string;
      last_error_kind: string;
      last_run_outcome: string;
      consecutive_failed_runs: string;
    }>`select market, last_error_kind, last_run_outcome, consecutive_failed_runs::text
       from orderbook.v_freshness order by market`.execute(warehouse.db);
    expect(rows).toEqual([
      // The later run failed only BTC-USD's trades: one run in a row failed its book.
      {
        market: 'BTC-USD',
        last_error_kind: 'trades_http_502',
        last_run_outcome: 'failed',
        consecutive_failed_runs: '1',
      },
      {
        market: 'ETH-USD',
        last_error_kind: 'unknown_market',
        last_run_outcome: 'failed',
        consecutive_failed_runs: '1',
      },
    ]);
  });
});
