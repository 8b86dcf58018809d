/** Kraken answers every public call `{"error":[…],"result":…}`, with HTTP 200 even when `error` is not empty. */

/** Kraken's error strings ("EQuery:Unknown asset pair"), or null when the body is not Kraken's error shape. */
export function krakenErrors(json: unknown): string[] | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const error = (json as Record<string, unknown>).error;
  if (!Array.isArray(error) || error.length === 0) return null;
  return error.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
}
