/**
 * The one place settings are read. Every variable of DESIGN §3 is parsed here once, validated
 * with zod and handed down as a typed Config; nothing else in src/ touches process.env.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import cron from 'node-cron';
import { z } from 'zod';
import { SYMBOL_PATTERN, VENUES, isVenue, type Market, type Venue } from './markets.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface S3Settings {
  endpoint: string | undefined;
  forcePathStyle: boolean;
  region: string | undefined;
}

export interface Config {
  databaseUrl: string | undefined;
  rawStoreUrl: string;
  /** LAKE_URL: where `lake export` writes the Parquet tables (a folder or S3, like the raw store). */
  lakeUrl: string;
  s3: S3Settings;
  dataDir: string;
  markets: Market[];
  apiUrl: Record<Venue, string>;
  binanceDepthLimit: number;
  /** Order sizes in USD, as exact decimal strings. */
  notionalsUsd: string[];
  depthBandsBps: number[];
  /** Taker fee per venue in basis points, as exact decimal strings. */
  takerFeeBps: Record<Venue, string>;
  usdStablecoins: string[];
  /** Levels further than this from mid are not stored in fact_level; null keeps all. */
  levelsWithinBps: number | null;
  slippageBpsThresholds: string[];
  costCurveUsd: string[];
  forecastWindow: number;
  /** LEVEL_RETENTION_DAYS: days of fact_level kept (whole daily partitions); null keeps all. */
  levelRetentionDays: number | null;
  /** LEVEL_COMPACT_AFTER_DAYS: a day of fact_level this long over is rewritten compact; null never. */
  levelCompactAfterDays: number | null;
  cronSchedule: string;
  httpTimeoutMs: number;
  httpRetries: number;
  httpMaxBytes: number;
  /** First retry delay; later ones double (with jitter). */
  httpBackoffMs: number;
  concurrency: number;
  logLevel: LogLevel;
  /** METRICS_FILE: where each run writes its Prometheus textfile-collector metrics; unset: none. */
  metricsFile: string | undefined;
}

/** A setting that cannot be used, named with its value and what would be accepted. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
const POSITIVE_DECIMAL = (s: string) => DECIMAL.test(s) && /[1-9]/.test(s);

/** FORECAST_WINDOW's default, also what derive uses when a caller's settings leave it out. */
export const DEFAULT_FORECAST_WINDOW = 12;

const positiveInt = (max: number) =>
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(max));

const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((part) => part.trim()))
    .pipe(z.array(item).min(1));

const positiveDecimal = z.string().refine(POSITIVE_DECIMAL);

/** A raw store or lake location: `s3://bucket[/prefix]` or `file://folder`. */
const storeUrl = z
  .string()
  .refine((s) => /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(s) || /^file:\/\/./.test(s));

const unique = <T extends number | string>(values: T[]): T[] => [...new Set(values)];

const httpUrl = z
  .string()
  .transform((s) => s.replace(/\/+$/, ''))
  .refine((s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    } catch {
      return false;
    }
  });

const unknownVenue = (entry: string, venue: string) =>
  `entry "${entry}": unknown venue "${venue}" (known venues: ${VENUES.join(', ')})`;

/** `venue:SYMBOL`, the symbol checked against its venue's strict pattern before it can reach a URL or key. */
const marketEntry = z.string().transform((entry, ctx): Market => {
  const [venue, symbol, ...rest] = entry.split(':');
  if (venue === undefined || symbol === undefined || rest.length > 0) {
    ctx.addIssue({ code: 'custom', message: `entry "${entry}" is not venue:SYMBOL` });
    return z.NEVER;
  }
  if (!isVenue(venue)) {
    ctx.addIssue({ code: 'custom', message: unknownVenue(entry, venue) });
    return z.NEVER;
  }
  if (!SYMBOL_PATTERN[venue].test(symbol)) {
    ctx.addIssue({
      code: 'custom',
      message: `entry "${entry}": ${venue} symbol must match ${SYMBOL_PATTERN[venue].source}`,
    });
    return z.NEVER;
  }
  return { venue, symbol };
});

/**
 * Every venue's fee when TAKER_FEE_BPS does not name it (the venues' public base taker rates).
 * TAKER_FEE_BPS must name every venue in MARKETS (a fill is priced with it); a venue outside
 * MARKETS may be left out and takes this, so a value written before a venue was added stays valid.
 */
