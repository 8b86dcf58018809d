/**
 * A run's Prometheus metrics, written to METRICS_FILE for node_exporter's textfile collector (or
 * anything that reads the text format). The file is replaced whole after every run: written
 * beside itself under a name the collector ignores, then renamed over the old one, so a scrape
 * never sees half a file.
 *
 * Each file carries everything a scrape needs, not only the last run: each market's last
 * success and failures in a row come from v_freshness (so a run that fails a market keeps the
 * time it last loaded), and the counters continue from the previous file's values (so they only
 * ever grow, as Prometheus counters must; deleting the file resets them, which rate() handles).
 */
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { marketLabel, type Market, type Venue } from '../markets.ts';
import { writeFileAtomically } from '../util/atomic-write.ts';
import { type Database, type Freshness, readFreshness } from '../warehouse/index.ts';
import type { RunSummary } from './run.ts';

export const METRIC = {
  lastSuccess: 'orderbook_etl_last_success_timestamp_seconds',
  failedRuns: 'orderbook_etl_consecutive_failed_runs',
  lastRun: 'orderbook_etl_last_run_timestamp_seconds',
  duration: 'orderbook_etl_run_duration_seconds',
  markets: 'orderbook_etl_markets',
  levels: 'orderbook_etl_levels_loaded_total',
  requests: 'orderbook_etl_http_requests_total',
} as const;

/** Every attempt a run's venue clients sent, by venue and outcome (createVenueClients' onAttempt). */
export class RequestTally {
  private readonly counts = new Map<string, { exchange: Venue; status: string; n: number }>();

  readonly observe = (venue: Venue, status: string): void => {
    const key = `${venue} ${status}`;
    const entry = this.counts.get(key) ?? { exchange: venue, status, n: 0 };
    entry.n++;
    this.counts.set(key, entry);
  };

