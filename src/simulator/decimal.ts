/**
 * Exact decimal strings for market metadata (ticks, mids, increments), as bigint counts of 10^-scale:
 * nothing the simulator prints goes through a float.
 */

export interface Fixed {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export function parseDecimal(text: string): Fixed {
  const match = DECIMAL.exec(text);
  if (!match) throw new Error(`not a non-negative decimal string: ${JSON.stringify(text)}`);
  const fraction = match[2] ?? '';
  return { units: BigInt((match[1] ?? '0') + fraction), scale: fraction.length };
}

/** Re-expresses `value` with `scale` fraction digits, rounding down (exact when scale >= value.scale). */
export function rescale(value: Fixed, scale: number): bigint {
  if (scale >= value.scale) return value.units * 10n ** BigInt(scale - value.scale);
  return value.units / 10n ** BigInt(value.scale - scale);
}

/** A decimal string of a Fixed (used for metadata such as tick sizes), trimmed or padded to `digits`. */
export function fixedToString(value: Fixed, digits?: number): string {
  const text = value.units.toString().padStart(value.scale + 1, '0');
  const whole = text.slice(0, text.length - value.scale);
  let fraction = text.slice(text.length - value.scale);
  if (digits === undefined) fraction = fraction.replace(/0+$/, '');
  else fraction = fraction.padEnd(digits, '0').slice(0, digits);
  return fraction ? `${whole}.${fraction}` : whole;
}
