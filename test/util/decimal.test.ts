import { describe, expect, it } from 'vitest';
import { compareDecimal, isPositiveDecimal } from '../../src/util/decimal.ts';
import { mulberry32, randomInt } from '../../src/simulator/random.ts';

describe('compareDecimal', () => {
  it.each([
    ['1', '2', -1],
    ['2', '1', 1],
    ['1.5', '1.50', 0],
    ['01.5', '1.5', 0],
    ['10', '9.99999999', 1],
    ['0.1', '0.09', 1],
    ['0.10000000000000000001', '0.1', 1],
    ['84705.63000000', '84705.64', -1],
    ['100', '100.000', 0],
    ['0', '0.0', 0],
  ] as const)('%s vs %s', (a, b, expected) => {
    expect(compareDecimal(a, b)).toBe(expected);
    expect(compareDecimal(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});

describe('isPositiveDecimal', () => {
  it.each(['1', '0.00000001', '84705.63000000', '1234567890123456789012345678901234567890'])(
    'accepts %s',
    (v) => {
      expect(isPositiveDecimal(v)).toBe(true);
    },
  );
  it.each(['0', '0.0', '-1', '+1', '1e5', 'NaN', 'Infinity', '', '.5', '5.', '1.2.3', ' 1', '0x10'])(
    'refuses %j',
    (v) => {
      expect(isPositiveDecimal(v)).toBe(false);
    },
  );
});

describe('against a BigInt reference, on random decimals', () => {
  const random = mulberry32(42);
  const digits = (n: number) => Array.from({ length: n }, () => String(randomInt(random, 0, 9))).join('');
  const decimal = () => {
    const int =
      random() < 0.2
        ? '0'.repeat(randomInt(random, 1, 3)) + digits(randomInt(random, 0, 3))
        : digits(randomInt(random, 1, 6));
    return random() < 0.3 ? int : `${int}.${digits(randomInt(random, 1, 10))}`;
  };
  /** a × 10^40 as an integer: exact for up to 40 fraction digits. */
  const scaled = (v: string) => {
    const [int = '0', frac = ''] = v.split('.');
    return BigInt(int + frac.padEnd(40, '0'));
  };

  it('compareDecimal orders 20,000 pairs exactly as their scaled integers do', () => {
    for (let n = 0; n < 20_000; n++) {
      const a = decimal();
      const b = random() < 0.3 ? a + (random() < 0.5 ? '0' : '') : decimal();
      const [x, y] = [scaled(a), scaled(b)];
      const expected = x < y ? -1 : x > y ? 1 : 0;
      if (compareDecimal(a, b) !== expected) expect.fail(`compareDecimal(${a}, ${b}) should be ${expected}`);
    }
  });

  it('isPositiveDecimal agrees with /^\\d+(\\.\\d+)?$/ and not zero on 20,000 strings', () => {
    const alphabet = ['0', '1', '9', '.', '-', 'e', ' '];
    for (let n = 0; n < 20_000; n++) {
      const v = Array.from({ length: randomInt(random, 0, 6) }, () => alphabet[randomInt(random, 0, 6)]).join(
        '',
      );
      const expected = /^\d+(\.\d+)?$/.test(v) && /[1-9]/.test(v);
      if (isPositiveDecimal(v) !== expected)
        expect.fail(`isPositiveDecimal(${JSON.stringify(v)}) should be ${expected}`);
    }
  });
});
