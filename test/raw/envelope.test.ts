import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, type EnvelopeMeta } from '../../src/raw/envelope.ts';
import { BINANCE_BIG_ID, BODIES } from './bodies.ts';

const META: EnvelopeMeta = {
  exchange: 'binance',
  market: 'BTCUSDT',
  url: 'https://data-api.binance.vision/api/v3/depth?symbol=BTCUSDT&limit=5000',
  requested_at: '2026-09-02T07:01:31.987Z',
  received_at: '2026-09-02T07:01:32.123Z',
  status: 200,
  run_id: '20260902T070000Z-3f9a',
  base: 'BTC',
  quote: 'USDT',
};

const HEADER_FIELDS = [
  'v',
  'exchange',
  'market',
  'url',
  'requested_at',
  'received_at',
  'status',
  'run_id',
  'base',
  'quote',
];

describe('envelope', () => {
  it.each(BODIES)('keeps $name byte-for-byte in a valid JSON envelope', async ({ body, kind }) => {
    const gz = await encodeEnvelope(META, body);
    const decoded = await decodeEnvelope(gz);
    expect(decoded.payloadKind).toBe(kind);
    expect(decoded.body.equals(body)).toBe(true);
    expect(decoded.meta).toEqual(META);
    expect(decoded.payloadText).toBe(kind === 'base64' ? null : body.toString('utf8'));

    const doc = JSON.parse(gunzipSync(gz).toString('utf8')) as Record<string, unknown>;
    const field = { json: 'payload', text: 'payload_text', base64: 'payload_base64' }[kind];
    expect(Object.keys(doc)).toEqual([...HEADER_FIELDS, field]);
    expect(doc).toMatchObject({ v: 1, ...META });
    if (kind === 'text') expect(doc[field]).toBe(body.toString('utf8'));
    if (kind === 'base64') expect(Buffer.from(doc[field] as string, 'base64').equals(body)).toBe(true);
  });

  it('splices a JSON body in verbatim: big integers and decimal strings are never re-serialized', async () => {
    const text = gunzipSync(await encodeEnvelope(META, Buffer.from(BINANCE_BIG_ID))).toString('utf8');
    expect(text.endsWith(`,"payload":${BINANCE_BIG_ID}}`)).toBe(true);
    expect(text).toContain('"lastUpdateId":1152921504606846976,');
    expect(text).toContain('["84705.63000000","5.70639000"]');
  });

  it('writes the documented header only, in order, whatever else the caller passes', async () => {
    const withExtra = { ...META, secret: 'x', market: null, base: null, quote: null } as EnvelopeMeta;
    const text = gunzipSync(await encodeEnvelope(withExtra, Buffer.from('[]'))).toString('utf8');
    expect(text).toBe(
      '{"v":1,"exchange":"binance","market":null,' +
        '"url":"https://data-api.binance.vision/api/v3/depth?symbol=BTCUSDT&limit=5000",' +
        '"requested_at":"2026-09-02T07:01:31.987Z","received_at":"2026-09-02T07:01:32.123Z","status":200,' +
        '"run_id":"20260902T070000Z-3f9a","base":null,"quote":null,"payload":[]}',
    );
  });

  it('is not fooled by header values that look like the payload separator', async () => {
    const meta = { ...META, url: 'https://x/?q=,"payload":{"a":1},\\"payload_text\\":"' };
    const body = Buffer.from('{"payload":",\\"payload\\":1"}');
    const decoded = await decodeEnvelope(await encodeEnvelope(meta, body));
    expect(decoded.meta.url).toBe(meta.url);
    expect(decoded.body.equals(body)).toBe(true);
  });

  it('round-trips a 3 MB book body exactly', async () => {
    const levels = Array.from(
      { length: 48_000 },
      (_, i) => `["${(84705.63 - i / 100).toFixed(8)}","0.00014000",1]`,
    );
    const body = Buffer.from(
      `{"bids":[${levels.join(',')}],"asks":[${levels.join(',')}],"sequence":9007199254740993}`,
    );
    expect(body.length).toBeGreaterThan(3_000_000);
    const decoded = await decodeEnvelope(await encodeEnvelope(META, body, 1));
    expect(decoded.payloadKind).toBe('json');
    expect(decoded.body.equals(body)).toBe(true);
    // 2^53 + 1: a JSON.parse/stringify round trip would have written ...992.
    expect(decoded.payloadText?.endsWith('"sequence":9007199254740993}')).toBe(true);
  });

  it('refuses meta that would make a bad envelope or key', async () => {
    const body = Buffer.from('{}');
    await expect(encodeEnvelope({ ...META, run_id: '../x' }, body)).rejects.toThrow(/run_id/);
    await expect(encodeEnvelope({ ...META, market: 'BTC/USDT' }, body)).rejects.toThrow(/market/);
    await expect(encodeEnvelope({ ...META, status: 200.5 }, body)).rejects.toThrow(/status/);
    await expect(encodeEnvelope({ ...META, received_at: 'yesterday' }, body)).rejects.toThrow(/received_at/);
    await expect(encodeEnvelope({ ...META, exchange: 'bitstamp' as 'binance' }, body)).rejects.toThrow(
      /exchange/,
    );
  });

  it('refuses objects that are not version-1 envelopes', async () => {
    const v2 = gzipSync(Buffer.from(JSON.stringify({ ...META, v: 2, payload: 1 })));
    await expect(decodeEnvelope(v2)).rejects.toThrow(/version/);
    await expect(decodeEnvelope(gzipSync(Buffer.from('{"a":1}')))).rejects.toThrow(/not a/);
    await expect(decodeEnvelope(Buffer.from('not gzip'))).rejects.toThrow();
    const badB64 = gzipSync(
      Buffer.from(`${JSON.stringify({ v: 1, ...META }).slice(0, -1)},"payload_base64":"@@@"}`),
    );
    await expect(decodeEnvelope(badB64)).rejects.toThrow(/base64/);
  });
});
