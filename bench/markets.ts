/**
 * The bench's markets: up to ten Coinbase-like and ten Binance-like books at full size. BTC and
 * ETH trade on both venues and every quote is USD or USDT, so concurrent loads share dimension
 * rows the way a real configuration does. Ticks keep every book far from zero, so each side
 * really holds the levels asked for.
 */
import { allSimMarkets, type SimMarket } from '../src/simulator/index.ts';

const ASSETS: { base: string; mid: string; tick: string }[] = [
  { base: 'BTC', mid: '84712.35', tick: '0.01' },
  { base: 'ETH', mid: '3201.47', tick: '0.01' },
  { base: 'SOL', mid: '142.37', tick: '0.0001' },
  { base: 'XRP', mid: '0.5234', tick: '0.000001' },
  { base: 'ADA', mid: '0.4123', tick: '0.000001' },
  { base: 'DOGE', mid: '0.16234', tick: '0.0000001' },
  { base: 'AVAX', mid: '35.12', tick: '0.0001' },
  { base: 'LINK', mid: '14.523', tick: '0.00001' },
  { base: 'DOT', mid: '6.123', tick: '0.00001' },
  { base: 'LTC', mid: '84.12', tick: '0.0001' },
];

export interface MarketSizes {
  /** Markets in all, alternating venues: Coinbase first. At most 20. */
  count: number;
  coinbaseLevels: number;
  binanceLevels: number;
}

export function benchMarkets({ count, coinbaseLevels, binanceLevels }: MarketSizes): SimMarket[] {
  if (count < 2 || count > ASSETS.length * 2) throw new Error(`bench markets: 2..${ASSETS.length * 2}`);
  const markets: SimMarket[] = [];
  for (let i = 0; i < count; i++) {
    const asset = ASSETS[i >> 1];
    if (!asset) break;
    markets.push(
      i % 2 === 0
        ? {
            venue: 'coinbase',
            symbol: `${asset.base}-USD`,
            base: asset.base,
            quote: 'USD',
            startMid: asset.mid,
            tickSize: asset.tick,
            levels: coinbaseLevels,
          }
        : {
            venue: 'binance',
            symbol: `${asset.base}USDT`,
            base: asset.base,
            quote: 'USDT',
            startMid: asset.mid,
            tickSize: asset.tick,
            levels: binanceLevels,
          },
    );
  }
  return markets;
}

/** Levels per side of the venues part 1 times besides Coinbase and Binance. */
export type VenueLevels = Record<'kraken' | 'okx' | 'bybit', number>;

/**
 * Each venue's BTC book as its simulator lists it (prices and ticks of the real venue), at
 * `levels` a side: the bench asks as the client does (Kraken count=500, OKX books-full sz=5000,
 * Bybit limit=1000), so at those sizes the book is as deep as the venue ever answers.
 */
export function venueMarkets(levels: VenueLevels): SimMarket[] {
  return (Object.keys(levels) as (keyof VenueLevels)[]).map((venue) => {
    const market = allSimMarkets().find((m) => m.venue === venue && m.base === 'BTC');
    if (!market) throw new Error(`bench: the simulator lists no BTC market of ${venue}`);
    return { ...market, levels: levels[venue] };
  });
}
