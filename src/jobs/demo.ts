/**
 * `npm run demo`: what a newcomer types first. Starts the bundled simulator on a free loopback
 * port (books as large as the venues': simulator/catalog.ts), runs one ETL cycle against it into
 * an embedded warehouse (PGlite) and a raw folder, both under the demo's own data folder, prints
 * the report, writes the HTML report beside them and says how the venues compared. No network,
 * no database, and none of the environment's settings: a demo can never write to a real
 * warehouse or bucket.
 */
import path from 'node:path';
import { loadConfig, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Venue } from '../venues/codes.ts';
import { rangeLabel, runsOf } from '../report/collapse.ts';
import { formatDecimal, notionalLabel } from '../report/format.ts';
import { defaultSimMarkets, startSimulator } from '../simulator/index.ts';
import type { AssetReport, SplitOrder } from '../warehouse/index.ts';
import { openPipeline, runPipeline } from './pipeline.ts';
import { reportText, writeHtmlReport } from './report.ts';
import type { RunSummary } from './run.ts';

export interface DemoOptions {
  /** Everything the demo keeps goes here: `raw/` and `pglite/`. The CLI passes `<DATA_DIR>/demo`. */
  dataDir: string;
  log: Logger;
  /** Where the report and the "what next" lines go (stdout in the CLI). */
  out: NodeJS.WritableStream;
  /** Levels per side of each simulated book; by default as many as each venue holds (catalog.ts). */
  levels?: number;
  /** Simulator seed; by default a new one each time, so a second demo sees the books move. */
  seed?: number;
  /** ANSI styles in the report (the CLI passes `process.stdout.isTTY`). */
  color?: boolean;
  /** Terminal columns, to fit the report's tables. */
  width?: number | undefined;
}

/**
 * The demo's one departure from the defaults. TAKER_FEE_BPS defaults to coinbase:60,binance:10
 * (the venues' entry tiers), and a 50 bps fee gap makes Binance the best venue for every order
 * whatever the books hold. At equal fees (high-volume tiers are 5-10 bps on both) the books
 * decide: the cheaper venue differs by side, and large orders are cheapest split.
 */
const DEMO_FEES = 'coinbase:10,binance:10';

/**
 * What the demo runs on: only what it sets. No DATABASE_URL (→ PGlite under dataDir), no
 * RAW_STORE_URL (→ dataDir/raw), nothing from the environment.
 */
export function demoConfig(dataDir: string, simulatorUrl: string): Config {
  return loadConfig({
    DATA_DIR: dataDir,
    COINBASE_API_URL: simulatorUrl,
    BINANCE_API_URL: simulatorUrl,
    HTTP_RETRIES: '2',
    HTTP_TIMEOUT_MS: '10000',
    TAKER_FEE_BPS: DEMO_FEES,
  });
}

/**
 * Runs the demo through the same pipeline as `npm run etl` (run lock, dead runs closed,
 * partitions made ahead): its run's summary, or null when another run held every market. A
 * StartupError when its folder cannot hold the raw store or the warehouse.
 */
export async function demo(options: DemoOptions): Promise<RunSummary | null> {
  const { log, out } = options;
  const dataDir = path.resolve(options.dataDir);
  const sim = await startSimulator({
    host: '127.0.0.1',
    port: 0,
    seed: options.seed ?? Date.now() % 2 ** 31,
    markets: defaultSimMarkets(options.levels),
  });
  try {
    const config = demoConfig(dataDir, sim.url);
    log.info({ simulator: sim.url, dataDir }, 'demo: simulator listening');
    // One try: a second demo on the same folder holds its PGlite, and waiting will not free it.
    const pipeline = await openPipeline(config, log, { connectAttempts: 1 });
    try {
      const summary = await runPipeline(config, log, pipeline);
      if (!summary) return null;
      const { db } = pipeline.warehouse;
      out.write(await reportText(db, { color: options.color ?? false, width: options.width }));
      const htmlFile = path.join(dataDir, 'report.html');
      const html = await writeHtmlReport(db, config, htmlFile);
      out.write(settingsNote(config, html.assets));
      if (summary.marketsFailed > 0) {
        out.write(
          `\n${summary.marketsFailed} of ${summary.outcomes.length} markets failed in this demo run: ` +
            'the log lines on stderr say where and why (an HTTP_PROXY without NO_PROXY=127.0.0.1 is a usual cause).\n',
        );
      }
      out.write(whatNext(dataDir, htmlFile));
      return summary;
    } finally {
      await pipeline.close();
    }
  } finally {
    await sim.close();
  }
}

