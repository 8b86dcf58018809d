/**
 * The depth a book request asked of its venue, read back from the request URL the raw envelope
 * keeps: each venue's book format names its parameter, default and ceiling (depthLimit). Read
 * from the URL rather than from today's settings, so a backfill of an old object records the
 * depth that object was asked for.
 */

export interface DepthParameter {
  /** The query parameter holding the levels per side asked (limit, count, sz). */
  name: string;
  /** What the venue sends per side when the parameter is absent. */
  fallback: number;
  /** The most the venue sends per side, whatever is asked (it clamps or refuses past it). */
  max: number;
}

/**
 * Levels per side the request at `url` could get at most: the parameter's value, the venue's
 * default without one, never more than its ceiling. Throws when the value is not a whole number
 * of at least 1: the venue refuses such a request, so no book answered it.
 */
export function requestedDepth(url: string, parameter: DepthParameter): number {
  const raw = new URL(url).searchParams.get(parameter.name);
  if (raw === null) return parameter.fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new Error(`book request ${url}: ${parameter.name}=${raw} is not a whole number of levels from 1`);
  }
  return Math.min(Number(raw), parameter.max);
}
