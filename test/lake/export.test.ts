/**
 * The lake read by a real engine: DuckDB runs `lake ddl --engine duckdb`'s own output over the
 * raw JSON lake and the exported Parquet, and what it reads equals the warehouse exactly — every
 * level, every top of book, and a $50,000 fill computed in DuckDB SQL (docs/lake.md's query)
 * against fact_fill. The raw glob sees books only, whatever sits beside them under `_meta/`,
 * `_trades/` and `_attempts/`. A rerun writes nothing; a value no column can hold is refused.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeDdl } from '../../src/lake/ddl.ts';
import type { LakeExportSummary } from '../../src/lake/export.ts';
import { readManifest } from '../../src/lake/manifest.ts';
import { openRawStore } from '../../src/raw/index.ts';
import { engineBlocks, isDdl } from './docs-blocks.ts';
import { canonicalRows, DAY, makeLakeFixture, type LakeFixture } from './fixture.ts';

let f: LakeFixture;
let lakeDir: string;
let first: LakeExportSummary;
let duck: DuckDBConnection;

async function rows(text: string): Promise<string[]> {
  return canonicalRows((await duck.runAndReadAll(text)).getRowsJson());
}

async function pg(text: string): Promise<string[]> {
  const result = await sql.raw<Record<string, unknown>>(text).execute(f.h.warehouse.db);
  return canonicalRows(result.rows.map((r) => Object.values(r)));
}

/** Every file under `dir` with its modification time, to show a rerun touches nothing. */
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    const s = await stat(path.join(dir, name));
    if (s.isFile()) out.push(`${name} ${s.mtimeMs} ${s.size}`);
  }
  return out.sort();
}

beforeAll(async () => {
  f = await makeLakeFixture();
  lakeDir = await f.folder('export');
  first = await f.exportTo(lakeDir);
  duck = await f.duck();
  await duck.run(
    lakeDdl('duckdb', undefined, {
      rawStoreUrl: `file://${f.rawDir}`,
      lakeUrl: `file://${lakeDir}`,
      markets: f.config.markets,
    }),
  );
}, 120_000);

afterAll(async () => {
  duck.closeSync();
  await f.close();
});

const exported = () => f.loadedKeys.filter((k) => k !== f.refusedKey);

describe('lake export', () => {
  it('exports every loadable book and trades response, and refuses the one that does not fit', () => {
    expect(first.failed).toEqual([]);
    expect(first.books.exported).toBe(exported().length);
    expect(first.books.skipped).toBe(2); // the crossed book and the refused one
    expect(first.refused).toEqual([
      {
        key: f.refusedKey,
        reason:
          'value refused: bids level 1: "1234567890123456789012345678901.00000000" has 31 integer digits; DECIMAL(38,8) holds 30',
      },
    ]);
    expect(first.trades.exported).toBeGreaterThan(0);
    expect(first.levels).toBeGreaterThan(6000);
  });

  it('records the refused and unloadable books in their manifests, with the reason', async () => {
    const m = await readManifest(openRawStore(`file://${lakeDir}`), 'books', {
      exchange: 'binance',
      market: 'BTCUSDT',
      date: DAY,
    });
    expect(m.skipped.map((s) => s.key)).toEqual([f.refusedKey]);
    expect(m.levels.flatMap((e) => e.keys)).toHaveLength(1);
    expect(m.top.flatMap((e) => e.keys)).toEqual(m.levels.flatMap((e) => e.keys));
  });

  it('a rerun reads the manifests and writes nothing', async () => {
    const before = await files(lakeDir);
    const again = await f.exportTo(lakeDir);
    expect(again).toMatchObject({ files: 0, bytes: 0, levels: 0, tradesAdded: 0, failed: [], refused: [] });
    expect(again.books.alreadyExported).toBe(f.bookKeys.length);
    expect(await files(lakeDir)).toEqual(before);
  });
});

describe('DuckDB over the raw JSON lake, in place', () => {
  it('the books glob sees the final book responses only, not _meta/, _trades/ or _attempts/', async () => {
    const top = await readdir(f.rawDir);
    expect(top).toEqual(expect.arrayContaining(['_meta', '_trades', '_attempts']));
    expect(await rows(`SELECT substr(filename, ${f.rawDir.length + 2}) FROM raw_books ORDER BY 1`)).toEqual(
      canonicalRows(f.bookKeys.map((k) => [k])),
    );
  });

  it('raw_levels are the warehouse levels, exactly', async () => {
    const keys = exported()
      .map((k) => `'${k}'`)
      .join(', ');
    const fromRaw = await rows(`SELECT raw_key, side, level_no, price::VARCHAR, size::VARCHAR, order_count
      FROM raw_levels WHERE raw_key IN (${keys}) ORDER BY 1, 2, 3`);
    const warehouse =
      await pg(`select s.raw_key, l.side, l.level_no, l.price::text, l.size::text, l.order_count
      from orderbook.fact_level_all l join orderbook.fact_snapshot s using (snapshot_id)
      where s.raw_key <> '${f.refusedKey}' order by 1, 2, 3`);
    expect(fromRaw.length).toBeGreaterThan(6000);
    expect(fromRaw).toEqual(warehouse);
  });

  it('a size DECIMAL(38,8) cannot hold is an error in DuckDB too, not a rounded value', async () => {
    await expect(rows(`SELECT size FROM raw_levels WHERE raw_key = '${f.refusedKey}'`)).rejects.toThrow(
      /Could not convert string "1234567890123456789012345678901.00000000" to DECIMAL\(38,8\)/,
    );
  });
});