export const DEFAULT_TAKER_FEE_BPS: Record<Venue, string> = {
  coinbase: '60',
  binance: '10',
  kraken: '40',
  okx: '10',
  bybit: '10',
};

const venueDecimalMap = z.string().transform((s, ctx): Partial<Record<Venue, string>> => {
  const out: Partial<Record<Venue, string>> = {};
  for (const entry of s.split(',').map((e) => e.trim())) {
    const [venue, value, ...rest] = entry.split(':');
    if (venue === undefined || value === undefined || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" is not venue:BPS` });
      return z.NEVER;
    }
    if (!isVenue(venue)) {
      ctx.addIssue({ code: 'custom', message: unknownVenue(entry, venue) });
      return z.NEVER;
    }
    if (!DECIMAL.test(value)) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}": fee must be a decimal number of bps` });
      return z.NEVER;
    }
    out[venue] = value;
  }
  return out;
});

const CRON_FIELD_RANGE: Record<string, string> = {
  second: 'second field: allowed 0-59',
  minute: 'minute field: allowed 0-59',
  hour: 'hour field: allowed 0-23',
  dayOfMonth: 'day-of-month field: allowed 1-31, L, nW',
  month: 'month field: allowed 1-12 or jan-dec',
  dayOfWeek: 'day-of-week field: allowed 0-7 (0 and 7 are Sunday) or sun-sat',
};

/** node-cron's own check (five fields, or six with seconds first), its first complaint named by field and range. */
const cronExpression = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const result = cron.validateDetailed(s);
    if (result.valid && cron.validate(s)) return s;
    const first = result.errors[0];
    const range = first ? CRON_FIELD_RANGE[first.field] : undefined;
    const message =
      first === undefined
        ? `"${s}" is not accepted by node-cron`
        : range === undefined
          ? first.message
          : /impossible/.test(first.message)
            ? `${first.message} (${range})`
            : `${JSON.stringify(first.value)} is out of range for the ${range}`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

interface Setting<T> {
  schema: z.ZodType<T, string>;
  allowed: string;
  fallback: string;
  secret?: boolean;
}

const setting = <T>(
  schema: z.ZodType<T, string>,
  fallback: string,
  allowed: string,
  secret = false,
): Setting<T> => ({
  schema,
  fallback,
  allowed,
  secret,
});

