/**
 * Formatting of the warehouse's decimal strings for people, on the strings themselves: a price
 * never passes through a float, so what the report shows is exactly PostgreSQL's
 * `round(x, n)` of the view's value, with thousands separators.
 */
import { trimDecimal } from '../util/decimal.ts';

// The view readers trim too, and report/ draws what they read: the one definition is in book/.
export { trimDecimal };

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * `value` rounded to `places` decimals, half away from zero, as PostgreSQL's `round(numeric, n)`
 * does (`round(2.345, 2)` = 2.35, `round(-2.345, 2)` = -2.35, never "-0.00"). Anything that is
 * not a plain decimal (NaN, Infinity) comes back unchanged.
 */
export function roundDecimal(value: string, places: number): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const sign = match[1] ?? '';
  const int = match[2] ?? '0';
  const frac = match[3] ?? '';
  let scaled = BigInt(int + frac.slice(0, places).padEnd(places, '0'));
  const next = frac.charCodeAt(places); // NaN past the end
  if (next >= 53 /* '5' */) scaled += 1n;
  const digits = scaled.toString().padStart(places + 1, '0');
  const cut = digits.length - places;
  const rounded = places > 0 ? `${digits.slice(0, cut)}.${digits.slice(cut)}` : digits;
  return scaled === 0n ? rounded : `${sign}${rounded}`;
}

/** "1234567.5" → "1,234,567.5": separators in the integer part only. */
export function groupThousands(value: string): string {
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) return value;
  const int = (match[2] ?? '').replace(/\B(?=(\d{3})+$)/g, ',');
  return `${match[1] ?? ''}${int}${match[3] !== undefined ? `.${match[3]}` : ''}`;
}

/** Rounded and grouped: `formatDecimal('84697.3914', 2)` → "84,697.39". */
export function formatDecimal(value: string, places: number): string {
  return groupThousands(roundDecimal(value, places));
}

/**
 * Decimals that show a price to about six significant digits, at least two: 84,697.39 ·
 * 3,200.78 · 151.234 · 0.512345 · 0.0000123456. Decided from one reference price (the mid) so
 * every price of a row has the same precision.
 */
export function priceDecimals(reference: string | null): number {
  const match = reference === null ? null : PLAIN_DECIMAL.exec(reference);
  if (!match) return 2;
  const int = (match[2] ?? '').replace(/^0+/, '');
  let magnitude = int.length;
  if (magnitude === 0) {
    const frac = match[3] ?? '';
    const zeros = frac.length - frac.replace(/^0+/, '').length;
    if (zeros === frac.length) return 2; // zero
    magnitude = -zeros;
  }
  return Math.min(12, Math.max(2, 6 - magnitude));
}

/** An order size for a column header: "$50k", "$100k", "$1M", "$2,500", "$0.5". */
export function notionalLabel(notionalUsd: string): string {
  const value = trimDecimal(notionalUsd);
  if (!/^\d+$/.test(value)) return `$${groupThousands(value)}`;
  if (value.length > 6 && value.endsWith('000000')) return `$${groupThousands(value.slice(0, -6))}M`;
  if (value.length > 3 && value.endsWith('000')) return `$${groupThousands(value.slice(0, -3))}k`;
  return `$${groupThousands(value)}`;
}

/** "2026-11-21T13:00:00.123456Z" → "2026-11-21 13:00:00" (UTC, to the second). */
export function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1] ?? ''} ${match[2] ?? ''}` : iso;
}

/** How long before `now` a snapshot was taken: "12s ago", "3m ago", "5h ago", "2d ago". */
export function formatAge(capturedAt: string, now: string): string {
  const ms = Date.parse(now) - Date.parse(capturedAt);
  if (Number.isNaN(ms)) return '';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}
