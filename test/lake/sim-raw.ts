/**
 * Raw objects written as a run writes them, without a run: simulator books of BTC-USD and
 * BTCUSDT at set times, and recorded trades responses. For tests of the lake that need control
 * over which partitions hold what.
 */
import { writeSnapshot, writeTrades, type RawStore, type SnapshotMeta } from '../../src/raw/index.ts';
import { createBookGenerator } from '../../src/simulator/generators.ts';
import { bookJson } from '../../src/venues/coinbase/simulator.ts';
import { depthJson } from '../../src/venues/binance/simulator.ts';
import { defaultSimMarkets } from '../../src/simulator/index.ts';
import { uuidv7 } from '../../src/util/ids.ts';
import { fixtureText } from '../helpers/fixtures.ts';

function meta(
  exchange: 'coinbase' | 'binance',
  market: string,
  base: string,
  quote: string,
  at: string,
): SnapshotMeta {
  return {
    exchange,
    market,
    url: `http://sim/${market}`,
    requested_at: at,
    received_at: at,
    status: 200,
    run_id: uuidv7(Date.parse(at)),
    base,
    quote,
  };
}

/** `count` books of each market, `everyHours` apart from `start` (ms, UTC), `levels` a side. */
export async function writeSimBooks(
  raw: RawStore,
  {
    start,
    count,
    everyHours,
    levels,
    seed,
  }: { start: number; count: number; everyHours: number; levels: number; seed: number },
): Promise<void> {
  const markets = defaultSimMarkets(levels).filter(
    (m) =>
      (m.venue === 'coinbase' && m.symbol === 'BTC-USD') || (m.venue === 'binance' && m.symbol === 'BTCUSDT'),
  );
  for (const m of markets) {
    const gen = createBookGenerator(m, seed);
    for (let i = 0; i < count; i++) {
      const at = new Date(start + i * everyHours * 3_600_000).toISOString();
      const book = gen.next(levels);
      const body =
        m.venue === 'coinbase'
          ? bookJson(book, gen.format, { level3: false, schema: false, time: at.replace('Z', '123Z') })
          : depthJson(book, gen.format, false);
      await writeSnapshot(raw, meta(m.venue as 'coinbase' | 'binance', m.symbol, m.base, m.quote, at), body);
    }
  }
}

/** The recorded Coinbase BTC-USD trades response, as fetched at `at`. */
export function writeRecordedTrades(raw: RawStore, at: string): Promise<string> {
  return writeTrades(
    raw,
    meta('coinbase', 'BTC-USD', 'BTC', 'USD', at),
    Buffer.from(fixtureText('coinbase-trades-BTC-USD-handwritten.json')),
  );
}
