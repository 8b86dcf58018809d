/** The part of error handling every venue shares: its own words out of an error body. */

/** Reads a venue's JSON error body field without trusting it to be JSON. */
export function errorField(body: Buffer, fields: string[]): string | null {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (json && typeof json === 'object') {
      const parts = fields
        .map((f) => (json as Record<string, unknown>)[f])
        .filter((v) => typeof v === 'string' || typeof v === 'number');
      if (parts.length > 0) return parts.join(' ');
    }
  } catch {
    // Not JSON: fall through to a short excerpt.
  }
  const text = body.toString('utf8', 0, 200).replace(/\s+/g, ' ').trim();
  return text.length > 0 ? text : null;
}
