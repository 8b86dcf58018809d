/**
 * What each command accepts and reads: its options (all parsed by args.ts), the settings shown
 * in its `--help`, and its exit codes. A command's new flag is one more entry here.
 */
import { VENUES } from '../venues/codes.ts';
import type { CommandSpec } from './args.ts';

const WAREHOUSE = ['DATABASE_URL', 'DATA_DIR'];
const STORE = ['RAW_STORE_URL', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'AWS_REGION'];
const FETCH = [
  'MARKETS',
  'COINBASE_API_URL',
  'BINANCE_API_URL',
  'BINANCE_DEPTH_LIMIT',
  'KRAKEN_API_URL',
  'OKX_API_URL',
  'BYBIT_API_URL',
  'HTTP_TIMEOUT_MS',
  'HTTP_RETRIES',
  'HTTP_BACKOFF_MS',
  'HTTP_MAX_BYTES',
];
const DERIVE = [
  'NOTIONALS_USD',
  'DEPTH_BANDS_BPS',
  'TAKER_FEE_BPS',
  'USD_STABLECOINS',
  'LEVELS_WITHIN_BPS',
  'SLIPPAGE_BPS_THRESHOLDS',
  'COST_CURVE_USD',
];
/** What the migration's views are built with (migrate.ts ViewSettings). */
const VIEWS = ['NOTIONALS_USD', 'COST_CURVE_USD', 'SLIPPAGE_BPS_THRESHOLDS', 'FORECAST_WINDOW'];

/** What a run (etl, and each tick of start) reads. */
const RUN_SETTINGS = [
  ...WAREHOUSE,
  ...STORE,
  ...FETCH,
  'CONCURRENCY',
  ...DERIVE,
  'FORECAST_WINDOW',
  'LEVEL_RETENTION_DAYS',
  'METRICS_FILE',
  'LOG_LEVEL',
];

const RUN_EXIT = [
  'exit codes: 0 every market loaded (or another run holds the lock: nothing done)',
  '            1 could not start (bad setting or argument, raw store or warehouse unusable, migration failed)',
  '            2 it ran, but some markets failed (each in orderbook.etl_error)',
  '            143 / 130 stopped by SIGTERM / SIGINT with markets abandoned (the run is recorded interrupted)',
  'markets another run holds are skipped and logged, not failed',
];

