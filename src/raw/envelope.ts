/**
 * The raw object: gzip of one JSON envelope whose header we serialize and whose payload is the
 * response body spliced in verbatim. Never re-serializing the body is the point: a lastUpdateId
 * above 2^53 or a price like "84705.63000000" must come back exactly as the venue sent it, and
 * the envelope must still be one valid JSON document for DuckDB/Athena to read in place.
 */
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import { VENUES, type Venue } from '../markets.ts';
import { isJsonText } from '../util/json-text.ts';
import { MARKET_PATTERN, RUN_ID_PATTERN } from './keys.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const ENVELOPE_VERSION = 1;

export interface EnvelopeMeta {
  exchange: Venue;
  /** Native symbol; null for venue-wide metadata responses (/products, /exchangeInfo). */
  market: string | null;
  url: string;
  /** ISO 8601 UTC instants, e.g. `2026-09-02T07:01:32.123Z`. */
  requested_at: string;
  received_at: string;
  status: number;
  /**
   * Which attempt of its request this response answered (1 the first). Absent in objects written
   * before attempts were kept; a run writes it on every response.
   */
  attempt?: number | undefined;
  run_id: string;
  base: string | null;
  quote: string | null;
}

export type PayloadKind = 'json' | 'text' | 'base64';

export interface DecodedEnvelope {
  meta: EnvelopeMeta;
  payloadKind: PayloadKind;
  /** The response body exactly as received. */
  body: Buffer;
  /** The body as text for `json` and `text`; null when it was not UTF-8. */
  payloadText: string | null;
}

const metaSchema = z.object({
  exchange: z.enum(VENUES),
  market: z.string().regex(MARKET_PATTERN).nullable(),
  url: z.string(),
  requested_at: z.iso.datetime(),
  received_at: z.iso.datetime(),
  status: z.number().int().min(0).max(999),
  attempt: z.number().int().min(1).max(999).optional(),
  run_id: z.string().regex(RUN_ID_PATTERN),
  base: z.string().nullable(),
  quote: z.string().nullable(),
});

function checkMeta(meta: unknown, what: string): EnvelopeMeta {
  const r = metaSchema.safeParse(meta);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${what}: ${problems}`);
  }
  return r.data;
}

const FIELD: Record<PayloadKind, string> = {
  json: 'payload',
  text: 'payload_text',
  base64: 'payload_base64',
};
const CLOSE = Buffer.from('}');

/**
 * Which of the three envelope fields a body goes in. Splicing is only safe if the bytes are one
 * complete JSON value: a body that merely looks like JSON (truncated, HTML error page,
 * BOM-prefixed) must not break the envelope. isJsonText answers exactly as JSON.parse would,
 * without building the multi-megabyte value only to drop it.
 */
function payloadKind(body: Buffer): PayloadKind {
  if (!isUtf8(body)) return 'base64';
  return isJsonText(body) ? 'json' : 'text';
}

export async function encodeEnvelope(meta: EnvelopeMeta, body: Buffer, gzipLevel = 6): Promise<Buffer> {
  const m = checkMeta(meta, 'raw envelope meta');
  // Explicit field list, in the documented order: extra properties on `meta` never leak in.
  const header = JSON.stringify({
    v: ENVELOPE_VERSION,
    exchange: m.exchange,
    market: m.market,
    url: m.url,
    requested_at: m.requested_at,
    received_at: m.received_at,
    status: m.status,
    // Omitted, not null, when unknown: objects from before attempts were counted read the same.
    ...(m.attempt !== undefined ? { attempt: m.attempt } : {}),
    run_id: m.run_id,
    base: m.base,
    quote: m.quote,
  });
  const kind = payloadKind(body);
  const head = Buffer.from(`${header.slice(0, -1)},"${FIELD[kind]}":`, 'utf8');
  let payload: Buffer;
  if (kind === 'json') payload = body;
  // Buffer#toString keeps a leading BOM as U+FEFF, so such a body still round-trips byte-for-byte.
  else if (kind === 'text') payload = Buffer.from(JSON.stringify(body.toString('utf8')), 'utf8');
  else payload = Buffer.from(`"${body.toString('base64')}"`, 'latin1');
  return gzipAsync(Buffer.concat([head, payload, CLOSE]), { level: gzipLevel });
}

const MARK = Buffer.from(',"payload');
const SUFFIX: [Buffer, PayloadKind][] = [
  [Buffer.from('":'), 'json'],
  [Buffer.from('_text":'), 'text'],
  [Buffer.from('_base64":'), 'base64'],
];

function startsWithAt(buf: Buffer, at: number, what: Buffer): boolean {
  return buf.length >= at + what.length && buf.subarray(at, at + what.length).equals(what);
}

export async function decodeEnvelope(gz: Buffer): Promise<DecodedEnvelope> {
  const raw = await gunzipAsync(gz);
  // Header values are JSON strings, numbers or null, and inside a JSON string every `"` byte is
  // preceded by a backslash; so the first `,"payload` in the bytes is the top-level separator,
  // and the body after it is returned without ever being parsed and re-serialized.
  const sep = raw.indexOf(MARK);
  if (raw[0] !== 0x7b || sep < 0 || raw[raw.length - 1] !== 0x7d) {
    throw new Error('raw envelope: not a {"v":1,…,"payload…":…} document');
  }
  let kind: PayloadKind | undefined;
  let valueStart = 0;
  for (const [suffix, k] of SUFFIX) {
    if (startsWithAt(raw, sep + MARK.length, suffix)) {
      kind = k;
      valueStart = sep + MARK.length + suffix.length;
      break;
    }
  }
  if (kind === undefined) throw new Error('raw envelope: unknown payload field');

  let header: unknown;
  try {
    header = JSON.parse(`${raw.toString('utf8', 0, sep)}}`);
  } catch (err) {
    throw new Error('raw envelope: header is not JSON', { cause: err });
  }
  const version = (header as { v?: unknown } | null)?.v;
  if (version !== ENVELOPE_VERSION) {
    throw new Error(`raw envelope: version ${JSON.stringify(version)} is not ${ENVELOPE_VERSION}`);
  }
  const meta = checkMeta(header, 'raw envelope header');

  const value = raw.subarray(valueStart, raw.length - 1);
  if (kind === 'json') return { meta, payloadKind: kind, body: value, payloadText: value.toString('utf8') };

  let str: unknown;
  try {
    str = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new Error(`raw envelope: ${FIELD[kind]} is not a JSON string`, { cause: err });
  }
  if (typeof str !== 'string') throw new Error(`raw envelope: ${FIELD[kind]} is not a JSON string`);
  if (kind === 'text') return { meta, payloadKind: kind, body: Buffer.from(str, 'utf8'), payloadText: str };

  const body = Buffer.from(str, 'base64');
  // Buffer.from silently skips bad base64 characters; re-encoding proves nothing was dropped.
  if (body.toString('base64') !== str)
    throw new Error('raw envelope: payload_base64 is not canonical base64');
  return { meta, payloadKind: kind, body, payloadText: null };
}
