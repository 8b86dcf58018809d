/**
 * Commands → jobs. No logic lives here: each command's arguments go through the one parser
 * (args.ts, specs in commands.ts) before anything is done, then it reads the Config, builds
 * what its job needs and turns the outcome into an exit code (DESIGN §2).
 */
import path from 'node:path';
import { ConfigError, describeSettings, launchedByNpm, loadConfig, type Config } from '../config.ts';
import { BackfillArgsError, backfillOptions, type BackfillOptions } from '../jobs/backfill.ts';
import { filterMatchesLake, warnIfRangeEmpty, type FilterArgs } from '../jobs/backfill-filter.ts';
import { runDemo } from './demo.ts';
import { checkHealth, HealthArgsError, thresholdsFrom, type Thresholds } from '../jobs/health.ts';
import { LogProgress, TerminalProgress } from '../jobs/progress.ts';
import { reportText, writeHtmlReport } from '../jobs/report.ts';
import { backfillPipeline, openMigratedWarehouse, runPipeline, type Pipeline } from '../jobs/pipeline.ts';
import { runScheduler } from '../jobs/schedule.ts';
import { createLogger, type Logger } from '../log.ts';
import { stopSignal, type Stop } from '../stop-signal.ts';
import { allSimMarkets, startSimulator } from '../simulator/index.ts';
import {
  openWarehouse,
  type Warehouse,
  WarehouseBusyError,
  WarehouseLoginError,
} from '../warehouse/index.ts';
import { ArgsError, helpText, parseCommandArgs, type ParsedValues } from './args.ts';
import { COMMANDS, LAKE_COMMANDS, USAGE } from './commands.ts';
import { pipelineOrExit, startupExitCode } from './startup.ts';

/**
 * The stop signal, then the pipeline; `fn` with both; both undone after. The signal is watched
 * first so a SIGTERM while the warehouse opens is not lost.
 */
async function withPipeline(
  config: Config,
  log: Logger,
  fn: (pipeline: Pipeline, stop: Stop) => Promise<number>,
): Promise<number> {
  const stop = stopSignal(log, { followParent: launchedByNpm() });
  try {
    const pipeline = await pipelineOrExit(config, log, stop);
    if (typeof pipeline === 'number') return pipeline;
    try {
      return await fn(pipeline, stop);
    } finally {
      await pipeline.close();
    }
  } finally {
    stop.dispose();
  }
}

/** A run cut short by SIGTERM/SIGINT exits 128 + the signal's number (143, 130): see docs/operators.md. */
function etl(config: Config, log: Logger): Promise<number> {
  return withPipeline(config, log, async (pipeline, stop) => {
    try {
      if (stop.signal.aborted) return stop.exitCode();
      const summary = await runPipeline(config, log, pipeline, stop.signal);
      if (!summary) {
        log.warn('another run holds the run lock of every market: not starting');
        return 0;
      }
      return summary.marketsAbandoned > 0 ? stop.exitCode() : summary.exitCode;
    } catch (error) {
      log.fatal({ warehouse: pipeline.warehouse.location, err: error }, 'run could not start');
      return 1;
    }
  });
}

/** Stopping is how the scheduler ends: 0 after SIGTERM/SIGINT or its parent dying. */
function start(config: Config, log: Logger): Promise<number> {
  return withPipeline(config, log, async (pipeline, stop) => {
    await runScheduler(
      {
        schedule: config.cronSchedule,
        log,
        run: (signal) => runPipeline(config, log, pipeline, signal, 'scheduled'),
      },
      stop.signal,
    );
    return 0;
  });
}

async function backfillCommand(values: ParsedValues, config: Config, log: Logger): Promise<number> {
  let options: BackfillOptions;
  try {
    options = backfillOptions(values);
  } catch (error) {
    if (!(error instanceof BackfillArgsError)) throw error;
    process.stderr.write(`backfill: ${error.message}\n`);
    return 1;
  }
  const pipeline = await pipelineOrExit(config, log);
  if (typeof pipeline === 'number') return pipeline;
  try {
    const filter = pickFilter(values);
    if (!(await filterMatchesLake(pipeline.store, options, filter, log))) return 1;
    const summary = await backfillPipeline(
      config,
      log,
      pipeline,
      options,
      process.stderr.isTTY ? new TerminalProgress(process.stderr) : new LogProgress(log),
    );
    await warnIfRangeEmpty(pipeline.store, options, filter, summary, log);
    // Invalid objects are kept evidence, not a failure; objects that could not be loaded are.
    return summary.failed.length > 0 ? 2 : 0;
  } finally {
    await pipeline.close();
  }
}

function pickFilter(values: ParsedValues): FilterArgs {
  const filter: FilterArgs = {};
  for (const name of ['exchange', 'market', 'from', 'to'] as const) {
    const value = values[name];
    if (typeof value === 'string') filter[name] = value;
  }
  return filter;
}

