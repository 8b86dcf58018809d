/**
 * Part 5 in a process of its own: embedded PGlite is a whole PostgreSQL compiled to WebAssembly
 * inside the Node process, so its memory is measured apart from the PostgreSQL parts (and theirs
 * apart from it). Fetches one book per venue from the simulator, then loads and derives each on
 * an embedded PGlite the way the ETL does with no DATABASE_URL: on a database that already
 * exists (made by bench/pglite-init.ts first, whose own peak is reported beside). Arguments: a JSON PgliteJob;
 * prints a JSON PgliteResult.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBook } from '../src/venues/index.ts';
import { createLogger } from '../src/log.ts';
import type { SimMarket } from '../src/simulator/index.ts';
import { lifetimePeakRssMb } from './memory.ts';
import { benchLoadDerive, type LoadDeriveResult } from './parts/snapshot.ts';
import { benchConfig, pgliteWarehouse, unthrottledClients } from './setup.ts';

export interface PgliteJob {
  simUrl: string;
  markets: SimMarket[];
  concurrency: number;
  warmup: number;
  reps: number;
}

export interface PgliteResult {
  coinbase: LoadDeriveResult;
  binance: LoadDeriveResult;
  /** Kernel peak RSS of this process: Node, the ETL code and PGlite on an existing database. */
  peakRssMb: number;
  /** Kernel peak RSS of the process that created the empty database (initdb; once per DATA_DIR). */
  firstStartPeakRssMb: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as PgliteJob;
const log = createLogger({ level: 'silent' });
const rawDir = await mkdtemp(path.join(tmpdir(), 'obetl-bench-pglite-raw-'));
try {
  const config = benchConfig(job.simUrl, rawDir, job.markets, job.concurrency);
  const clients = unthrottledClients(config, log);
  const fetchBook = async (market: SimMarket) => {
    const response = await clients[market.venue].fetchBook(market.symbol);
    return {
      market,
      body: response.body,
      book: parseBook(market.venue, market.symbol, response.body.toString('utf8')),
    };
  };
  const [coinbaseMarket, binanceMarket] = job.markets;
  if (!coinbaseMarket || !binanceMarket)
    throw new Error('pglite part: needs a Coinbase and a Binance market');
  const coinbaseBook = await fetchBook(coinbaseMarket);
  const binanceBook = await fetchBook(binanceMarket);
  const warehouse = await pgliteWarehouse(config, log);
  try {
    const options = { warmup: job.warmup, reps: job.reps };
    const result: PgliteResult = {
      coinbase: await benchLoadDerive(warehouse, config, coinbaseBook, options),
      binance: await benchLoadDerive(warehouse, config, binanceBook, options),
      peakRssMb: lifetimePeakRssMb(),
      firstStartPeakRssMb: warehouse.firstStartPeakRssMb,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await warehouse.close();
  }
} finally {
  await rm(rawDir, { recursive: true, force: true });
}
