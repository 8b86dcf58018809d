/**
 * JSON.parse that keeps integers beyond 2^53 exact (as bigint). Venue sequence numbers are
 * integers in the JSON; Binance's lastUpdateId already runs to 12 digits and only grows.
 */

interface ReviverContext {
  source?: string;
}

function keepBigIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (
    typeof value === 'number' &&
    !Number.isSafeInteger(value) &&
    context?.source &&
    /^-?\d+$/.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

function hasUnsafeInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

/**
 * Parses `text`; a second, slower pass with a reviver runs only when a top-level number lost
 * precision, so the common multi-megabyte book costs one plain JSON.parse.
 */
export function parseJsonExact(text: string): unknown {
  const fast: unknown = JSON.parse(text);
  if (fast !== null && typeof fast === 'object' && !Array.isArray(fast)) {
    if (Object.values(fast).some(hasUnsafeInteger)) return JSON.parse(text, keepBigIntegers);
  }
  return fast;
}

/**
 * Parses `text` keeping every integer beyond 2^53 exact, however deep: for arrays of records
 * (trades), where the top-level check of parseJsonExact cannot see the numbers.
 */
export function parseJsonDeepExact(text: string): unknown {
  return JSON.parse(text, keepBigIntegers);
}

/**
 * A response body's JSON by `parse`, or the error `fail` makes of why it is not JSON (what a book
 * and a trades parser both record as `not_json`).
 */
export function bodyJson(
  text: string,
  parse: (text: string) => unknown,
  fail: (why: string) => Error,
): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw fail(`body is not JSON: ${(error as Error).message}`);
  }
}