function definitions(dataDir: string) {
  return {
    DATABASE_URL: setting(
      z.string().refine((s) => /^postgres(ql)?:\/\//.test(s)),
      '',
      'a postgres:// or postgresql:// connection string, or unset for embedded PGlite',
      true,
    ),
    RAW_STORE_URL: setting(
      storeUrl,
      `file://${path.join(dataDir, 'raw')}`,
      's3://bucket/prefix or file://folder',
    ),
    LAKE_URL: setting(
      storeUrl,
      `file://${path.join(dataDir, 'lake')}`,
      's3://bucket/prefix or file://folder',
    ),
    S3_ENDPOINT: setting(httpUrl, '', 'an http(s) URL without credentials, or unset for AWS'),
    S3_FORCE_PATH_STYLE: setting(
      z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1'),
      'false',
      'true or false',
    ),
    AWS_REGION: setting(z.string().regex(/^[a-z0-9-]+$/), '', 'an AWS region name like us-east-1'),
    MARKETS: setting(
      list(marketEntry),
      'coinbase:BTC-USD,coinbase:ETH-USD,binance:BTCUSDT,binance:ETHUSDT',
      `a comma-separated list of venue:SYMBOL (venue ${VENUES.join(' or ')}), e.g. coinbase:BTC-USD,binance:BTCUSDT`,
    ),
    COINBASE_API_URL: setting(httpUrl, 'https://api.exchange.coinbase.com', 'an http(s) URL'),
    BINANCE_API_URL: setting(httpUrl, 'https://data-api.binance.vision', 'an http(s) URL'),
    BINANCE_DEPTH_LIMIT: setting(positiveInt(5000), '5000', 'a whole number from 1 to 5000'),
    KRAKEN_API_URL: setting(httpUrl, 'https://api.kraken.com', 'an http(s) URL'),
    OKX_API_URL: setting(httpUrl, 'https://www.okx.com', 'an http(s) URL'),
    BYBIT_API_URL: setting(httpUrl, 'https://api.bybit.com', 'an http(s) URL'),
    NOTIONALS_USD: setting(
      list(positiveDecimal),
      '50000,100000',
      'a comma-separated list of positive USD amounts',
    ),
    DEPTH_BANDS_BPS: setting(
      list(positiveInt(10000)),
      '10,50,100,200,500,1000',
      'a comma-separated list of whole numbers of bps from 1 to 10000',
    ),
    TAKER_FEE_BPS: setting(
      venueDecimalMap,
      VENUES.map((v) => `${v}:${DEFAULT_TAKER_FEE_BPS[v]}`).join(','),
      'venue:bps for every venue in MARKETS, e.g. coinbase:60,binance:10',
    ),
    USD_STABLECOINS: setting(
      list(z.string().regex(/^[A-Z0-9]{2,12}$/)),
      'USDT,USDC,FDUSD',
      'a comma-separated list of asset codes in capitals',
    ),
    LEVELS_WITHIN_BPS: setting(
      z.union([z.literal('all').transform(() => null), positiveInt(1_000_000)]),
      '1000',
      'a whole number of bps from 1, or "all"',
    ),
    SLIPPAGE_BPS_THRESHOLDS: setting(
      list(positiveDecimal),
      '5,10,25,50,100',
      'a comma-separated list of positive bps values',
    ),
    COST_CURVE_USD: setting(
      list(positiveDecimal),
      '1000,5000,10000,25000,50000,100000,250000,500000,1000000',
      'a comma-separated list of positive USD amounts',
    ),
    FORECAST_WINDOW: setting(
      positiveInt(10000).pipe(z.number().min(2)),
      String(DEFAULT_FORECAST_WINDOW),
      'a whole number from 2 to 10000',
    ),
    LEVEL_RETENTION_DAYS: setting(
      z.union([z.literal('all').transform(() => null), positiveInt(100_000)]),
      '30',
      'a whole number of days from 1, or "all"',
    ),
    LEVEL_COMPACT_AFTER_DAYS: setting(
      z.union([z.literal('never').transform(() => null), positiveInt(100_000)]),
      '1',
      'a whole number of days from 1, or "never"',
    ),
    CRON_SCHEDULE: setting(
      cronExpression,
      '0 * * * *',
      'a cron expression of 5 or 6 fields, e.g. "0 * * * *"',
    ),
    HTTP_TIMEOUT_MS: setting(positiveInt(600_000), '10000', 'milliseconds, a whole number from 1 to 600000'),
    HTTP_RETRIES: setting(
      z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(20)),
      '5',
      'a whole number from 0 to 20',
    ),
    HTTP_MAX_BYTES: setting(
      positiveInt(1024 * 1024 * 1024),
      String(64 * 1024 * 1024),
      'bytes, a whole number from 1 to 1073741824',
    ),
    HTTP_BACKOFF_MS: setting(positiveInt(60_000), '500', 'milliseconds, a whole number from 1 to 60000'),
    CONCURRENCY: setting(positiveInt(64), '4', 'a whole number from 1 to 64'),
    LOG_LEVEL: setting(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      'info',
      'one of fatal, error, warn, info, debug, trace, silent',
    ),
    METRICS_FILE: setting(
      // node_exporter's textfile collector reads only *.prom files of its folder.
      z
        .string()
        .refine((s) => s.endsWith('.prom') && path.basename(s) !== '.prom' && !s.includes('\0'))
        .transform((s) => path.resolve(s)),
      '',
      'a file path ending in .prom (what a textfile collector reads), or unset for no metrics file',
    ),
  } as const;
}

type Definitions = ReturnType<typeof definitions>;
type Parsed = { [K in keyof Definitions]: Definitions[K] extends Setting<infer T> ? T : never };

