/**
 * The market list a run fetched, read back from the raw store, so that a backfill judges a
 * book's market status (MarketInfo.notExecutable) from the same answer the run had. A run asks
 * each venue's list once, before any of that venue's books, and keeps it under
 * `_meta/exchange=…/endpoint=…/date=…/hour=…/…-{run_id}.json.gz`: the object of a book's run is
 * in an hour folder from the run's start (its UUIDv7 id holds it) to the book's arrival.
 *
 * When no such object can be had (a lake copied without `_meta/`, an error answer, a list that
 * does not read), the book's market status is not known: the loader then judges the book by its
 * own flags alone (auction_mode) and keeps it executable otherwise. The caller counts such books.
 * A raw store that cannot be listed or read is no answer either way: that throws, so the book
 * fails to load and a rerun of the backfill tries again.
 */
import type { Logger } from '../log.ts';
import { parseMetaKey, RawStoreError, readEnvelope, type RawStore } from '../raw/index.ts';
import { META_ROOT } from '../raw/keys.ts';
import type { Venue } from '../markets.ts';
import { VENUE_NAMING, venueOf } from '../venues/index.ts';

const HOUR_MS = 3_600_000;
/** The most hour folders looked in for one run: a run longer than this is not looked for further back. */
const MAX_HOURS = 48;
const UUIDV7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Market symbol → why a taker cannot take it (null: it can), as the run's list said. */
export type RunMarketStatus = ReadonlyMap<string, string | null>;

/** When a run started, from its UUIDv7 id; null for an id of another form. */
export function runStart(runId: string): Date | null {
  const m = UUIDV7.exec(runId);
  if (!m) return null;
  return new Date(Number.parseInt(`${m[1] ?? ''}${m[2] ?? ''}`, 16));
}

/** The hour folders (`date=…/hour=…/`) from `from`'s hour to `to`'s, at most MAX_HOURS, newest last. */
function hourFolders(from: Date, to: Date): string[] {
  const last = Math.floor(to.getTime() / HOUR_MS);
  const first = Math.max(Math.floor(from.getTime() / HOUR_MS), last - MAX_HOURS + 1);
  const out: string[] = [];
  for (let h = Math.min(first, last); h <= last; h++) {
    const iso = new Date(h * HOUR_MS).toISOString();
    out.push(`date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`);
  }
  return out;
}

export class RunMetadata {
  private readonly store: RawStore;
  private readonly log: Logger;
  private readonly keep: number;
  /** Venue/run → its market status; the newest `keep` of them (a backfill walks runs in order). */
  private readonly cache = new Map<string, Promise<RunMarketStatus | null>>();

  constructor(store: RawStore, log: Logger, keep = 64) {
    this.store = store;
    this.log = log;
    this.keep = keep;
  }

  /**
   * Why the run's market list says `symbol` cannot be taken (null: it can); undefined when the
   * list is not in the raw store or does not name the market.
   */
  async marketNotExecutable(
    venue: Venue,
    symbol: string,
    runId: string,
    receivedAt: string,
  ): Promise<string | null | undefined> {
    const key = `${venue}/${runId}`;
    let pending = this.cache.get(key);
    if (pending === undefined) {
      pending = this.read(venue, runId, new Date(receivedAt));
      // A store that failed is asked again by the next book, not remembered as no list.
      pending.catch(() => this.cache.delete(key));
      this.cache.set(key, pending);
      if (this.cache.size > this.keep) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
    }
    const status = await pending;
    return status?.get(symbol);
  }

  private async read(venue: Venue, runId: string, receivedAt: Date): Promise<RunMarketStatus | null> {
    const endpoint = VENUE_NAMING[venue].metadataEndpoint;
    const root = `${META_ROOT}/exchange=${venue}/endpoint=${endpoint}/`;
    // An id that is no UUIDv7 (written by hand, or by another tool): the book's hour and the one before.
    const from = runStart(runId) ?? new Date(receivedAt.getTime() - HOUR_MS);
    let found: string | undefined;
    for (const folder of hourFolders(from, receivedAt)) {
      const { keys } = await this.store.listChildren(`${root}${folder}`);
      for (const k of keys) if (parseMetaKey(k)?.runId === runId) found = k;
    }
    if (found === undefined) {
      this.log.warn(
        { venue, runId },
        'run market list not in the raw store: market status of its books unknown',
      );
      return null;
    }
    try {
      const { meta, payloadText } = await readEnvelope(this.store, found);
      if (meta.status < 200 || meta.status >= 300 || payloadText === null) {
        this.log.warn(
          { venue, runId, rawKey: found, status: meta.status },
          'run market list is no list: market status of its books unknown',
        );
        return null;
      }
      const markets = venueOf(venue).metadata.parse(payloadText);
      return new Map([...markets].map(([symbol, info]) => [symbol, info.notExecutable]));
    } catch (error) {
      if (error instanceof RawStoreError && !error.notFound) throw error;
      this.log.warn(
        { venue, runId, rawKey: found, err: error },
        'run market list not read: market status of its books unknown',
      );
      return null;
    }
  }
}
