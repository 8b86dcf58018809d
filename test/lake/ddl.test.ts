/**
 * `lake ddl` for every engine: docs/lake.md shows each engine's output, and it is the command's
 * own (the docs are the checked-in expected text); the Athena, Trino and Spark statements are
 * also checked for what those engines need — every lake column with its exact type, the
 * partitions, locations under the settings' roots, Athena's projection of each partition — and
 * DuckDB runs its own (export.test.ts). The real CLI prints it and refuses what cannot work.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DdlError, ENGINES, lakeDdl, type Engine } from '../../src/lake/ddl.ts';
import { LAKE_TABLES, isDecimal, type ColumnType } from '../../src/lake/schema.ts';
import { runCli } from '../helpers/child.ts';
import { engineBlocks, isDdl } from './docs-blocks.ts';

const MARKETS = loadConfig({}).markets;
const S3 = { rawStoreUrl: 's3://example-bucket/raw', lakeUrl: 's3://example-bucket/lake', markets: MARKETS };
const LOCAL = { rawStoreUrl: 'file://data/raw', lakeUrl: 'file://data/lake', markets: MARKETS };
const settingsFor = (engine: Engine) => (engine === 'duckdb' ? LOCAL : S3);

/** The statement that creates `name`, up to its closing semicolon. */
function statement(ddl: string, name: string): string {
  const start = ddl.search(new RegExp(`CREATE (OR REPLACE )?(EXTERNAL )?(TABLE|VIEW)[^(]*["\`]${name}["\`]`));
  if (start < 0) throw new Error(`no statement creates ${name}`);
  return ddl.slice(start, ddl.indexOf(';\n', start) + 1);
}

function typeIn(engine: Engine, t: ColumnType): string {
  if (isDecimal(t))
    return engine === 'duckdb' ? `DECIMAL(${t.precision},${t.scale})` : `decimal(${t.precision},${t.scale})`;
  const names: Record<Engine, Record<string, string>> = {
    athena: { timestamp: 'timestamp', varchar: 'string', integer: 'int', bigint: 'bigint' },
    spark: { timestamp: 'timestamp', varchar: 'string', integer: 'int', bigint: 'bigint' },
    trino: { timestamp: 'timestamp', varchar: 'varchar', integer: 'integer', bigint: 'bigint' },
    duckdb: {},
  };
  return names[engine][t] ?? '';
}

describe('lake ddl', () => {
  it.each(ENGINES)('docs/lake.md shows exactly what `lake ddl --engine %s` prints', (engine) => {
    const shown = engineBlocks().filter((b) => b.engine === engine && isDdl(b));
    expect(shown).toHaveLength(1);
    expect(shown[0]?.text).toBe(lakeDdl(engine, undefined, settingsFor(engine)));
  });

  it.each(['athena', 'trino', 'spark'] as const)(
    '%s: every lake column, typed exactly, partitioned, located',
    (engine) => {
      const ddl = lakeDdl(engine, 'parquet', S3);
      const q = engine === 'trino' ? '"' : '`';
      for (const table of LAKE_TABLES) {
        const s = statement(ddl, table.name);
        for (const c of table.columns)
          expect(s, `${table.name}.${c.name}`).toContain(`${q}${c.name}${q} ${typeIn(engine, c.type)} `);
        const root = engine === 'spark' ? 's3a://example-bucket/lake' : 's3://example-bucket/lake';
        expect(s).toContain(`'${root}/${table.name}`);
        expect(s).not.toContain('example-bucket/raw');
        for (const p of ['exchange', 'market', 'date']) expect(s).toContain(`${q}${p}${q}`);
        // Balanced, and one statement: nothing of the next leaked in.
        expect(s.split('(').length).toBe(s.split(')').length);
        if (engine === 'athena') {
          expect(s).toContain('STORED AS PARQUET');
          for (const p of ['exchange', 'market', 'date']) expect(s).toContain(`'projection.${p}.type'`);
          expect(s).toContain(
            `'storage.location.template' = 's3://example-bucket/lake/${table.name}/exchange=\${exchange}/market=\${market}/date=\${date}/'`,
          );
          expect(s).toContain(`'projection.market.values' = 'BTC-USD,ETH-USD,BTCUSDT,ETHUSDT'`);
        }
      }
    },
  );

  it.each(['athena', 'trino', 'spark'] as const)(
    '%s: the raw JSON lake, books apart from _trades/',
    (engine) => {
      const ddl = lakeDdl(engine, 'json', S3);
      const books = statement(ddl, 'raw_books');
      const trades = statement(ddl, 'raw_trades');
      const raw = engine === 'spark' ? 's3a://example-bucket/raw' : 's3://example-bucket/raw';
      expect(books).toMatch(new RegExp(`'${raw}/?'`));
      expect(trades).toContain(`'${raw}/_trades`);
      for (const s of [books, trades]) {
        for (const p of ['exchange', 'market', 'date', 'hour'])
          expect(s).toMatch(new RegExp(`[\`"]${p}[\`"]`));
      }
      expect(statement(ddl, 'raw_levels')).toMatch(/UNNEST|posexplode/);
      expect(ddl).not.toContain('example-bucket/lake');
    },
  );

  it('Athena reads S3 only: a folder location is refused with the setting named', () => {
    expect(() => lakeDdl('athena', 'parquet', LOCAL)).toThrow(DdlError);
    expect(() => lakeDdl('athena', 'parquet', LOCAL)).toThrow(/LAKE_URL is file:\/\/data\/lake/);
  });

  it('the CLI prints it, and refuses an unknown engine with exit 1', async () => {
    const env = { RAW_STORE_URL: S3.rawStoreUrl, LAKE_URL: S3.lakeUrl, DATA_DIR: '/nonexistent/obetl' };
    const ok = await runCli(['lake', 'ddl', '--engine', 'trino'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(lakeDdl('trino', undefined, S3));
    const bad = await runCli(['lake', 'ddl', '--engine', 'presto'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('lake ddl: --engine presto: give one of athena, trino, spark, duckdb');
    const local = await runCli(['lake', 'ddl', '--engine', 'athena'], { ...env, LAKE_URL: 'file:///tmp/x' });
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/Athena reads S3 only/);
  });
});