/** A path as a shell would need it typed. */
function shellPath(p: string): string {
  return /^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replaceAll("'", `'\\''`)}'`;
}

/** "binance 10 bps, coinbase 10 bps" */
function feesOf(config: Config): string {
  // Only the venues the demo fetches: the others' default fees are not what it compared.
  const fetched = new Set(config.markets.map((m) => m.venue));
  return Object.entries(config.takerFeeBps)
    .filter(([venue]) => fetched.has(venue as Venue))
    .map(([venue, fee]) => `${venue} ${fee} bps`)
    .join(', ');
}

/** Who wins an order of the optimal-split table: one venue, or a split that saves something. */
function winnerOf(o: SplitOrder): string {
  if (o.bestSingleExchange === null || !o.fullyFilled) return 'no venue alone';
  return o.savingBps !== null && formatDecimal(o.savingBps, 2) !== '0.00'
    ? 'a split across venues'
    : o.bestSingleExchange;
}

/**
 * What the demo assumed and how the venues came out, from the split table of the HTML report:
 * per asset and side, which venue is cheapest over which sizes.
 */
function settingsNote(config: Config, assets: AssetReport[]): string {
  const lines = [
    'This demo',
    '  • Books: the simulator’s defaults, as deep as the venues’ own: Coinbase BTC-USD 22,000 levels a side',
    '    out to about 10% from mid (ETH-USD 12,000), Binance 5,000 a side (its depth limit, about 2%)',
    `  • Taker fees: ${feesOf(config)} (TAKER_FEE_BPS; the default coinbase:60,binance:10 makes`,
    '    Binance the best venue for every order, so the demo prices both venues at the same fee)',
  ];
  const winners = new Set<string>();
  const detail: string[] = [];
  for (const asset of assets) {
    for (const side of ['buy', 'sell'] as const) {
      const orders = asset.orders.filter((o) => o.side === side);
      if (orders.length === 0) continue;
      const parts = runsOf(orders, winnerOf).map(({ first, last }) => {
        winners.add(winnerOf(first));
        const sizes = rangeLabel(notionalLabel(first.notionalUsd), notionalLabel(last.notionalUsd));
        return `${winnerOf(first)} ${sizes}`;
      });
      detail.push(`    ${asset.base} ${side}: ${parts.join(' · ')}`);
    }
  }
  if (detail.length > 0) {
    lines.push(
      winners.size > 1
        ? '  • Venues compete: the cheapest way to trade differs by side or size (all-in, fee included):'
        : `  • One way is cheapest for every order here: ${[...winners].join('')}`,
      ...detail,
    );
  }
  return `\n${lines.join('\n')}\n`;
}

function whatNext(dataDir: string, htmlFile: string): string {
  const raw = shellPath(path.join(dataDir, 'raw'));
  return [
    '',
    'What next',
    `  • The HTML report (cost curves, depth, size limits, splits): ${shellPath(htmlFile)}`,
    `  • Every response, byte-for-byte (gzip JSON): ${raw}`,
    `  • The warehouse (embedded PostgreSQL): ${shellPath(path.join(dataDir, 'pglite'))}; run the demo again to add a run`,
    '  • Real venues: `npm run etl` (Coinbase and Binance public APIs), then `npm run report`',
    '  • SQL on the views: with a PostgreSQL server, `DATABASE_URL=postgres://user@host/db npm run etl`, then',
    `      psql "$DATABASE_URL" -c 'select * from orderbook.v_best_venue order by captured_at desc limit 8'`,
    '',
  ].join('\n');
}