export const COMMANDS: Record<string, CommandSpec> = {
  etl: {
    name: 'etl',
    summary: 'One run now, then exit (what cron calls): fetch every market, keep it raw, load the warehouse.',
    options: {},
    settings: RUN_SETTINGS,
    notes: RUN_EXIT,
  },
  start: {
    name: 'start',
    summary: 'The long-running scheduler: one run on every CRON_SCHEDULE tick (UTC) until SIGTERM/SIGINT.',
    options: {},
    settings: ['CRON_SCHEDULE', ...RUN_SETTINGS],
    notes: [
      'exit codes: 0 stopped by SIGTERM/SIGINT',
      '            1 could not start',
      '            143 / 130 a second SIGTERM / SIGINT while markets were still finishing',
    ],
  },
  backfill: {
    name: 'backfill',
    summary:
      'Rebuild warehouse rows from the raw store: load what is missing, then recompute the derived rows.',
    options: {
      from: {
        type: 'string',
        value: 'ISO',
        help: 'first time to load, inclusive (2026-11-21 or 2026-11-21T13:00Z)',
      },
      to: { type: 'string', value: 'ISO', help: 'end of the range, exclusive' },
      exchange: { type: 'string', value: 'VENUE', help: `only this venue (${VENUES.join(', ')})` },
      market: { type: 'string', value: 'SYMBOL', help: 'only this native symbol (BTC-USD, BTCUSDT)' },
      'derive-only': { type: 'boolean', help: 'skip the raw store: only recompute the derived rows' },
    },
    settings: [
      ...WAREHOUSE,
      ...STORE,
      ...DERIVE,
      'FORECAST_WINDOW',
      'LEVEL_RETENTION_DAYS',
      'CONCURRENCY',
      'HTTP_RETRIES',
      'LOG_LEVEL',
    ],
    notes: [
      'exit codes: 0 done (also when a --from/--to range holds nothing: a warning says so)',
      '            1 could not start (bad setting or argument, raw store or warehouse unusable),',
      '              or --exchange/--market names nothing the raw store holds (a warning lists what it holds)',
      '            2 some raw objects could not be loaded or derived (run it again once fixed)',
    ],
  },
  report: {
    name: 'report',
    summary:
      'The latest books and the best venues, read from the views (works as an orderbook_reader login).',
    options: {
      json: { type: 'boolean', help: 'the same as JSON on stdout, every number a decimal string' },
      html: {
        type: 'string',
        value: 'FILE',
        help: 'write depth, cost curves, size limits and splits as one HTML page',
      },
    },
    // The HTML page states what is stored; the warehouse does not record these three.
    settings: [...WAREHOUSE, 'LEVELS_WITHIN_BPS', 'LEVEL_RETENTION_DAYS', 'BINANCE_DEPTH_LIMIT', 'LOG_LEVEL'],
    notes: [
      'exit codes: 0 printed or written',
      '            1 bad argument, or the warehouse could not be read',
    ],
  },
  migrate: {
    name: 'migrate',
    summary: 'Apply database migrations and bring the views up to date, then exit.',
    options: {
      'rebuild-views': {
        type: 'boolean',
        help: "also drop and recreate others' views that depend on a view whose columns changed (saved first: definition, owner, grants, comments)",
      },
    },
    settings: [...WAREHOUSE, ...VIEWS, 'CONCURRENCY', 'LOG_LEVEL'],
    notes: [
      'exit codes: 0 schema up to date (or the embedded warehouse is held by a run: nothing done)',
      '            1 warehouse unusable, login read-only, or a migration failed',
    ],
  },
  health: {
    name: 'health',
    summary:
      "Is each market's data current? One line per market of MARKETS, worst first, read from v_freshness (works as an orderbook_reader login).",
    options: {
      'max-age': {
        type: 'string',
        value: 'DURATION',
        default: '2h',
        help: 'newest data older than this is a warning, older than twice this critical (90m, 2h, 1h30m, 1d)',
      },
      'max-failures': {
        type: 'string',
        value: 'N',
        default: '3',
        help: "runs in a row failing a market's book that make it critical (fewer: a warning)",
      },
    },
    settings: [...WAREHOUSE, 'MARKETS', 'METRICS_FILE', 'LOG_LEVEL'],
    notes: [
      'exit codes: 0 OK: every market loaded by its latest run, newest data within --max-age',
      '            1 WARNING: a market past --max-age, failed by its latest run(s), its trades failed, or not',
      '              tried by any run yet; also a bad argument or setting (the message on stderr says so)',
      '            2 CRITICAL: a market past 2 × --max-age, failed --max-failures runs in a row or never loaded;',
      '              or the warehouse unreachable, refusing the login, or without v_freshness',
      'embedded PGlite (no DATABASE_URL) and METRICS_FILE set: that file is read, the warehouse never opened',
      'Docker HEALTHCHECK and Kubernetes probes: exit 2 is Docker-reserved; the image maps critical to 1, see docs/monitoring.md',
    ],
  },
  simulator: {
    name: 'simulator',
    summary: 'Start the local exchange (Coinbase + Binance REST) for offline use, until SIGTERM/SIGINT.',
    options: {
      port: { type: 'string', value: 'PORT', default: '8080', help: 'TCP port, 0 for any free one' },
      host: { type: 'string', value: 'HOST', default: '127.0.0.1', help: 'address to listen on' },
      levels: {
        type: 'string',
        value: 'N',
        help: 'levels per side of each book (1-50000); without it as many as the venue holds: Coinbase BTC-USD 22000, ETH-USD 12000, Binance 5000',
      },
      seed: { type: 'string', value: 'N', default: '1', help: 'random seed of the books and trades' },
      'rate-limits': {
        type: 'boolean',
        help: 'answer 429/418 like the venues when their limits are exceeded',
      },
    },
    settings: ['LOG_LEVEL'],
    notes: [
      'exit codes: 0 stopped by SIGTERM/SIGINT',
      '            1 bad argument, or the port could not be opened',
    ],
  },
  lake: {
    name: 'lake',
    summary: 'The lake for distributed engines: `lake export` writes Parquet, `lake ddl` prints engine DDL.',
    options: {},
    settings: [...STORE, 'LAKE_URL', 'DATA_DIR', 'LOG_LEVEL'],
    notes: [
      'subcommands: lake export [--from ISO] [--to ISO] [--exchange X] [--market Y] [--to-url URL]',
      '             lake ddl --engine athena|trino|spark|duckdb [--format json|parquet]',
      '             (lake <subcommand> --help for each)',
      'exit codes: 0 done, 1 could not start or bad argument, 2 (export) some raw objects not exported',
    ],
  },
  demo: {
    name: 'demo',
    summary:
      'Simulator + one run + report, all embedded under DATA_DIR/demo: no network, no database, and no other setting used.',
    options: {},
    settings: ['DATA_DIR', 'LOG_LEVEL'],
    notes: ['exit codes: 0 every market loaded, 1 could not start, 2 some markets failed'],
  },
};