/** Reads the views only, so it also works as a read-only orderbook_reader login: no migration. */
async function report(values: ParsedValues, config: Config, log: Logger): Promise<number> {
  const json = values.json === true;
  const html = typeof values.html === 'string' ? values.html : undefined;
  if (json && html !== undefined) {
    process.stderr.write('report: --json and --html are alternatives: give one\n');
    return 1;
  }
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log });
  } catch (error) {
    log.fatal(
      { err: error },
      error instanceof WarehouseBusyError
        ? 'the embedded warehouse is in use by another process (PGlite is single-process): stop it, or use a PostgreSQL server'
        : error instanceof WarehouseLoginError
          ? 'warehouse refused the login (check the user, password and database in DATABASE_URL)'
          : 'warehouse unreachable',
    );
    return 1;
  }
  try {
    if (html !== undefined) {
      const file = path.resolve(html);
      await writeHtmlReport(warehouse.db, config, file);
      process.stdout.write(`report written to ${file}\n`);
      return 0;
    }
    process.stdout.write(
      await reportText(warehouse.db, { json, color: process.stdout.isTTY, width: process.stdout.columns }),
    );
    return 0;
  } finally {
    await warehouse.close();
  }
}

/** Reads v_freshness only (no migration, nothing made): a read-only orderbook_reader login can run it. */
async function health(values: ParsedValues, config: Config): Promise<number> {
  let thresholds: Thresholds;
  try {
    thresholds = thresholdsFrom(values);
  } catch (error) {
    if (!(error instanceof HealthArgsError)) throw error;
    process.stderr.write(`health: ${error.message}\n`);
    return 1;
  }
  const result = await checkHealth(config, thresholds);
  process.stdout.write(`${result.lines.join('\n')}\n`);
  return result.exitCode;
}

async function migrateOnly(values: ParsedValues, config: Config, log: Logger): Promise<number> {
  const rebuildViews = values['rebuild-views'] === true;
  let warehouse;
  try {
    warehouse = await openMigratedWarehouse(config, log, { rebuildViews });
  } catch (error) {
    return startupExitCode(error, log);
  }
  log.info({ warehouse: warehouse.location }, 'schema up to date');
  await warehouse.close();
  return 0;
}

async function simulator(values: ParsedValues, log: Logger): Promise<number> {
  const port = Number(values.port);
  // Without --levels every market holds as many levels as its venue does (each venue's simulator.ts, src/venues/<venue>/).
  const levels = values.levels === undefined ? undefined : Number(values.levels);
  const seed = Number(values.seed);
  if (
    ![port, levels ?? 1, seed].every(Number.isInteger) ||
    port < 0 ||
    port > 65535 ||
    (levels !== undefined && (levels < 1 || levels > 50_000))
  ) {
    process.stderr.write(
      'simulator: --port 0–65535, --levels 1–50000 and --seed must be whole numbers; see `simulator --help`\n',
    );
    return 1;
  }
  const sim = await startSimulator({
    host: String(values.host),
    port,
    seed,
    // Every venue's markets, so MARKETS naming any of the five finds its books here.
    markets: allSimMarkets(levels),
    enforceRateLimits: values['rate-limits'] === true,
  });
  log.info({ url: sim.url, levels: levels ?? 'as the venues' }, 'simulator listening');
  process.stdout.write(
    `simulator listening on ${sim.url}\n` +
      `point the ETL at it:  COINBASE_API_URL=${sim.url} BINANCE_API_URL=${sim.url} npm run etl\n` +
      `(and KRAKEN_API_URL, OKX_API_URL, BYBIT_API_URL likewise for markets of those venues)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}

function settingHelp(name: string): string {
  const setting = describeSettings()[name];
  if (setting === undefined) return '';
  return `${setting.allowed}${setting.fallback ? ` (default ${setting.fallback})` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const asked = rest[0];
    const about = asked !== undefined && Object.hasOwn(COMMANDS, asked) ? COMMANDS[asked] : undefined;
    if (asked !== undefined && about === undefined) {
      process.stderr.write(`unknown command "${asked}"\n${USAGE}`);
      return 1;
    }
    process.stdout.write(about ? helpText(about, settingHelp) : USAGE);
    return command === undefined ? 1 : 0;
  }
  let spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (spec === undefined) {
    process.stderr.write(`unknown command "${command}"\n${USAGE}`);
    return 1;
  }
  let args = rest;
  const sub = rest[0];
  if (spec.name === 'lake' && sub !== undefined && (sub === 'export' || sub === 'ddl')) {
    spec = LAKE_COMMANDS[sub];
    args = rest.slice(1);
  }
  let values: ParsedValues;
  try {
    const parsed = parseCommandArgs(spec, args);
    if (parsed.help) {
      process.stdout.write(helpText(spec, settingHelp));
      return 0;
    }
    values = parsed.values;
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
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
  switch (spec.name) {
    case 'etl':
      return etl(config, log);
    case 'start':
      return start(config, log);
    case 'backfill':
      return backfillCommand(values, config, log);
    case 'report':
      return report(values, config, log);
    case 'demo':
      return runDemo({
        dataDir: path.join(config.dataDir, 'demo'),
        log,
        out: process.stdout,
        color: process.stdout.isTTY,
        width: process.stdout.columns,
      });
    case 'migrate':
      return migrateOnly(values, config, log);
    case 'health':
      return health(values, config);
    case 'simulator':
      return simulator(values, log);
    case 'lake':
      process.stderr.write('lake: give a subcommand, export or ddl; see `lake --help`\n');
      return 1;
    case 'lake export':
    case 'lake ddl': {
      // DuckDB's native module loads only for the lake's own commands.
      const { lakeCommand } = await import('../lake/cli.ts');
      return lakeCommand(spec.name === 'lake ddl' ? 'ddl' : 'export', values, config, log);
    }
    default:
      throw new Error(`command ${spec.name} has a spec but no handler`);
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
