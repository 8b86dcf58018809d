/**
 * Exact comparisons of decimal strings. Prices never pass through a float: two prices that
 * differ in the 17th digit must still sort apart.
 */

/** Plain positive decimal: digits, an optional fraction, not zero. No sign, exponent, NaN or Infinity. */
export function isPositiveDecimal(value: string): boolean {
  // One pass, no regex: a book checks this for every price and size of tens of thousands of levels.
  const n = value.length;
  let i = 0;
  let nonZero = false;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (c !== 48) nonZero = true;
    i++;
  }
  if (i === 0) return false;
  if (i < n) {
    if (value.charCodeAt(i) !== 46 || i === n - 1) return false;
    for (i++; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      if (c !== 48) nonZero = true;
    }
  }
  return nonZero;
}

/**
 * -1, 0 or 1 as a < b, a = b, a > b, for plain non-negative decimal strings ("1.50" equals "1.5").
 * Compares digit by digit in place: no slices or padded copies per call.
 */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let aDot = a.indexOf('.');
  if (aDot === -1) aDot = a.length;
  let bDot = b.indexOf('.');
  if (bDot === -1) bDot = b.length;
  // Integer parts without leading zeros (keeping one digit): the longer one is larger.
  let ai = 0;
  while (ai < aDot - 1 && a.charCodeAt(ai) === 48) ai++;
  let bi = 0;
  while (bi < bDot - 1 && b.charCodeAt(bi) === 48) bi++;
  if (aDot - ai !== bDot - bi) return aDot - ai < bDot - bi ? -1 : 1;
  for (; ai < aDot; ai++, bi++) {
    const ca = a.charCodeAt(ai);
    const cb = b.charCodeAt(bi);
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  // Fractions digit by digit, a missing digit counting as 0.
  const aLen = a.length - aDot - 1;
  const bLen = b.length - bDot - 1;
  const len = Math.max(aLen, bLen);
  for (let k = 0; k < len; k++) {
    const ca = k < aLen ? a.charCodeAt(aDot + 1 + k) : 48;
    const cb = k < bLen ? b.charCodeAt(bDot + 1 + k) : 48;
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return 0;
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

/** Without insignificant zeros: "50000.00" → "50000", "0.50" → "0.5". */
export function trimDecimal(value: string): string {
  if (!/^-?\d+(?:\.\d+)?$/.test(value) || !value.includes('.')) return value;
  return value.replace(/0+$/, '').replace(/\.$/, '');
}