/** What each setting is for, in one line: `--help` and .env.example show it. */
const MEANINGS: Record<keyof Definitions | 'DATA_DIR', string> = {
  DATA_DIR: 'where the embedded defaults live: the PGlite warehouse (DATA_DIR/pglite) and the raw folder',
  DATABASE_URL: 'PostgreSQL warehouse; unset: embedded PGlite in DATA_DIR/pglite',
  RAW_STORE_URL: 'where every response is kept byte-for-byte: an S3 location or a folder',
  LAKE_URL: 'where npm run lake -- export writes the Parquet tables: an S3 location or a folder',
  S3_ENDPOINT: 'endpoint of an S3-compatible store (MinIO…); unset: AWS',
  S3_FORCE_PATH_STYLE: 'path-style bucket URLs, as MinIO and most S3-compatible stores need',
  AWS_REGION: 'region of the S3 bucket; unset: the AWS default chain',
  MARKETS: 'the markets each run fetches, by venue and native symbol',
  COINBASE_API_URL: 'Coinbase Exchange REST base URL (tests and the demo point it at the simulator)',
  BINANCE_API_URL: 'Binance market-data host (api.binance.com answers 451 to US IPs)',
  BINANCE_DEPTH_LIMIT: 'levels per side asked of Binance (weight 250 of 6000/min above 1000)',
  KRAKEN_API_URL: 'Kraken Spot REST base URL (markets kraken:XBTUSD; 500 levels a side)',
  OKX_API_URL: 'OKX REST base URL (markets okx:BTC-USDT; some regions are refused)',
  BYBIT_API_URL: 'Bybit v5 REST base URL (markets bybit:BTCUSDT; some regions are refused)',
  NOTIONALS_USD: 'order sizes priced in fact_fill and compared in v_best_venue',
  DEPTH_BANDS_BPS: 'bands of fact_depth, in bps from mid',
  TAKER_FEE_BPS: 'taker fee per venue, applied to every fill',
  USD_STABLECOINS: 'quotes counted 1:1 as USD when venues are compared',
  LEVELS_WITHIN_BPS: 'levels stored in fact_level within this distance of mid; raw keeps everything',
  SLIPPAGE_BPS_THRESHOLDS: 'thresholds of v_max_size (the largest order within each slippage)',
  COST_CURVE_USD: 'sizes priced in v_cost_curve and split in v_optimal_split',
  FORECAST_WINDOW: 'trailing snapshots in the mid-price regression and v_spread_rolling',
  LEVEL_RETENTION_DAYS: 'days of level detail kept in the warehouse; derived facts and raw are kept forever',
  LEVEL_COMPACT_AFTER_DAYS:
    'days after its end a day of levels is kept as rows, then as compact arrays (same values)',
  CRON_SCHEDULE: 'when npm start runs (UTC)',
  HTTP_TIMEOUT_MS: 'per attempt, the whole response included',
  HTTP_RETRIES: 'retries after the first attempt (exponential backoff with jitter)',
  HTTP_MAX_BYTES: 'a larger response is refused (a full Coinbase book is ~2 MB)',
  HTTP_BACKOFF_MS: 'first retry delay; each next one doubles, at most 30 s',
  CONCURRENCY: 'markets fetched at once (rate limits still apply per venue)',
  LOG_LEVEL: 'pino level: JSON lines on stderr, pretty on a terminal',
  METRICS_FILE: 'each run writes Prometheus textfile-collector metrics there (atomically); unset: none',
};

export interface SettingDescription {
  fallback: string;
  allowed: string;
  meaning: string;
}

/** Every setting with its default, what it accepts and what it is for: `--help`, .env.example. */
export function describeSettings(): Record<string, SettingDescription> {
  const out: Record<string, SettingDescription> = {
    DATA_DIR: { fallback: './data', allowed: 'a folder path', meaning: MEANINGS.DATA_DIR },
  };
  for (const [name, def] of Object.entries(definitions('DATA_DIR')) as [
    keyof Definitions,
    Setting<unknown>,
  ][])
    out[name] = { fallback: def.fallback, allowed: def.allowed, meaning: MEANINGS[name] };
  return out;
}

