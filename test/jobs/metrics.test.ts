/**
 * METRICS_FILE: after each run (runPipeline, what `etl` and the scheduler call) a Prometheus
 * textfile-collector file that a strict parser of the text format reads, whose figures are the
 * run's and the warehouse's: requests counted as the venue saw them, each market's last success
 * as v_freshness has it (kept when a run fails the market), counters that only grow from run to
 * run, and a file replaced whole so a scrape never reads half of one.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { METRIC, RequestTally, writeRunMetrics, type RunMetricsInput } from '../../src/jobs/metrics.ts';
import { runPipeline } from '../../src/jobs/pipeline.ts';
import type { RunSummary } from '../../src/jobs/run.ts';
import { openRawStore } from '../../src/raw/index.ts';
import { writeFileAtomically } from '../../src/util/atomic-write.ts';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import type { Database } from '../../src/warehouse/db.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';
import { parsePromText, PromParseError, type PromFamily } from '../helpers/prom-text.ts';

let sim: Simulator;
const { warehouse } = useTestWarehouse();
let dir: string;
let file: string;

const MARKETS = 'coinbase:BTC-USD,coinbase:ETH-USD,binance:BTCUSDT';

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, markets: defaultSimMarkets(50) });
  dir = await mkdtemp(path.join(tmpdir(), 'obetl-metrics-'));
  file = path.join(dir, 'collector', 'orderbook_etl.prom');
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(env: Record<string, string> = {}): Promise<RunSummary> {
  sim.resetRateLimits();
  const config = loadConfig({
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    BINANCE_DEPTH_LIMIT: '100',
    MARKETS,
    HTTP_RETRIES: '1',
    HTTP_BACKOFF_MS: '5',
    METRICS_FILE: file,
    ...env,
  });
  const store = openRawStore(pathToFileURL(path.join(dir, 'raw')).toString());
  try {
    const summary = await runPipeline(config, capturingLogger().log, {
      store,
      warehouse,
      close: () => Promise.resolve(),
    });
    if (!summary) throw new Error('every market was held by another run');
    return summary;
  } finally {
    await store.close();
  }
}

async function parsed(): Promise<Map<string, PromFamily>> {
  return parsePromText(await readFile(file, 'utf8'));
}

function value(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const sample = families.get(name)?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
  if (!sample) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
  return sample.value;
}

/** What the venue saw, as exchange → status → requests (the simulator logs every request). */
function venueRequests(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of sim.requests) {
    const key = `${r.venue} ${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function fileRequests(families: Map<string, PromFamily>): Map<string, number> {
  return new Map(
    (families.get(METRIC.requests)?.samples ?? []).map((s) => [
      `${s.labels.exchange ?? ''} ${s.labels.status ?? ''}`,
      s.value,
    ]),
  );
}

async function lastCaptured(): Promise<Record<string, number>> {
  const { rows } = await sql<{ id: string; at: number }>`
    select exchange || ':' || market as id, extract(epoch from last_captured_at)::float8 as at
    from orderbook.v_freshness`.execute(warehouse.db);
  return Object.fromEntries(rows.map((r) => [r.id, r.at]));
}

const LABELS = {
  'coinbase:BTC-USD': { exchange: 'coinbase', market: 'BTC-USD' },
  'coinbase:ETH-USD': { exchange: 'coinbase', market: 'ETH-USD' },
  'binance:BTCUSDT': { exchange: 'binance', market: 'BTCUSDT' },
};

let firstSuccess: Record<string, number> = {};
let totalVenueRequests = new Map<string, number>();

describe('METRICS_FILE', () => {
  it('a run writes it in the text format, with the run’s and the warehouse’s figures', async () => {
    sim.resetRequests();
    const summary = await run();
    expect(summary.exitCode).toBe(0);
    const families = await parsed();
    expect([...families.keys()].sort()).toEqual(Object.values(METRIC).sort());
    expect(families.get(METRIC.requests)?.type).toBe('counter');
    expect(families.get(METRIC.levels)?.type).toBe('counter');
    expect(families.get(METRIC.lastSuccess)?.type).toBe('gauge');
    expect(families.get(METRIC.lastSuccess)?.help).toMatch(/newest loaded snapshot/);

    firstSuccess = await lastCaptured();
    for (const [id, labels] of Object.entries(LABELS)) {
      expect(value(families, METRIC.lastSuccess, labels)).toBeCloseTo(firstSuccess[id] ?? -1, 3);
      expect(value(families, METRIC.failedRuns, labels)).toBe(0);
    }
    expect(value(families, METRIC.markets, { status: 'ok' })).toBe(3);
    expect(value(families, METRIC.markets, { status: 'failed' })).toBe(0);
    expect(value(families, METRIC.markets, { status: 'abandoned' })).toBe(0);
    expect(value(families, METRIC.levels)).toBe(
      summary.outcomes.reduce((n, o) => n + o.bidLevels + o.askLevels, 0),
    );
    expect(value(families, METRIC.levels)).toBeGreaterThan(0);
    expect(value(families, METRIC.duration)).toBeCloseTo(
      (summary.finishedAt.getTime() - summary.startedAt.getTime()) / 1000,
      3,
    );
    expect(value(families, METRIC.lastRun)).toBeCloseTo(summary.finishedAt.getTime() / 1000, 3);
    totalVenueRequests = venueRequests();
    expect(fileRequests(families)).toEqual(totalVenueRequests);
    // Only the file: its temporary sibling was renamed over it.
    expect(await readdir(path.dirname(file))).toEqual(['orderbook_etl.prom']);
  });

  it('a run that fails a market keeps its last success; the counters go on growing', async () => {
    const before = await parsed();
    sim.resetRequests();
    sim.injectFault({ venue: 'coinbase', symbol: 'BTC-USD' }, { kind: 'status', status: 503 }, 2);
    const summary = await run();
    expect(summary.marketsFailed).toBe(1);
    const families = await parsed();
    const now = await lastCaptured();
    expect(now['coinbase:BTC-USD']).toBe(firstSuccess['coinbase:BTC-USD']);
    expect(value(families, METRIC.lastSuccess, LABELS['coinbase:BTC-USD'])).toBeCloseTo(
      firstSuccess['coinbase:BTC-USD'] ?? -1,
      3,
    );
    expect(value(families, METRIC.failedRuns, LABELS['coinbase:BTC-USD'])).toBe(1);
    expect(value(families, METRIC.lastSuccess, LABELS['binance:BTCUSDT'])).toBeGreaterThan(
      firstSuccess['binance:BTCUSDT'] ?? Infinity,
    );
    expect(value(families, METRIC.markets, { status: 'ok' })).toBe(2);
    expect(value(families, METRIC.markets, { status: 'failed' })).toBe(1);
    // Counters: the previous file's totals plus this run's, exactly what the venue saw in both.
    for (const [key, n] of venueRequests())
      totalVenueRequests.set(key, (totalVenueRequests.get(key) ?? 0) + n);
    expect(fileRequests(families)).toEqual(totalVenueRequests);
    expect(fileRequests(families).get('coinbase 503')).toBe(2);
    const loaded = summary.outcomes
      .filter((o) => o.snapshotId)
      .reduce((n, o) => n + o.bidLevels + o.askLevels, 0);
    expect(value(families, METRIC.levels)).toBe(value(before, METRIC.levels) + loaded);
  });

  it('with the warehouse unreadable, the previous file carries each market’s last success on', async () => {
    // The database gone after the run: every query is refused.
    const gone = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/gone' }),
      }),
    });
    const { log, lines } = capturingLogger();
    try {
      const previous = await parsed();
      const finishedAt = new Date(Date.now() + 60_000);
      const summary: RunSummary = {
        runId: '01900000-0000-7000-8000-00000000f00d',
        startedAt: new Date(finishedAt.getTime() - 1500),
        finishedAt,
        outcomes: [
          {
            market: { venue: 'binance', symbol: 'BTCUSDT' },
            rawKey: 'k',
            error: null,
            bidLevels: 3,
            askLevels: 4,
            snapshotId: '1',
            abandoned: false,
            trades: null,
          },
        ],
        marketsOk: 1,
        marketsFailed: 0,
        marketsAbandoned: 0,
        tradesFailed: 0,
        exitCode: 0,
      };
      const input: RunMetricsInput = {
        file,
        summary,
        requests: new RequestTally(),
        markets: loadConfig({ MARKETS }).markets,
        db: gone,
        log,
      };
      await writeRunMetrics(input);
      const families = await parsed();
      expect(
        lines().some((l) => l.msg === 'v_freshness not readable: metrics carry on from the previous file'),
      ).toBe(true);
      for (const id of ['coinbase:BTC-USD', 'coinbase:ETH-USD'] as const) {
        expect(value(families, METRIC.lastSuccess, LABELS[id])).toBe(
          value(previous, METRIC.lastSuccess, LABELS[id]),
        );
      }
      expect(value(families, METRIC.failedRuns, LABELS['coinbase:BTC-USD'])).toBe(1);
      expect(value(families, METRIC.lastSuccess, LABELS['binance:BTCUSDT'])).toBeCloseTo(
        finishedAt.getTime() / 1000,
        3,
      );
      expect(value(families, METRIC.levels)).toBe(value(previous, METRIC.levels) + 7);
      expect(fileRequests(families)).toEqual(fileRequests(previous));
    } finally {
      await gone.destroy();
    }
  });

  it('a folder that cannot be written costs the run nothing: it is logged', async () => {
    const { log, lines } = capturingLogger();
    const summary = await runPipeline(
      loadConfig({
        COINBASE_API_URL: sim.url,
        BINANCE_API_URL: sim.url,
        BINANCE_DEPTH_LIMIT: '100',
        MARKETS: 'binance:BTCUSDT',
        METRICS_FILE: '/proc/orderbook-etl/metrics.prom',
      }),
      log,
      {
        store: openRawStore(pathToFileURL(path.join(dir, 'raw')).toString()),
        warehouse,
        close: () => Promise.resolve(),
      },
    );
    expect(summary?.exitCode).toBe(0);
    const failure = lines().find((l) => l.msg === 'metrics file not written');
    expect(failure?.file).toBe('/proc/orderbook-etl/metrics.prom');
  });

  it('is replaced whole: a reader during many rewrites only ever sees one complete file', async () => {
    const target = path.join(dir, 'atomic', 'x.prom');
    const texts = ['a', 'b'].map((c) => `# TYPE big_${c} gauge\n${`big_${c} 1\n`.repeat(20_000)}`);
    await writeFileAtomically(target, texts[0] ?? '');
    const state = { writing: true };
    const seen = new Set<string>();
    const reader = (async () => {
      let reads = 0;
      while (state.writing || reads === 0) {
        const text = await readFile(target, 'utf8');
        seen.add(text === texts[0] ? 'a' : text === texts[1] ? 'b' : `torn (${text.length} chars)`);
        reads++;
      }
      return reads;
    })();
    for (let i = 0; i < 150; i++) await writeFileAtomically(target, texts[i % 2] ?? '');
    state.writing = false;
    expect(await reader).toBeGreaterThan(0);
    expect([...seen].filter((s) => s.startsWith('torn'))).toEqual([]);
    expect(await readdir(path.dirname(target))).toEqual(['x.prom']);
  });
});

