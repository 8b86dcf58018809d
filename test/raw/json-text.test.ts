import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { isJsonText } from '../../src/util/json-text.ts';
import { mulberry32, randomInt, type Random } from '../../src/simulator/random.ts';
import { BODIES, COINBASE_REAL } from './bodies.ts';

/** What the envelope used to ask: does JSON.parse accept the UTF-8 text of these bytes? */
function parses(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

const ACCEPTED = [
  '0',
  '-0',
  '1.5e+10',
  '-12.0E-3',
  '"x"',
  '""',
  'true',
  'false',
  'null',
  '[]',
  '{}',
  ' [ 1 , { "a" : [ ] , "b" : { } } ] ',
  '"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\ude00 \\ud800"',
  '{"a":1,"a":2}',
  '"é ✓ \u2028 \u2029 😀"',
  '\t\r\n{"x":[1,2.50]}\n\t',
  '1e400',
  '[[[[[[[[[[[]]]]]]]]]]]',
];

const REFUSED = [
  '',
  ' ',
  '01',
  '-',
  '+1',
  '1.',
  '.5',
  '1e',
  '1e+',
  '0x10',
  'NaN',
  'Infinity',
  'tru',
  'nul',
  'True',
  '"abc',
  '"a\nb"',
  '"\\x"',
  '"\\u12G4"',
  '"\\u12"',
  "'a'",
  '[1,]',
  '[,1]',
  '{"a":1,}',
  '{"a" 1}',
  '{a:1}',
  '{"a":}',
  '[1 2]',
  '[1]]',
  '[[1]',
  '{"a":1}}',
  '1 2',
  '{}{}',
  '\u00a0{}',
  '\u000b{}',
  '\ufeff{}',
  '{"a":1}\u0000',
];

/** A random JSON value: nesting, escapes, unicode, numbers in every shape the grammar allows. */
function randomValue(random: Random, depth: number): unknown {
  const pick = randomInt(random, 0, depth > 3 ? 4 : 6);
  switch (pick) {
    case 0:
      return randomInt(random, -1000, 1000) / (random() < 0.5 ? 1 : 8);
    case 1:
      return String.fromCodePoint(
        ...Array.from(
          { length: randomInt(random, 0, 6) },
          () => [0x22, 0x5c, 0x0a, 0x41, 0xe9, 0x2713, 0x1f600, 0x2f, 0x09][randomInt(random, 0, 8)] ?? 0x41,
        ),
      );
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return 1e21 * randomInt(random, 1, 9);
    case 5:
      return Array.from({ length: randomInt(random, 0, 4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: randomInt(random, 0, 4) }, (_, i) => [`k${i}`, randomValue(random, depth + 1)]),
      );
  }
}

const NOISE = [...Array.from('{}[]",:\\ \n0123456789-+.eEtrufalsn'), '\u0001', 'é'];

/** Deletes, inserts or replaces a few characters: mostly broken JSON, sometimes still valid. */
function mutate(random: Random, text: string): string {
  let out = text;
  for (let k = randomInt(random, 1, 3); k > 0; k--) {
    const at = randomInt(random, 0, out.length);
    const noise = NOISE[randomInt(random, 0, NOISE.length - 1)] ?? ' ';
    const op = randomInt(random, 0, 2);
    if (op === 0) out = out.slice(0, at) + out.slice(at + 1);
    else if (op === 1) out = out.slice(0, at) + noise + out.slice(at);
    else out = out.slice(0, at) + noise + out.slice(at + 1);
  }
  return out;
}

describe('isJsonText', () => {
  it.each(ACCEPTED)('accepts %j as JSON.parse does', (text) => {
    expect(parses(Buffer.from(text))).toBe(true);
    expect(isJsonText(Buffer.from(text))).toBe(true);
  });

  it.each(REFUSED)('refuses %j as JSON.parse does', (text) => {
    expect(parses(Buffer.from(text))).toBe(false);
    expect(isJsonText(Buffer.from(text))).toBe(false);
  });

  it('agrees with JSON.parse on every recorded and edge-case body of the raw store', () => {
    for (const { body } of BODIES) {
      if (isUtf8(body)) expect(isJsonText(body)).toBe(parses(body));
    }
    expect(isJsonText(COINBASE_REAL)).toBe(true);
  });

  it('agrees with JSON.parse on 20,000 random documents, most of them broken', () => {
    const random = mulberry32(20261121);
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      const text = JSON.stringify(randomValue(random, 0));
      const candidate = Buffer.from(random() < 0.8 ? mutate(random, text) : text);
      const expected = parses(candidate);
      if (expected) valid++;
      if (isJsonText(candidate) !== expected) {
        expect.fail(
          `disagrees with JSON.parse (${String(expected)}) on ${JSON.stringify(candidate.toString())}`,
        );
      }
    }
    // Both outcomes are exercised in earnest.
    expect(valid).toBeGreaterThan(4000);
    expect(valid).toBeLessThan(16_000);
  });

  it('takes any nesting depth, as V8 does', () => {
    const depth = 200_000;
    expect(isJsonText(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`))).toBe(true);
    expect(isJsonText(Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth - 1)}`))).toBe(false);
  });
});
