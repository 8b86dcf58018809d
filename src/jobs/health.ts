/**
 * `npm run health`: is each configured market's data current? One line per market, worst first,
 * and an exit code a monitor acts on: 0 OK, 1 WARNING, 2 CRITICAL (Nagios plugin codes; cron
 * mails what a non-zero run prints; Docker and Kubernetes see critical as unhealthy through the
 * image's HEALTHCHECK). It reads v_freshness only, so an orderbook_reader login can run it, and
 * changes nothing: no migration, no folder made.
 *
 * The thresholds, per market of MARKETS:
 *   CRITICAL  newest data older than 2 × max-age; or max-failures runs in a row failed its book;
 *             or it never loaded although a run tried; or the warehouse cannot be read
 *   WARNING   newest data older than max-age; or its latest run failed it (fewer than max-failures
 *             in a row); or only its trades failed; or no run has tried it yet
 *   OK        otherwise
 *
 * Embedded PGlite is one process's: the scheduler holds it for as long as it runs, and a health
 * check holding it would make a cron `etl` starting then skip its run. So with PGlite and
 * METRICS_FILE set, health reads that file instead (each market's last success and failures in a
 * row, as the latest run wrote them) and never opens the warehouse.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { marketLabel, type Market } from '../markets.ts';
import {
  type Freshness,
  openWarehouse,
  readFreshness,
  type Warehouse,
  WarehouseBusyError,
  WarehouseLoginError,
  WarehouseUnavailableError,
} from '../warehouse/index.ts';
import { METRIC, readMetricsFile, type Sample } from './metrics.ts';

export const LEVELS = ['OK', 'WARNING', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

export interface Thresholds {
  /** Newest data older than this is a warning; older than twice this, critical. */
  maxAgeSeconds: number;
  /** Runs in a row failing a market's book that make it critical. */
  maxFailures: number;
}

export interface HealthReport {
  /** One per market (or one for the warehouse when it cannot be read), worst first. */
  lines: string[];
  exitCode: 0 | 1 | 2;
}

export class HealthArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthArgsError';
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `30m`, `2h`, `1h30m`, `1d`: a duration in seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+[smhd])+$/.test(trimmed)) {
    throw new HealthArgsError(
      `--max-age ${JSON.stringify(text)} is not a duration: give whole numbers with s, m, h or d, e.g. 2h, 90m, 1h30m`,
    );
  }
  const seconds = [...trimmed.matchAll(/(\d+)([smhd])/g)].reduce(
    (sum, [, n, unit]) => sum + Number(n) * (UNIT_SECONDS[unit ?? 's'] ?? 1),
    0,
  );
  if (seconds <= 0) throw new HealthArgsError(`--max-age ${JSON.stringify(text)} must be longer than 0`);
  return seconds;
}

export function thresholdsFrom(values: { 'max-age'?: unknown; 'max-failures'?: unknown }): Thresholds {
  const failures = String(values['max-failures']);
  if (!/^\d+$/.test(failures) || Number(failures) < 1 || Number(failures) > 1000) {
    throw new HealthArgsError(
      `--max-failures ${JSON.stringify(failures)} must be a whole number from 1 to 1000`,
    );
  }
  return { maxAgeSeconds: parseDuration(String(values['max-age'])), maxFailures: Number(failures) };
}

/** 2h 5m, 12m 3s, 45s: rounded to what a person reads. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A message on one line, short enough for a monitor's status field. */
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

interface Verdict {
  level: Level;
  line: string;
}

/** How one market stands; `row` undefined: the warehouse has never seen it. */
export function judge(market: Market, row: Freshness | undefined, t: Thresholds): Verdict {
  const name = marketLabel(market);
  if (!row) return { level: 'WARNING', line: `WARNING ${name}: no run has tried it yet` };
  const findings: { level: Level; text: string }[] = [];
  if (row.ageSeconds === null) {
    findings.push({ level: 'CRITICAL', text: 'never loaded' });
  } else {
    const age = `newest data ${formatAge(row.ageSeconds)} old`;
    if (row.ageSeconds > 2 * t.maxAgeSeconds)
      findings.push({ level: 'CRITICAL', text: `${age} (critical past ${formatAge(2 * t.maxAgeSeconds)})` });
    else if (row.ageSeconds > t.maxAgeSeconds)
      findings.push({ level: 'WARNING', text: `${age} (warning past ${formatAge(t.maxAgeSeconds)})` });
    else findings.push({ level: 'OK', text: age });
  }
  if (row.consecutiveFailedRuns > 0) {
    const since = row.failingSince === null ? '' : ` since ${iso(row.failingSince)}`;
    findings.push({
      level: row.consecutiveFailedRuns >= t.maxFailures ? 'CRITICAL' : 'WARNING',
      text: `${row.consecutiveFailedRuns} run(s) in a row failed it${since} (critical at ${t.maxFailures})`,
    });
  } else if (row.lastRunOutcome === 'trades_failed') {
    findings.push({ level: 'WARNING', text: 'its latest run loaded the book but not the trades' });
  }
  const level = findings.reduce<Level>((worst, f) => (rank(f.level) > rank(worst) ? f.level : worst), 'OK');
  const recent =
    row.lastError !== null &&
    row.lastErrorAt !== null &&
    (row.lastCapturedAt === null || row.lastErrorAt >= row.lastCapturedAt);
  const error =
    recent && level !== 'OK'
      ? `; last error (${row.lastErrorStage ?? '?'} ${row.lastErrorKind ?? '?'} at ${iso(row.lastErrorAt ?? 0)}): ${oneLine(row.lastError ?? '')}`
      : '';
  return { level, line: `${level} ${name}: ${findings.map((f) => f.text).join(', ')}${error}` };
}

