/**
 * Exact comparisons of decimal strings. Prices never pass through a float: two prices that
 * differ in the 17th digit must still sort apart.
 */

const DECIMAL = /^\d+(\.\d+)?$/;

/** Plain positive decimal: digits, an optional fraction, not zero. No sign, exponent, NaN or Infinity. */
export function isPositiveDecimal(value: string): boolean {
  if (!DECIMAL.test(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 49 && c <= 57) return true; // a digit 1–9 somewhere: not zero
  }
  return false;
}

/** Splits a plain decimal into an integer part without leading zeros and a fraction without trailing zeros. */
function parts(value: string): [string, string] {
  const dot = value.indexOf('.');
  let int = dot === -1 ? value : value.slice(0, dot);
  let frac = dot === -1 ? '' : value.slice(dot + 1);
  let i = 0;
  while (i < int.length - 1 && int.charCodeAt(i) === 48) i++;
  int = int.slice(i);
  let j = frac.length;
  while (j > 0 && frac.charCodeAt(j - 1) === 48) j--;
  frac = frac.slice(0, j);
  return [int, frac];
}

/** -1, 0 or 1 as a < b, a = b, a > b, for plain non-negative decimal strings ("1.50" equals "1.5"). */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const [ai, af] = parts(a);
  const [bi, bf] = parts(b);
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  if (af === bf) return 0;
  // Same-length digit strings compare like numbers; pad the shorter fraction with zeros.
  const len = Math.max(af.length, bf.length);
  const ap = af.padEnd(len, '0');
  const bp = bf.padEnd(len, '0');
  if (ap === bp) return 0;
  return ap < bp ? -1 : 1;
}

function fractionDigits(value: string): number {
  const dot = value.indexOf('.');
  return dot === -1 ? 0 : value.length - dot - 1;
}

/** A plain decimal as an integer count of 10^-scale units (scale ≥ its own fraction digits). */
function scaled(value: string, scale: number): bigint {
  const dot = value.indexOf('.');
  const int = dot === -1 ? value : value.slice(0, dot);
  const frac = dot === -1 ? '' : value.slice(dot + 1);
  return BigInt(int + frac.padEnd(scale, '0'));
}

/**
 * Whether `price` lies within `bps` of the mid of `bestBid` and `bestAsk`, on the given side:
 * bids at or above mid × (1 − bps/10000), asks at or below mid × (1 + bps/10000). Exact: both
 * sides are scaled to integers, so a level exactly on the boundary is always in.
 */
export function withinBpsOfMid(
  side: 'bids' | 'asks',
  price: string,
  bestBid: string,
  bestAsk: string,
  bps: number,
): boolean {
  const scale = Math.max(fractionDigits(price), fractionDigits(bestBid), fractionDigits(bestAsk));
  // price ⋛ (bid + ask)/2 × (10000 ∓ bps)/10000  ⇔  price × 20000 ⋛ (bid + ask) × (10000 ∓ bps)
  const lhs = scaled(price, scale) * 20000n;
  const sum = scaled(bestBid, scale) + scaled(bestAsk, scale);
  const factor = BigInt(side === 'bids' ? 10000 - bps : 10000 + bps);
  return side === 'bids' ? lhs >= sum * factor : lhs <= sum * factor;
}

/**
 * PostgreSQL bigint's top: a venue sequence or trade id past it could not be stored, so it is
 * refused at parse.
 */
export const MAX_BIGINT = 9_223_372_036_854_775_807n;
