/**
 * Exact decimal work for the lake: whether a venue's decimal string fits a column's DECIMAL(p, s)
 * without rounding, and the few divisions top of book needs, done in integers the way
 * PostgreSQL's numeric does them so the lake's values equal the warehouse's digit for digit.
 */
import type { DecimalType } from './schema.ts';

/** Integer and fraction digits of a plain non-negative decimal, without leading or trailing zeros. */
function digits(value: string): { integer: number; fraction: number } {
  const dot = value.indexOf('.');
  const end = dot === -1 ? value.length : dot;
  let first = 0;
  while (first < end && value.charCodeAt(first) === 48) first++;
  let last = value.length;
  if (dot !== -1) while (last > dot + 1 && value.charCodeAt(last - 1) === 48) last--;
  return { integer: end - first, fraction: dot === -1 ? 0 : last - dot - 1 };
}

/**
 * Why `value` (a plain non-negative decimal, as the parsers accept) cannot be stored exactly as
 * DECIMAL(p, s), or null when it can. Trailing zeros past the scale are not a loss.
 */
export function misfit(value: string, type: DecimalType): string | null {
  const { integer, fraction } = digits(value);
  const room = type.precision - type.scale;
  if (integer > room) {
    return `${JSON.stringify(value)} has ${integer} integer digits; DECIMAL(${type.precision},${type.scale}) holds ${room}`;
  }
  if (fraction > type.scale) {
    return `${JSON.stringify(value)} has ${fraction} decimals; DECIMAL(${type.precision},${type.scale}) keeps ${type.scale}`;
  }
  return null;
}

/** A decimal as an integer count of 10^-scale, with scale = the digits written after the point. */
export interface Scaled {
  units: bigint;
  scale: number;
}

export function scaled(value: string): Scaled {
  const dot = value.indexOf('.');
  if (dot === -1) return { units: BigInt(value), scale: 0 };
  return { units: BigInt(value.slice(0, dot) + value.slice(dot + 1)), scale: value.length - dot - 1 };
}

export function rescale(x: Scaled, scale: number): bigint {
  if (scale < x.scale) throw new Error(`rescale: ${scale} is below the value's scale ${x.scale}`);
  return x.units * 10n ** BigInt(scale - x.scale);
}

export function format(units: bigint, scale: number): string {
  if (units < 0n) throw new Error('format: negative values do not occur in a book');
  const text = units.toString().padStart(scale + 1, '0');
  return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

/** num / den rounded half away from zero (both positive), as PostgreSQL's numeric rounds. */
export function roundedDiv(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/**
 * The scale PostgreSQL gives `x / 2` for a numeric x (select_div_scale in numeric.c): at least 16
 * significant digits, and never fewer decimals than x has. For x past 10^8 that is x's own scale,
 * so an odd last digit is rounded away: fact_top's mid does this, and so must the lake's.
 */
function halfScale(x: Scaled): number {
  const NBASE_DIGITS = 4;
  const text = x.units.toString().padStart(x.scale + 1, '0');
  const integer = text.slice(0, text.length - x.scale).replace(/^0+/, '');
  let weight: number;
  let firstDigit: number;
  if (integer !== '') {
    weight = Math.floor((integer.length - 1) / NBASE_DIGITS);
    firstDigit = Number(integer.slice(0, integer.length - weight * NBASE_DIGITS));
  } else {
    const fraction = text.slice(text.length - x.scale);
    const padded = fraction.padEnd(Math.ceil(fraction.length / NBASE_DIGITS) * NBASE_DIGITS, '0');
    const group = Math.floor(padded.search(/[1-9]/) / NBASE_DIGITS);
    weight = -(group + 1);
    firstDigit = Number(padded.slice(group * NBASE_DIGITS, (group + 1) * NBASE_DIGITS));
  }
  // The divisor 2 has weight 0 and first digit 2: when x's first digit is not larger, the
  // quotient's weight is one less.
  const quotientWeight = weight - (firstDigit <= 2 ? 1 : 0);
  return Math.min(1000, Math.max(16 - quotientWeight * NBASE_DIGITS, x.scale, 0));
}

/** x / 2 exactly as PostgreSQL's numeric division gives it. */
export function pgHalf(x: Scaled): Scaled {
  const scale = halfScale(x);
  return { units: roundedDiv(rescale(x, scale), 2n), scale };
}
