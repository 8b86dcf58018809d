/** Which exchanges and markets the raw store holds books or trades of: two listing levels, no object read. */
import { TRADES_ROOT } from './keys.ts';
import type { RawStore } from './store.ts';

export interface Holding {
  exchange: string;
  market: string;
}

const segment = (prefix: string, name: string): string | null => {
  const last = prefix.slice(0, -1).split('/').at(-1) ?? '';
  return last.startsWith(`${name}=`) ? last.slice(name.length + 1) : null;
};

export async function lakeHoldings(store: RawStore): Promise<Holding[]> {
  const seen = new Map<string, Holding>();
  for (const root of ['', `${TRADES_ROOT}/`]) {
    for (const exchangePrefix of (await store.listChildren(root)).prefixes) {
      const exchange = segment(exchangePrefix, 'exchange');
      if (exchange === null) continue;
      for (const marketPrefix of (await store.listChildren(exchangePrefix)).prefixes) {
        const market = segment(marketPrefix, 'market');
        if (market !== null) seen.set(`${exchange}:${market}`, { exchange, market });
      }
    }
  }
  return [...seen.values()].sort((a, b) =>
    `${a.exchange}:${a.market}` < `${b.exchange}:${b.market}` ? -1 : 1,
  );
}
