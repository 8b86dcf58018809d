/** Response bodies the raw store must keep byte-for-byte, shared by the envelope and store suites. */
import { readFileSync } from 'node:fs';
import type { PayloadKind } from '../../src/raw/envelope.ts';

/** Compact, as Binance sends it; lastUpdateId is 2^60, far past Number.MAX_SAFE_INTEGER. */
export const BINANCE_BIG_ID =
  '{"lastUpdateId":1152921504606846976,"bids":[["84705.63000000","5.70639000"],["84705.62000000","0.00014000"]],' +
  '"asks":[["84705.64000000","0.53003000"],["84705.65000000","0.00021000"]]}';

export const COINBASE_REAL = readFileSync(
  new URL('../fixtures/coinbase-book-l2-BTC-USD-senken.json', import.meta.url),
);

export interface BodyCase {
  name: string;
  body: Buffer;
  kind: PayloadKind;
}

export const BODIES: BodyCase[] = [
  { name: 'compact Binance depth with a 2^60 lastUpdateId', body: Buffer.from(BINANCE_BIG_ID), kind: 'json' },
  { name: 'real Coinbase level-2 book (recorded)', body: COINBASE_REAL, kind: 'json' },
  {
    name: 'HTML error page',
    body: Buffer.from(
      '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\r\n<body>"quoted" \\ é ✓</body></html>\n',
    ),
    kind: 'text',
  },
  { name: 'truncated JSON', body: Buffer.from(BINANCE_BIG_ID.slice(0, 60)), kind: 'text' },
  { name: 'empty body', body: Buffer.alloc(0), kind: 'text' },
  {
    name: 'JSON behind a UTF-8 BOM (not JSON to a strict parser)',
    body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]),
    kind: 'text',
  },
  { name: 'JSON with surrounding whitespace', body: Buffer.from(' \r\n{"x":[1,2.50]}\n\t'), kind: 'json' },
  {
    name: 'invalid UTF-8 bytes',
    body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0x7d, 0x80]),
    kind: 'base64',
  },
];