/** Hides the password of a connection string so it can be quoted in an error or a log. */
export function redactSecretUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme}${user}${userinfo.includes(':') ? ':***' : ''}@`;
  });
}

/**
 * Reads `.env` (if present) under the real environment, which wins, and returns the merged
 * variables. Only loadConfig uses it; tests pass their own record instead.
 */
export function readEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  const file = path.join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

/**
 * Whether npm started this process (`npm start`, `npm run etl`): npm sets npm_lifecycle_event for
 * its scripts. Not a setting; it decides whether losing the parent process means "stop"
 * (stop-signal.ts).
 */
export function launchedByNpm(env: Record<string, string | undefined> = process.env): boolean {
  return env.npm_lifecycle_event !== undefined;
}

export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const problems: string[] = [];
  const dataDirRaw = env.DATA_DIR?.trim() || './data';
  if (dataDirRaw.includes('\0'))
    problems.push(`DATA_DIR=${JSON.stringify(dataDirRaw)} is invalid: expected a folder path`);
  const dataDir = path.resolve(dataDirRaw);
  const defs = definitions(dataDir);

  const parsed: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs) as [keyof Definitions, Setting<unknown>][]) {
    const given = env[name];
    const raw = given === undefined || given.trim() === '' ? def.fallback : given.trim();
    if (raw === '' && def.fallback === '') {
      parsed[name] = undefined;
      continue;
    }
    const result = def.schema.safeParse(raw);
    if (result.success) {
      parsed[name] = result.data;
    } else {
      const shown = def.secret ? redactSecretUrl(raw) : raw;
      const detail = result.error.issues
        .filter((i) => i.code === 'custom' && !i.message.startsWith('Invalid'))
        .map((i) => i.message)
        .join('; ');
      problems.push(
        `${name}=${JSON.stringify(shown)} is invalid${detail ? ` (${detail})` : ''}: expected ${def.allowed}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const p = parsed as Parsed;
  const unpriced = VENUES.filter(
    (v) => p.TAKER_FEE_BPS[v] === undefined && p.MARKETS.some((m) => m.venue === v),
  );
  if (unpriced.length > 0) {
    const given = env.TAKER_FEE_BPS?.trim() || defs.TAKER_FEE_BPS.fallback;
    throw new ConfigError([
      `TAKER_FEE_BPS=${JSON.stringify(given)} is invalid (no fee given for ${unpriced.join(', ')}): expected ${defs.TAKER_FEE_BPS.allowed}`,
    ]);
  }

  const markets = dedupeMarkets(p.MARKETS);
  return {
    databaseUrl: p.DATABASE_URL,
    rawStoreUrl: p.RAW_STORE_URL,
    lakeUrl: p.LAKE_URL,
    s3: { endpoint: p.S3_ENDPOINT, forcePathStyle: p.S3_FORCE_PATH_STYLE, region: p.AWS_REGION },
    dataDir,
    markets,
    apiUrl: {
      coinbase: p.COINBASE_API_URL,
      binance: p.BINANCE_API_URL,
      kraken: p.KRAKEN_API_URL,
      okx: p.OKX_API_URL,
      bybit: p.BYBIT_API_URL,
    },
    binanceDepthLimit: p.BINANCE_DEPTH_LIMIT,
    notionalsUsd: unique(p.NOTIONALS_USD),
    depthBandsBps: unique(p.DEPTH_BANDS_BPS).sort((a, b) => a - b),
    takerFeeBps: { ...DEFAULT_TAKER_FEE_BPS, ...p.TAKER_FEE_BPS },
    usdStablecoins: unique(p.USD_STABLECOINS),
    levelsWithinBps: p.LEVELS_WITHIN_BPS,
    slippageBpsThresholds: unique(p.SLIPPAGE_BPS_THRESHOLDS),
    costCurveUsd: unique(p.COST_CURVE_USD),
    forecastWindow: p.FORECAST_WINDOW,
    levelRetentionDays: p.LEVEL_RETENTION_DAYS,
    levelCompactAfterDays: p.LEVEL_COMPACT_AFTER_DAYS,
    cronSchedule: p.CRON_SCHEDULE,
    httpTimeoutMs: p.HTTP_TIMEOUT_MS,
    httpRetries: p.HTTP_RETRIES,
    httpMaxBytes: p.HTTP_MAX_BYTES,
    httpBackoffMs: p.HTTP_BACKOFF_MS,
    concurrency: p.CONCURRENCY,
    logLevel: p.LOG_LEVEL,
    metricsFile: p.METRICS_FILE,
  };
}

function dedupeMarkets(markets: Market[]): Market[] {
  const seen = new Set<string>();
  return markets.filter((m) => {
    const id = `${m.venue}:${m.symbol}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
