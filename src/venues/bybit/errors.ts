/** Bybit v5 answers `{"retCode":0,"retMsg":"OK","result":…}`; any other retCode is an error, with HTTP 200. */

/** "10001 Not supported symbols" from a Bybit error body, or null when the body is not one. */
export function bybitError(json: unknown): string | null {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const { retCode, retMsg } = json as Record<string, unknown>;
  if (retCode === undefined || retCode === 0) return null;
  const text = typeof retMsg === 'string' && retMsg !== '' ? ` ${retMsg}` : '';
  const shown =
    typeof retCode === 'string' || typeof retCode === 'number' ? String(retCode) : JSON.stringify(retCode);
  return `${shown}${text}`;
}