  entries(): { exchange: Venue; status: string; n: number }[] {
    return [...this.counts.values()];
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The samples of a metrics file this module wrote (an empty list when there is none yet). Enough
 * for our own files, not a general parser of the format.
 */
export async function readMetricsFile(file: string): Promise<Sample[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (m[2] ?? '').matchAll(LABEL)) {
      labels[name ?? ''] = (value ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(m[3]);
    if (Number.isFinite(value)) samples.push({ name: m[1] ?? '', labels, value });
  }
  return samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

export interface RunMetricsInput {
  file: string;
  summary: RunSummary;
  requests: RequestTally;
  /** Every configured market (MARKETS), also those another run held this time. */
  markets: readonly Market[];
  db: Kysely<Database>;
  log: Logger;
}

interface MarketState {
  lastSuccess: number;
  failedRuns: number;
}

/**
 * Each market's last success and failures in a row: from the warehouse; if it cannot be read
 * now, from the previous file moved on by this run's outcomes (a loaded market's success is
 * taken as the run's end: its exact arrival time is in the warehouse, not the summary).
 */
async function marketStates(
  input: RunMetricsInput,
  previous: Sample[],
): Promise<{ market: Market; state: MarketState }[]> {
  let fresh: Map<string, Freshness> | null = null;
  try {
    fresh = await readFreshness(input.db);
  } catch (error) {
    input.log.warn({ err: error }, 'v_freshness not readable: metrics carry on from the previous file');
  }
  const outcomes = new Map(input.summary.outcomes.map((o) => [marketLabel(o.market), o]));
  return input.markets.map((market) => {
    const id = marketLabel(market);
    if (fresh) {
      const row = fresh.get(id);
      return {
        market,
        state: { lastSuccess: row?.lastCapturedAt ?? 0, failedRuns: row?.consecutiveFailedRuns ?? 0 },
      };
    }
    const labels = { exchange: market.venue, market: market.symbol };
    const state = {
      lastSuccess: valueOf(previous, METRIC.lastSuccess, labels) ?? 0,
      failedRuns: valueOf(previous, METRIC.failedRuns, labels) ?? 0,
    };
    const outcome = outcomes.get(id);
    if (outcome?.snapshotId) {
      state.lastSuccess = input.summary.finishedAt.getTime() / 1000;
      state.failedRuns = 0;
    } else if (outcome?.error) state.failedRuns++;
    return { market, state };
  });
}

/** The text of METRICS_FILE after this run. */
export async function renderRunMetrics(input: RunMetricsInput, previous: Sample[]): Promise<string> {
  const { summary } = input;
  const registry = new Registry();
  const registers = [registry];
  const lastSuccess = new Gauge({
    name: METRIC.lastSuccess,
    help: "When the market's newest loaded snapshot arrived (Unix time; 0: never loaded). A failed run keeps the last success.",
    labelNames: ['exchange', 'market'],
    registers,
  });
  const failedRuns = new Gauge({
    name: METRIC.failedRuns,
    help: "Runs in a row that failed the market's book since it last loaded (v_freshness.consecutive_failed_runs).",
    labelNames: ['exchange', 'market'],
    registers,
  });
  for (const { market, state } of await marketStates(input, previous)) {
    const labels = { exchange: market.venue, market: market.symbol };
    lastSuccess.set(labels, state.lastSuccess);
    failedRuns.set(labels, state.failedRuns);
  }
  new Gauge({
    name: METRIC.lastRun,
    help: 'When the latest run finished (Unix time).',
    registers,
  }).set(summary.finishedAt.getTime() / 1000);
  new Gauge({
    name: METRIC.duration,
    help: 'How long the latest run took, seconds.',
    registers,
  }).set((summary.finishedAt.getTime() - summary.startedAt.getTime()) / 1000);
  const markets = new Gauge({
    name: METRIC.markets,
    help: 'Markets of the latest run by how their book went: ok (loaded), failed, abandoned (stopped by a signal). Markets another run held are not counted.',
    labelNames: ['status'],
    registers,
  });
  markets.set({ status: 'ok' }, summary.marketsOk);
  markets.set({ status: 'failed' }, summary.marketsFailed);
  markets.set({ status: 'abandoned' }, summary.marketsAbandoned);
  const levels = summary.outcomes
    .filter((o) => o.snapshotId !== null)
    .reduce((n, o) => n + o.bidLevels + o.askLevels, 0);
  new Counter({
    name: METRIC.levels,
    help: 'Book levels (both sides, as received) of the snapshots loaded, over every run that wrote this file.',
    registers,
  }).inc((valueOf(previous, METRIC.levels) ?? 0) + levels);
  const requests = new Counter({
    name: METRIC.requests,
    help: 'HTTP attempts sent to the venues over every run that wrote this file, by HTTP status or how they failed without one (timeout, network, too_large, aborted).',
    labelNames: ['exchange', 'status'],
    registers,
  });
  const totals = new Map<string, { exchange: string; status: string; n: number }>();
  for (const s of previous.filter((p) => p.name === METRIC.requests)) {
    const { exchange = '', status = '' } = s.labels;
    totals.set(`${exchange} ${status}`, { exchange, status, n: s.value });
  }
  for (const { exchange, status, n } of input.requests.entries()) {
    const key = `${exchange} ${status}`;
    totals.set(key, { exchange, status, n: (totals.get(key)?.n ?? 0) + n });
  }
  for (const { exchange, status, n } of totals.values()) requests.inc({ exchange, status }, n);
  // The format ends every line, the last one too, with a line feed; prom-client leaves it off.
  const text = await registry.metrics();
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Writes METRICS_FILE for a finished run. Never fails the run: a problem is logged. */
export async function writeRunMetrics(input: RunMetricsInput): Promise<void> {
  try {
    const previous = await readMetricsFile(input.file).catch((error: unknown) => {
      input.log.warn({ file: input.file, err: error }, 'previous metrics file unreadable: counters restart');
      return [];
    });
    await writeFileAtomically(input.file, await renderRunMetrics(input, previous));
    input.log.debug({ file: input.file }, 'metrics written');
  } catch (error) {
    input.log.error({ file: input.file, err: error }, 'metrics file not written');
  }
}
