/**
 * `npm run demo`: what a newcomer types first. Starts the bundled simulator on a free loopback
 * port, runs one ETL cycle against it into an embedded warehouse (PGlite) and a raw folder,
 * both under the demo's own data folder, and prints the report. No network, no database, and
 * none of the environment's settings: a demo can never write to a real warehouse or bucket.
 */
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { createVenueClients } from '../exchanges/index.ts';
import type { Logger } from '../log.ts';
import { openRawStore, probeRawStore } from '../raw/index.ts';
import { defaultSimMarkets, startSimulator } from '../simulator/index.ts';
import { openWarehouse, type Warehouse } from '../warehouse/db.ts';
import { Loader } from '../warehouse/load.ts';
import { migrate } from '../warehouse/migrate.ts';
import { loadReport, renderReport } from './report.ts';
import { runOnce } from './run.ts';

export interface DemoOptions {
  /** Everything the demo keeps goes here: `raw/` and `pglite/`. The CLI passes `<DATA_DIR>/demo`. */
  dataDir: string;
  log: Logger;
  /** Where the report and the "what next" lines go (stdout in the CLI). */
  out: NodeJS.WritableStream;
  /** Levels per side of each simulated book (default 1000). */
  levels?: number;
  /** Simulator seed; by default a new one each time, so a second demo sees the books move. */
  seed?: number;
  /** ANSI styles in the report (the CLI passes `process.stdout.isTTY`). */
  color?: boolean;
  /** Terminal columns, to fit the report's tables. */
  width?: number | undefined;
}

const DEFAULT_LEVELS = 1000;

/** Runs the demo; resolves to the run's exit code (0 ok, 2 some market failed, 1 could not start). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { log, out } = options;
  const dataDir = path.resolve(options.dataDir);
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    seed: options.seed ?? Date.now() % 2 ** 31,
    markets: defaultSimMarkets(options.levels ?? DEFAULT_LEVELS),
  });
  try {
    // Only what the demo sets: no DATABASE_URL (→ PGlite under dataDir), no RAW_STORE_URL (→ dataDir/raw).
    const config = loadConfig({
      DATA_DIR: dataDir,
      COINBASE_API_URL: sim.url,
      BINANCE_API_URL: sim.url,
      HTTP_RETRIES: '2',
      HTTP_TIMEOUT_MS: '10000',
    });
    log.info({ simulator: sim.url, dataDir }, 'demo: simulator listening');

    const store = openRawStore(config.rawStoreUrl);
    try {
      try {
        await probeRawStore(store);
      } catch (error) {
        log.fatal({ rawStore: store.location, err: error }, 'demo: raw store unusable');
        return 1;
      }
      let warehouse: Warehouse;
      try {
        warehouse = await openWarehouse({ databaseUrl: undefined, dataDir, connectAttempts: 1, log });
      } catch (error) {
        log.fatal(
          { err: error },
          'demo: embedded warehouse could not be opened (is another demo running on this folder?)',
        );
        return 1;
      }
      try {
        await migrate(warehouse.db, log, config);
        const summary = await runOnce({
          config,
          log,
          store,
          clients: createVenueClients(config, log),
          db: warehouse.db,
          loader: new Loader(warehouse.db, config),
        });
        const report = await loadReport(warehouse.db);
        out.write(renderReport(report, { color: options.color ?? false, width: options.width }));
        if (summary.marketsFailed > 0) {
          out.write(
            `\n${summary.marketsFailed} of ${summary.outcomes.length} markets failed in this demo run: ` +
              'the log lines on stderr say where and why (an HTTP_PROXY without NO_PROXY=127.0.0.1 is a usual cause).\n',
          );
        }
        out.write(whatNext(dataDir));
        return summary.exitCode;
      } catch (error) {
        log.fatal({ warehouse: warehouse.location, err: error }, 'demo failed');
        return 1;
      } finally {
        await warehouse.close();
      }
    } finally {
      await store.close();
    }
  } finally {
    await sim.close();
  }
}

/** A path as a shell would need it typed. */
function shellPath(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`;
}

function whatNext(dataDir: string): string {
  const raw = shellPath(path.join(dataDir, 'raw'));
  return [
    '',
    'What next',
    `  • Every response, byte-for-byte (gzip JSON): ${raw}`,
    `  • The warehouse (embedded PostgreSQL): ${shellPath(path.join(dataDir, 'pglite'))}; run the demo again to add a run`,
    '  • Real venues: `npm run etl` (Coinbase and Binance public APIs), then `npm run report`',
    '  • SQL on the views: with a PostgreSQL server, `DATABASE_URL=postgres://user@host/db npm run etl`, then',
    `      psql "$DATABASE_URL" -c 'select * from orderbook.v_best_venue order by captured_at desc limit 8'`,
    '',
  ].join('\n');
}
