/** Venue times the way every venue module reads them: exact, never through float arithmetic. */

/** ms since the epoch (OKX and Bybit `ts`, a string or a number of digits) as ISO with microseconds. */
export function msToIso(ms: string | number): string | null {
  const text = String(ms);
  if (!/^\d{1,15}$/.test(text)) return null;
  const value = Number(text);
  // Last millisecond of year 9999: later times do not fit the ISO form the warehouse reads.
  if (value > 253_402_300_799_999) return null;
  return new Date(value).toISOString().replace(/Z$/, '000Z');
}
