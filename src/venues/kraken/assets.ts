/**
 * Kraken's asset codes in the names the other venues use. Kraken's oldest assets carry a class
 * prefix (X for crypto, Z for fiat: XXBT, XETH, ZUSD) and Bitcoin is XBT, Dogecoin XDG; without
 * this, v_best_venue would compare Kraken's "XXBT" with nobody's BTC.
 */
const LEGACY: Readonly<Record<string, string>> = {
  XXBT: 'BTC',
  XBT: 'BTC',
  XXDG: 'DOGE',
  XDG: 'DOGE',
  XETH: 'ETH',
  XETC: 'ETC',
  XLTC: 'LTC',
  XXRP: 'XRP',
  XXLM: 'XLM',
  XXMR: 'XMR',
  XZEC: 'ZEC',
  XREP: 'REP',
  XMLN: 'MLN',
  ZUSD: 'USD',
  ZEUR: 'EUR',
  ZGBP: 'GBP',
  ZJPY: 'JPY',
  ZCAD: 'CAD',
  ZAUD: 'AUD',
  ZCHF: 'CHF',
};

/** The asset as the other venues name it (XXBT → BTC, ZUSD → USD); other codes stay as Kraken writes them. */
export function krakenAsset(code: string): string {
  const upper = code.toUpperCase();
  return LEGACY[upper] ?? upper;
}