function rank(level: Level): number {
  return LEVELS.indexOf(level);
}

function report(verdicts: Verdict[]): HealthReport {
  // Worst first: a monitor that shows one line (Nagios) shows the one that matters.
  const sorted = [...verdicts].sort((a, b) => rank(b.level) - rank(a.level));
  const worst = sorted[0]?.level ?? 'OK';
  return { lines: sorted.map((v) => v.line), exitCode: rank(worst) as 0 | 1 | 2 };
}

function critical(line: string): HealthReport {
  return { lines: [`CRITICAL ${line}`], exitCode: 2 };
}

/**
 * The markets as the latest run left them in METRICS_FILE: last success (0: never) and failures
 * in a row. Ages are by this machine's clock; trades failures are not in the file.
 */
async function fromMetricsFile(
  file: string,
  markets: readonly Market[],
  t: Thresholds,
): Promise<HealthReport> {
  let samples: Sample[];
  try {
    samples = await readMetricsFile(file);
  } catch (error) {
    return critical(`METRICS_FILE ${file} unreadable: ${oneLine(String(error), 300)}`);
  }
  if (samples.length === 0) {
    return report(
      markets.map((m) => ({
        level: 'WARNING',
        line: `WARNING ${marketLabel(m)}: no run has written ${file} yet (read instead of the embedded warehouse)`,
      })),
    );
  }
  const now = Date.now() / 1000;
  const find = (name: string, m: Market) =>
    samples.find((s) => s.name === name && s.labels.exchange === m.venue && s.labels.market === m.symbol)
      ?.value;
  return report(
    markets.map((m) => {
      const success = find(METRIC.lastSuccess, m) ?? 0;
      const failed = find(METRIC.failedRuns, m) ?? 0;
      const row: Freshness | undefined =
        success === 0 && failed === 0
          ? undefined
          : {
              exchange: m.venue,
              market: m.symbol,
              lastCapturedAt: success === 0 ? null : success,
              ageSeconds: success === 0 ? null : now - success,
              lastRunOutcome: null,
              lastRunStatus: null,
              consecutiveFailedRuns: failed,
              failingSince: null,
              lastError: null,
              lastErrorKind: null,
              lastErrorStage: null,
              lastErrorAt: null,
            };
      const verdict = judge(m, row, t);
      return { ...verdict, line: `${verdict.line} (from ${path.basename(file)})` };
    }),
  );
}

async function open(config: Config): Promise<Warehouse | HealthReport | WarehouseBusyError> {
  if (!config.databaseUrl && !existsSync(path.join(config.dataDir, 'pglite'))) {
    return critical(
      `warehouse: no embedded warehouse in ${path.join(config.dataDir, 'pglite')}: no run has made one there (check DATA_DIR, or set DATABASE_URL)`,
    );
  }
  try {
    return await openWarehouse({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      connectAttempts: 2,
    });
  } catch (error) {
    if (error instanceof WarehouseBusyError) return error;
    // Their messages name the warehouse (password hidden) and say what happened.
    const known = error instanceof WarehouseUnavailableError || error instanceof WarehouseLoginError;
    return critical(oneLine(known ? error.message : `warehouse: ${String(error)}`, 300));
  }
}

/** Every configured market judged; never throws for a warehouse problem (that is CRITICAL). */
export async function checkHealth(config: Config, t: Thresholds): Promise<HealthReport> {
  if (!config.databaseUrl && config.metricsFile)
    return fromMetricsFile(config.metricsFile, config.markets, t);
  const opened = await open(config);
  if (opened instanceof WarehouseBusyError) {
    return critical(
      `warehouse: ${opened.message}, and METRICS_FILE is not set to read instead: set it (every run writes it), or use PostgreSQL`,
    );
  }
  if (!('db' in opened)) return opened;
  try {
    const rows = await readFreshness(opened.db);
    return report(config.markets.map((m) => judge(m, rows.get(marketLabel(m)), t)));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === '42P01';
    return critical(
      missing
        ? `warehouse ${opened.location}: orderbook.v_freshness does not exist: run npm run migrate (or a run) with the owner login first`
        : `warehouse ${opened.location}: v_freshness not readable: ${oneLine(String(error), 300)}`,
    );
  } finally {
    await opened.close();
  }
}
