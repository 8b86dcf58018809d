import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.ts';
import { listSnapshots, openRawStore, readSnapshot } from '../../src/raw/index.ts';
import { openWarehouse } from '../../src/warehouse/db.ts';
import { capturingLogger } from '../helpers/log.ts';

const SETTINGS = ['HTTPS_PROXY', 'https_proxy', 'DATABASE_URL', 'RAW_STORE_URL'] as const;
const saved = new Map<string, string | undefined>();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-demo-'));
  for (const name of SETTINGS) saved.set(name, process.env[name]);
  // Any request to a real venue (https) would go to a proxy that is not there; a database or
  // bucket from the environment would be somebody's real data. The demo must need none of them.
  process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
  process.env.https_proxy = 'http://127.0.0.1:9';
  process.env.DATABASE_URL = 'postgres://nobody:secret@127.0.0.1:1/real_warehouse';
  process.env.RAW_STORE_URL = 's3://real-bucket/raw';
});
afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  await rm(dir, { recursive: true, force: true });
});

function output(): { out: Writable; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { out, text: () => chunks.join('') };
}

/** Opens the demo's PGlite after it ran: PGlite allows one opener, so the demo must have closed it. */
async function inWarehouse<T>(dataDir: string, query: string): Promise<T[]> {
  const warehouse = await openWarehouse({ databaseUrl: undefined, dataDir, connectAttempts: 1 });
  try {
    return (await sql.raw<T>(query).execute(warehouse.db)).rows;
  } finally {
    await warehouse.close();
  }
}

describe('npm run demo (runDemo)', () => {
  const dataDir = () => path.join(dir, 'data', 'demo');

  it('fetches from its own simulator, keeps raw and warehouse under its folder, prints the report, exits 0', async () => {
    const { out, text } = output();
    const { log, lines } = capturingLogger();
    const code = await runDemo({ dataDir: dataDir(), log, out, levels: 200, seed: 7 });
    expect(lines().filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(code).toBe(0);

    const report = text();
    expect(report).toMatch(/^orderbook-etl report/);
    expect(report).not.toContain('\x1b');
    const books = report.slice(report.indexOf('Latest book per market'), report.indexOf('All-in price'));
    for (const market of ['binance  BTCUSDT', 'binance  ETHUSDT', 'coinbase  BTC-USD', 'coinbase  ETH-USD'])
      expect(books).toMatch(new RegExp(`^ {2}${market.replace(/ +/, ' +')} `, 'm'));
    const venues = report.slice(report.indexOf('Preferred venue'), report.indexOf('What next'));
    expect(venues.split('\n').filter((l) => /^ {2}(BTC|ETH) +(buy|sell) /.test(l))).toHaveLength(8);
    expect(report).toContain('What next');
    expect(report).toContain(path.join(dataDir(), 'raw'));
    expect(report).toContain('npm run etl');
    expect(report).toContain('psql');

    // One raw object per market, each fetched from the loopback simulator.
    const store = openRawStore(`file://${path.join(dataDir(), 'raw')}`);
    const keys: string[] = [];
    for await (const key of listSnapshots(store)) keys.push(key);
    expect(keys.map((k) => k.split('/').slice(0, 2).join('/')).sort()).toEqual([
      'exchange=binance/market=BTCUSDT',
      'exchange=binance/market=ETHUSDT',
      'exchange=coinbase/market=BTC-USD',
      'exchange=coinbase/market=ETH-USD',
    ]);
    for (const key of keys)
      expect((await readSnapshot(store, key)).meta.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

    // The embedded warehouse lives under the demo folder, holds the run, and the report's
    // preferred venues are v_best_venue's, rounded.
    expect(existsSync(path.join(dataDir(), 'pglite', 'PG_VERSION'))).toBe(true);
    const runs = await inWarehouse<{ status: string; markets_ok: number }>(
      dataDir(),
      'select status, markets_ok from orderbook.etl_run',
    );
    expect(runs).toEqual([{ status: 'ok', markets_ok: 4 }]);
    // Its buffer cache is this process's memory: opened small (docs/performance.md, Sizing a machine).
    expect(await inWarehouse<{ shared_buffers: string }>(dataDir(), 'show shared_buffers')).toEqual([
      { shared_buffers: '16MB' },
    ]);
    const best = await inWarehouse<{ base: string; side: string; venue: string; all_in: string }>(
      dataDir(),
      `select base, side, exchange || ':' || market as venue, round(all_in_price, 2)::text as all_in
       from orderbook.v_best_venue`,
    );
    expect(best).toHaveLength(8);
    const rows = venues.split('\n').map((l) => l.trim().split(/\s+/));
    for (const b of best) {
      const [int = '', frac = ''] = b.all_in.split('.');
      const price = `${BigInt(int).toLocaleString('en-US')}.${frac}`;
      expect(
        rows.filter((r) => r[0] === b.base && r[1] === b.side && r[3] === b.venue && r[4] === price),
        `${b.base} ${b.side} ${b.venue} ${price} in\n${venues}`,
      ).toHaveLength(1);
    }
  });

  it('says what it assumed and how the venues compared, and writes the HTML report beside its data', async () => {
    // A folder of its own: the next case counts the runs in the first one's.
    const own = path.join(dir, 'note', 'demo');
    const { out, text } = output();
    const code = await runDemo({ dataDir: own, log: capturingLogger().log, out, levels: 200, seed: 9 });
    expect(code).toBe(0);
    const report = text();
    const note = report.slice(report.indexOf('\nThis demo\n'), report.indexOf('What next'));
    expect(note).toContain('Taker fees: coinbase 10 bps, binance 10 bps (TAKER_FEE_BPS;');
    // Per asset and side, who is cheapest over which sizes; the verdict follows from them.
    const lines = note.split('\n').filter((l) => /^ {4}(BTC|ETH) (buy|sell): /.test(l));
    expect(lines.map((l) => l.trim().split(':')[0])).toEqual(['BTC buy', 'BTC sell', 'ETH buy', 'ETH sell']);
    const winners = new Set(
      lines.flatMap((l) => (l.split(': ')[1] ?? '').split(' · ').map((part) => part.replace(/ \$.*$/, ''))),
    );
    expect(note).toContain(
      winners.size > 1 ? 'Venues compete:' : 'One way is cheapest for every order here:',
    );
    const file = path.join(own, 'report.html');
    expect(report).toContain(`The HTML report (cost curves, depth, size limits, splits): ${file}`);
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/<tr data-setting="TAKER_FEE_BPS">.*binance 10 bps · coinbase 10 bps/);
    expect(html).toContain('<tr data-setting="LEVELS_WITHIN_BPS">');
  });

  it('adds a run when it is run again on the same folder, and reports the newest', async () => {
    const { out, text } = output();
    const code = await runDemo({ dataDir: dataDir(), log: capturingLogger().log, out, levels: 200, seed: 8 });
    expect(code).toBe(0);
    const runs = await inWarehouse<{ run_id: string }>(
      dataDir(),
      'select run_id::text as run_id from orderbook.etl_run order by started_at desc',
    );
    expect(runs).toHaveLength(2);
    expect(text()).toContain(`run ${runs[0]?.run_id ?? '?'}`);
  });

  it('exits 1 without fetching when its folder cannot be used', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const { out, text } = output();
    const { log, lines } = capturingLogger();
    const code = await runDemo({ dataDir: blocker, log, out, levels: 50 });
    expect(code).toBe(1);
    expect(lines().some((l) => l.msg === 'demo: raw store unusable')).toBe(true);
    expect(text()).toBe('');
  });
});
