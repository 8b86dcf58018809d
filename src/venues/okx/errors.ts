/** OKX answers `{"code":"0","msg":"","data":[…]}`; any other code is an error, often with HTTP 200. */

/** "51001 Instrument ID … doesn't exist." from an OKX error body, or null when the body is not one. */
export function okxError(json: unknown): string | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const { code, msg } = json as Record<string, unknown>;
  if (code === undefined || code === '0' || code === 0) return null;
  const text = typeof msg === 'string' && msg !== '' ? ` ${msg}` : '';
  const shown = typeof code === 'string' || typeof code === 'number' ? String(code) : JSON.stringify(code);
  return `${shown}${text}`;
}
