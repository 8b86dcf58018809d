/**
 * Commands → jobs. No logic lives here: each command reads the Config, builds what its job
 * needs and turns the outcome into an exit code (DESIGN §3).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createVenueClients } from './exchanges/index.ts';
import { runOnce } from './jobs/run.ts';
import { createLogger, type Logger } from './log.ts';
import { openRawStore, probeRawStore } from './raw/index.ts';
import { defaultSimMarkets, startSimulator } from './simulator/index.ts';
import { openWarehouse, type Warehouse } from './warehouse/db.ts';
import { Loader } from './warehouse/load.ts';
import { migrate } from './warehouse/migrate.ts';

const USAGE = `usage: orderbook-etl <command>

commands:
  etl         one run now, then exit (what cron calls)
  migrate     apply database migrations and recreate the views, then exit
  simulator   start the local exchange (Coinbase + Binance REST) for offline use
              [--port 8080] [--host 127.0.0.1] [--levels 1000] [--seed 1] [--rate-limits]

exit codes: 0 ok, 1 could not start, 2 some markets failed`;

/** The warehouse, reachable and migrated; null (already logged) when it is not. */
async function migratedWarehouse(config: Config, log: Logger): Promise<Warehouse | null> {
  let warehouse: Warehouse;
  try {
    warehouse = await openWarehouse({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.concurrency + 2,
      log,
    });
  } catch (error) {
    log.fatal({ err: (error as Error).message }, 'warehouse unreachable: nothing done');
    return null;
  }
  try {
    await migrate(warehouse.db, log);
  } catch (error) {
    log.fatal(
      { warehouse: warehouse.location, err: (error as Error).message },
      'migration failed: nothing done',
    );
    await warehouse.close();
    return null;
  }
  return warehouse;
}

async function etl(config: Config, log: Logger): Promise<number> {
  const store = openRawStore(config.rawStoreUrl, { ...config.s3, maxAttempts: config.httpRetries + 1 });
  try {
    await probeRawStore(store);
  } catch (error) {
    log.fatal({ rawStore: store.location, err: String(error) }, 'raw store unreachable: run not started');
    return 1;
  }
  const warehouse = await migratedWarehouse(config, log);
  if (!warehouse) return 1;
  try {
    const summary = await runOnce({
      config,
      log,
      store,
      clients: createVenueClients(config, log),
      db: warehouse.db,
      loader: new Loader(warehouse.db, config),
    });
    return summary.exitCode;
  } catch (error) {
    log.fatal({ warehouse: warehouse.location, err: String(error) }, 'run could not start');
    return 1;
  } finally {
    await warehouse.close();
    await store.close();
  }
}

async function migrateOnly(config: Config, log: Logger): Promise<number> {
  const warehouse = await migratedWarehouse(config, log);
  if (!warehouse) return 1;
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
