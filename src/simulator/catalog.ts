import type { SimMarket } from './types.ts';
import { parseDecimal } from './decimal.ts';

/**
 * The four markets the ETL is configured for by default, at prices and ticks of their real venues.
 * Level counts mirror what the venues hold: Coinbase BTC-USD answered ~22,000 levels per side in
 * 2026 (see the senken fixture's note); Binance serves at most 5000 per side whatever it holds.
 */
export function defaultSimMarkets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'coinbase',
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      startMid: '84712.35',
      tickSize: '0.01',
      levels: levels ?? 22_000,
    },
    {
      venue: 'coinbase',
      symbol: 'ETH-USD',
      base: 'ETH',
      quote: 'USD',
      startMid: '3201.47',
      tickSize: '0.01',
      levels: levels ?? 12_000,
    },
    {
      venue: 'binance',
      symbol: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
      startMid: '84705.63',
      tickSize: '0.01',
      levels: levels ?? 5000,
    },
    {
      venue: 'binance',
      symbol: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      startMid: '3200.91',
      tickSize: '0.01',
      levels: levels ?? 5000,
    },
  ];
}

/** Sizes are counted in 10^-8 of the base asset on both venues. */
export const SIZE_SCALE = 8;

/**
 * The size increment in 10^-8 units. Coinbase trades every product in satoshi-like 0.00000001
 * steps; Binance uses a coarser LOT_SIZE stepSize the pricier the asset is (BTCUSDT 0.00001,
 * ETHUSDT 0.0001), which this approximates from the number of integer digits of the price.
 */
export function sizeStepUnits(market: SimMarket): number {
  if (market.venue === 'coinbase') return 1;
  const { units, scale } = parseDecimal(market.startMid);
  const integerDigits = units < 10n ** BigInt(scale) ? 0 : (units / 10n ** BigInt(scale)).toString().length;
  const exponent =
    integerDigits >= 5 ? 3 : integerDigits >= 3 ? 4 : integerDigits === 2 ? 5 : integerDigits === 1 ? 6 : 8;
  return 10 ** exponent;
}