const FILTER = {
  from: {
    type: 'string',
    value: 'ISO',
    help: 'first received_at to export, inclusive (2026-11-21 or 2026-11-21T13:00Z)',
  },
  to: { type: 'string', value: 'ISO', help: 'end of the range, exclusive' },
  exchange: { type: 'string', value: 'VENUE', help: `only this venue (${VENUES.join(', ')})` },
  market: { type: 'string', value: 'SYMBOL', help: 'only this native symbol (BTC-USD, BTCUSDT)' },
} as const;

/** `lake export` and `lake ddl`: `lake <subcommand> [options]`, each parsed by its own spec. */
export const LAKE_COMMANDS: Record<'export' | 'ddl', CommandSpec> = {
  export: {
    name: 'lake export',
    summary:
      "Write the raw store's books and trades as Parquet tables (levels, top, trades) to the lake; only what is not there yet.",
    options: {
      ...FILTER,
      'to-url': {
        type: 'string',
        value: 'URL',
        help: 'write here instead of LAKE_URL (s3://bucket/prefix or file://folder)',
      },
    },
    settings: [...STORE, 'LAKE_URL', 'DATA_DIR', 'CONCURRENCY', 'HTTP_RETRIES', 'LOG_LEVEL'],
    notes: [
      'exit codes: 0 done (also when everything was exported already)',
      '            1 could not start (bad setting or argument, raw store or lake unusable),',
      '              or --exchange/--market names nothing the raw store holds',
      '            2 some raw objects were not exported: unreadable (run it again), or refused because',
      '              a value does not fit its DECIMAL column (listed in the log and the manifest)',
    ],
  },
  ddl: {
    name: 'lake ddl',
    summary:
      'Print the statements that make the raw JSON lake and the Parquet tables queryable in Athena, Trino, Spark or DuckDB.',
    options: {
      engine: { type: 'string', value: 'ENGINE', help: 'athena, trino, spark or duckdb' },
      format: {
        type: 'string',
        value: 'FORMAT',
        help: 'json (the raw lake) or parquet (the lake) only; default both',
      },
    },
    settings: ['RAW_STORE_URL', 'LAKE_URL', 'MARKETS', 'DATA_DIR', 'LOG_LEVEL'],
    notes: ['exit codes: 0 printed', '            1 bad argument or setting (Athena needs s3:// locations)'],
  },
};

export const USAGE = `usage: orderbook-etl <command> [options]     (orderbook-etl <command> --help for each)

commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.name.padEnd(10)}  ${c.summary}`)
  .join('\n')}
`;