describe('the strict text-format parser the tests read the file with', () => {
  it('reads the format’s own example', () => {
    const families = parsePromText(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'metric_without_timestamp_and_labels 12.47',
        'something_weird{problem="division by zero"} +Inf -3982045',
        '',
      ].join('\n'),
    );
    expect(families.get('http_requests_total')?.samples.map((s) => s.value)).toEqual([1027, 3]);
    expect(families.get('msdos_file_access_time_seconds')?.samples[0]?.labels).toEqual({
      path: 'C:\\DIR\\FILE.TXT',
      error: 'Cannot find file:\n"FILE.TXT"',
    });
    expect(families.get('something_weird')?.samples[0]?.value).toBe(Infinity);
  });

  it.each([
    ['no line feed at the end', 'a 1'],
    ['a value that is not a float', 'a one\n'],
    ['a bad metric name', '1a 1\n'],
    ['an unquoted label value', 'a{b=c} 1\n'],
    ['an unterminated label value', 'a{b="c} 1\n'],
    ['a bad escape', 'a{b="\\t"} 1\n'],
    ['a label given twice', 'a{b="1",b="2"} 1\n'],
    ['a series given twice', 'a{b="1"} 1\na{b="1"} 2\n'],
    ['a TYPE after its samples', 'a 1\n# TYPE a gauge\n'],
    ['a second TYPE', '# TYPE a gauge\n# TYPE a counter\na 1\n'],
    ['a family split in two', 'a 1\nb 1\na{x="y"} 2\n'],
    ['a negative counter', '# TYPE a counter\na -1\n'],
    ['stray words', 'a 1 2 3\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePromText(text)).toThrow(PromParseError);
  });
});
