import { describe, expect, it } from 'vitest';
import { compareDecimal, isPositiveDecimal } from '../../src/book/decimal.ts';

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
