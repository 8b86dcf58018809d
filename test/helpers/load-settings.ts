/**
 * The smallest load settings a test of trades or views needs: one size, one band, one threshold,
 * every level kept, USDT counted as USD. Shared so the tests that only load trades agree on them.
 */
import type { LoadSettings } from '../../src/warehouse/load.ts';

export const SMALL_LOAD_SETTINGS: LoadSettings = {
  notionalsUsd: ['100'],
  depthBandsBps: [10],
  costCurveUsd: ['100'],
  slippageBpsThresholds: ['10'],
  takerFeeBps: { coinbase: '60', binance: '10', kraken: '40', okx: '10', bybit: '10' },
  levelsWithinBps: null,
  usdStablecoins: ['USDT'],
};
