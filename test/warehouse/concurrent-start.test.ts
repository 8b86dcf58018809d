/**
 * A new user starts `npm run etl` twice at once on an empty database: both must exit 0, one
 * running and the other saying the run lock is taken (or running after the first) — never a
 * failed migration. Migrations and views share one lock, so the second process finds the schema
 * made and no view to touch. Twenty pairs, each on a database of its own, a few pairs at a time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startCli } from '../helpers/child.ts';
import { etlEnv } from '../helpers/etl-env.ts';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const PAIRS = 20;
const AT_ONCE = 4;

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 2, markets: defaultSimMarkets(20) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-pairs-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function pair(adminUrl: string, n: number) {
  const name = `obetl_pair_${process.pid}_${randomBytes(3).toString('hex')}_${n}`;
  await withAdmin(adminUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const env = etlEnv({
      simUrl: sim.url,
      rawDir: path.join(dir, String(n)),
      dataDir: path.join(dir, `data-${n}`),
      databaseUrl: url.toString(),
    });
    const children = [startCli(['etl'], env), startCli(['etl'], env)];
    const codes = await Promise.all(children.map((c) => c.exited.then((e) => e.code)));
    const said = children.map((c) =>
      c.lines().some((l) => l.msg === 'run finished')
        ? 'ran'
        : /another run holds the run lock/.test(c.output())
          ? 'lock'
          : c.output(),
    );
    const runs = await withAdmin(url.toString(), (c) =>
      c.query<{ n: string }>(`select count(*)::text as n from orderbook.etl_run where status = 'ok'`),
    );
    return { codes, said, runs: Number(runs.rows[0]?.n) };
  } finally {
    await withAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
}

describe('etl started twice at once on a fresh database', () => {
  it(
    `${PAIRS} pairs: every process exits 0, each one ran or met the lock`,
    { timeout: 180_000 },
    async () => {
      // Two processes on one embedded PGlite folder are refused by its folder lock (another test).
      if (!ADMIN_URL) return;
      const results: Awaited<ReturnType<typeof pair>>[] = [];
      for (let start = 0; start < PAIRS; start += AT_ONCE) {
        const wave = Array.from({ length: Math.min(AT_ONCE, PAIRS - start) }, (_, i) =>
          pair(ADMIN_URL, start + i),
        );
        results.push(...(await Promise.all(wave)));
      }
      for (const r of results) {
        expect(r.codes).toEqual([0, 0]);
        expect(
          r.said.every((s) => s === 'ran' || s === 'lock'),
          r.said.join('\n'),
        ).toBe(true);
        expect(r.said.filter((s) => s === 'ran')).toHaveLength(r.runs);
        expect(r.runs).toBeGreaterThanOrEqual(1);
      }
    },
  );
});
