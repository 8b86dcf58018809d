/**
 * A backfill filter that matches nothing is nearly always a typo (`BTCUSD` for `BTC-USD`), and a
 * silent `listed: 0` hides it: these say so, naming the filter and what the raw store holds.
 */
import type { Logger } from '../log.ts';
import { lakeHoldings, type Holding } from '../raw/holdings.ts';
import type { RawStore } from '../raw/index.ts';
import type { BackfillOptions, BackfillSummary } from './backfill.ts';

/** The filter as typed, e.g. `--exchange binance --market BTCUSD`. */
export type FilterArgs = Partial<Record<'exchange' | 'market' | 'from' | 'to', string>>;

function warn(log: Logger, store: RawStore, filter: FilterArgs, holdings: Holding[], outcome: string): void {
  const given = Object.entries(filter)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ');
  const holds = holdings.map((h) => `${h.exchange}:${h.market}`);
  log.warn(
    { filter: given, rawStore: store.location, lakeHolds: holds },
    `backfill filter ${given} matches nothing in the raw store, which holds ${
      holds.length > 0 ? holds.join(', ') : 'no books or trades at all'
    }: ${outcome}`,
  );
}

/**
 * Before loading: false (and a warning) when `--exchange`/`--market` names nothing the store holds.
 * Two listing levels per root, no object read.
 */
export async function filterMatchesLake(
  store: RawStore,
  options: BackfillOptions,
  filter: FilterArgs,
  log: Logger,
): Promise<boolean> {
  if (options.deriveOnly || (options.exchange === undefined && options.market === undefined)) return true;
  const holdings = await lakeHoldings(store);
  const found = holdings.some(
    (h) =>
      (options.exchange === undefined || h.exchange === options.exchange) &&
      (options.market === undefined || h.market === options.market),
  );
  if (!found) warn(log, store, filter, holdings, 'nothing done');
  return found;
}

/** After loading: a warning when a `--from`/`--to` range listed nothing (not a failure: hours can be empty). */
export async function warnIfRangeEmpty(
  store: RawStore,
  options: BackfillOptions,
  filter: FilterArgs,
  summary: BackfillSummary,
  log: Logger,
): Promise<void> {
  if (options.deriveOnly || (filter.from === undefined && filter.to === undefined)) return;
  if (summary.listed > 0 || summary.trades.listed > 0 || summary.failed.length > 0) return;
  warn(log, store, filter, await lakeHoldings(store), 'the range is empty');
}
