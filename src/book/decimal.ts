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
