/**
 * Commands → jobs. No logic lives here: each command reads the Config, builds what its job
 * needs and turns the outcome into an exit code (DESIGN §3).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { backfill, BackfillArgsError, parseBackfillArgs, type BackfillOptions } from './jobs/backfill.ts';
import { runDemo } from './jobs/demo.ts';
import { LogProgress, TerminalProgress } from './jobs/progress.ts';
import { loadReport, renderReport, renderReportJson } from './jobs/report.ts';
import { loadHtmlReport } from './jobs/report-html.ts';
import { renderHtmlReport } from './report/html.ts';
import { migratedWarehouse, openPipeline, runPipeline } from './jobs/pipeline.ts';
import { runScheduler } from './jobs/schedule.ts';
import { createLogger, type Logger } from './log.ts';
import { stopSignal } from './stop-signal.ts';
import { defaultSimMarkets, startSimulator } from './simulator/index.ts';
import { openWarehouse, WarehouseBusyError, type Warehouse } from './warehouse/db.ts';
import { Loader } from './warehouse/load.ts';

const USAGE = `usage: orderbook-etl <command>

commands:
  etl         one run now, then exit (what cron calls)
  start       the long-running scheduler: a run on every CRON_SCHEDULE tick
  backfill    rebuild warehouse rows from the raw store
              [--from ISO] [--to ISO] [--exchange X] [--market Y] [--derive-only]
  report      the latest books and best venues as tables [--json]
              [--html FILE]: depth, cost curves, size limits and optimal splits as one HTML page
  demo        simulator + one run + report, all embedded under DATA_DIR/demo (no network)
  migrate     apply database migrations and recreate the views, then exit
  simulator   start the local exchange (Coinbase + Binance REST) for offline use
              [--port 8080] [--host 127.0.0.1] [--levels 1000] [--seed 1] [--rate-limits]

exit codes: 0 ok, 1 could not start, 2 some markets failed`;

/** A run cut short by SIGTERM/SIGINT exits 128 + the signal's number (143, 130): see README. */
async function etl(config: Config, log: Logger): Promise<number> {
  const stop = stopSignal(log);
  const pipeline = await openPipeline(config, log);
  if (typeof pipeline === 'number') {
    stop.dispose();
    return pipeline;
  }
  const signal = stop.signal;
  try {
    if (signal.aborted) return stop.exitCode();
    const summary = await runPipeline(config, log, pipeline, signal);
    if (!summary) {
      log.warn('another run holds the run lock of every market: not starting');
      return 0;
    }
    return summary.marketsAbandoned > 0 ? stop.exitCode() : summary.exitCode;
  } catch (error) {
    log.fatal({ warehouse: pipeline.warehouse.location, err: String(error) }, 'run could not start');
    return 1;
  } finally {
    await pipeline.close();
    stop.dispose();
  }
}

/** Stopping is how the scheduler ends: 0 after SIGTERM/SIGINT or its parent dying. */
async function start(config: Config, log: Logger): Promise<number> {
  const stop = stopSignal(log);
  const pipeline = await openPipeline(config, log);
  if (typeof pipeline === 'number') {
    stop.dispose();
    return pipeline;
  }
  const signal = stop.signal;
  try {
    await runScheduler(
      {
        schedule: config.cronSchedule,
        log,
        run: (stop) => runPipeline(config, log, pipeline, stop),
      },
      signal,
    );
    return 0;
  } finally {
    await pipeline.close();
    stop.dispose();
  }
}

async function backfillCommand(args: string[], config: Config, log: Logger): Promise<number> {
  let options: BackfillOptions;
  try {
    options = parseBackfillArgs(args);
  } catch (error) {
    if (!(error instanceof BackfillArgsError)) throw error;
    process.stderr.write(`backfill: ${error.message}\n`);
    return 1;
  }
  const pipeline = await openPipeline(config, log);
  if (typeof pipeline === 'number') return pipeline;
  try {
    const summary = await backfill(
      {
        config,
        log,
        store: pipeline.store,
        db: pipeline.warehouse.db,
        loader: new Loader(pipeline.warehouse.db, config),
        progress: process.stderr.isTTY ? new TerminalProgress(process.stderr) : new LogProgress(log),
      },
      options,
    );
    // Invalid objects are kept evidence, not a failure; objects that could not be loaded are.
    return summary.failed.length > 0 ? 2 : 0;
  } finally {
    await pipeline.close();
  }
}

/** Reads the views only, so it also works as a read-only orderbook_reader login: no migration. */
async function report(args: string[], config: Config, log: Logger): Promise<number> {
  let json: boolean;
  let html: string | undefined;
  try {
    ({ json, html } = parseArgs({
      args,
      options: { json: { type: 'boolean', default: false }, html: { type: 'string' } },
    }).values);
    if (json && html !== undefined) throw new Error('--json and --html are alternatives: give one');
    if (html === '') throw new Error('--html needs a file name');
  } catch (error) {
    process.stderr.write(`report: ${(error as Error).message}\n${USAGE}\n`);
    return 1;
  }
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  } catch (error) {
    log.fatal(
      { err: (error as Error).message },
      error instanceof WarehouseBusyError
        ? 'the embedded warehouse is in use by another process (PGlite is single-process): stop it, or use a PostgreSQL server'
        : 'warehouse unreachable',
    );
    return 1;
  }
  try {
    if (html !== undefined) {
      const file = path.resolve(html);
      await writeFile(file, renderHtmlReport(await loadHtmlReport(warehouse.db)));
      process.stdout.write(`report written to ${file}\n`);
      return 0;
    }
    const data = await loadReport(warehouse.db);
    process.stdout.write(
      json
        ? renderReportJson(data)
        : renderReport(data, { color: process.stdout.isTTY, width: process.stdout.columns }),
    );
    return 0;
  } finally {
    await warehouse.close();
  }
}

async function migrateOnly(config: Config, log: Logger): Promise<number> {
  const warehouse = await migratedWarehouse(config, log);
  if (typeof warehouse === 'number') return warehouse;
  log.info({ warehouse: warehouse.location }, 'schema up to date');
  await warehouse.close();
  return 0;
}

async function simulator(args: string[], log: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      levels: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'rate-limits': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  const levels = Number(values.levels);
  const seed = Number(values.seed);
  if (
    ![port, levels, seed].every(Number.isInteger) ||
    port < 0 ||
    port > 65535 ||
    levels < 1 ||
    levels > 50_000
  ) {
    process.stderr.write(
      `simulator: --port 0–65535, --levels 1–50000 and --seed must be whole numbers\n${USAGE}\n`,
    );
    return 1;
  }
  const sim = await startSimulator({
    host: values.host,
    port,
    seed,
    markets: defaultSimMarkets(levels),
    enforceRateLimits: values['rate-limits'],
  });
  log.info({ url: sim.url, levels }, 'simulator listening');
  process.stdout.write(
    `simulator listening on ${sim.url}\n` +
      `point the ETL at it:  COINBASE_API_URL=${sim.url} BINANCE_API_URL=${sim.url} npm run etl\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel });
  switch (command) {
    case 'etl':
      return etl(config, log);
    case 'start':
      return start(config, log);
    case 'backfill':
      return backfillCommand(rest, config, log);
    case 'report':
      return report(rest, config, log);
    case 'demo':
      return runDemo({
        dataDir: path.join(config.dataDir, 'demo'),
        log,
        out: process.stdout,
        color: process.stdout.isTTY,
        width: process.stdout.columns,
      });
    case 'migrate':
      return migrateOnly(config, log);
    case 'simulator':
      return simulator(rest, log);
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `orderbook-etl: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