describe('DuckDB over the Parquet lake', () => {
  it('levels equal the warehouse levels exactly (the real 1,000,000,000 ask included)', async () => {
    const lake = await rows(`SELECT raw_key, side, level_no, price::VARCHAR, size::VARCHAR, order_count,
        epoch_us(captured_at), run_id FROM levels ORDER BY 1, 2, 3`);
    const warehouse =
      await pg(`select s.raw_key, l.side, l.level_no, l.price::text, l.size::text, l.order_count,
        (extract(epoch from s.received_at) * 1000000)::bigint, s.run_id::text
      from orderbook.fact_level_all l join orderbook.fact_snapshot s using (snapshot_id)
      where s.raw_key <> '${f.refusedKey}' order by 1, 2, 3`);
    expect(lake).toEqual(warehouse);
    expect(await rows(`SELECT max(price)::VARCHAR FROM levels WHERE market = 'ETH-USDT'`)).toEqual([
      '["1000000000"]',
    ]);
  });

  it('top of book equals fact_top and fact_snapshot exactly', async () => {
    const lake =
      await rows(`SELECT raw_key, best_bid, best_bid_size, best_ask, best_ask_size, mid_price, spread,
        spread_bps, epoch_us(requested_at), epoch_us(exchange_time), exchange_sequence, bid_levels, ask_levels,
        exchange, market FROM top ORDER BY raw_key`);
    const warehouse = await pg(`select s.raw_key, t.best_bid, t.best_bid_size, t.best_ask, t.best_ask_size,
        t.mid_price, t.spread, t.spread_bps, (extract(epoch from s.requested_at) * 1000000)::bigint as requested_us,
        (extract(epoch from s.exchange_time) * 1000000)::bigint as exchange_us, s.exchange_sequence, s.bid_levels, s.ask_levels,
        e.code, m.symbol
      from orderbook.fact_top t join orderbook.fact_snapshot s using (snapshot_id)
      join orderbook.dim_market m using (market_id) join orderbook.dim_exchange e using (exchange_id)
      where s.raw_key <> '${f.refusedKey}' order by 1`);
    expect(lake).toHaveLength(exported().length);
    expect(lake).toEqual(warehouse);
  });

  it("docs/lake.md's $50k fill in DuckDB SQL equals fact_fill", async () => {
    const fill = engineBlocks().find((b) => b.engine === 'duckdb' && b.text.includes('lake_div18'));
    if (!fill) throw new Error('docs/lake.md has no $50k fill query');
    const result = await duck.runAndReadAll(fill.text);
    const names = result.columnNames();
    const pick = [
      'raw_key',
      'side',
      'notional_usd',
      'filled_base',
      'avg_price',
      'worst_price',
      'levels_used',
    ];
    const lake = canonicalRows(result.getRowsJson().map((r) => pick.map((c) => r[names.indexOf(c)])));
    const warehouse =
      await pg(`select s.raw_key, f.side, f.notional_usd, f.filled_base, f.avg_price, f.worst_price,
        f.levels_used
      from orderbook.fact_fill f join orderbook.fact_snapshot s using (snapshot_id)
      where f.notional_usd = 50000 and f.fully_filled and s.raw_key <> '${f.refusedKey}' order by 1, 2`);
    expect(lake.length).toBeGreaterThanOrEqual(2 * exported().length - 2);
    expect(lake).toEqual(warehouse);
  });

  it('trades hold each trade once, as v_trade does', async () => {
    const lake =
      await rows(`SELECT exchange, market, trade_id, epoch_us(traded_at), price, size, taker_side, raw_key
      FROM trades ORDER BY 1, 2, 3`);
    const warehouse =
      await pg(`select e.code, m.symbol, t.trade_id, (extract(epoch from t.traded_at) * 1000000)::bigint,
        t.price, t.size, t.taker_side, f.raw_key
      from orderbook.fact_trade t join orderbook.fact_trade_fetch f on f.fetch_id = t.fetch_id
      join orderbook.dim_market m on m.market_id = t.market_id join orderbook.dim_exchange e using (exchange_id)
      order by 1, 2, 3`);
    expect(lake.length).toBeGreaterThan(100);
    expect(lake).toEqual(warehouse);
  });

  it('every other DuckDB query of docs/lake.md runs on the lake and returns rows', async () => {
    const queries = engineBlocks().filter((b) => b.engine === 'duckdb' && !isDdl(b));
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const q of queries) {
      const result = await duck.runAndReadAll(q.text);
      expect(result.currentRowCount, q.where).toBeGreaterThan(0);
    }
  });
});
