import { describe, expect, it } from 'vitest';
import type { Level } from '../../src/book/index.ts';
import { LevelCopyRows } from '../../src/warehouse/level-copy.ts';

const text = (rows: LevelCopyRows, id: string) => Buffer.concat(rows.withId(id).chunks).toString('latin1');

const level = (price: string, size: string, orderCount: number | null = null): Level => ({
  price,
  size,
  orderCount,
});

describe('level COPY rows', () => {
  it('writes asks then bids, the id zero-padded, level numbers from 1, \\N for no order count', () => {
    const asks = [level('101.50', '0.25', 3), level('102', '1.000000000000000000000000000001', 12)];
    const bids = [level('100.1', '7', null), level('99', '2', 0), level('98', '1')];
    const rows = LevelCopyRows.of(asks, 2, bids, 2);
    expect(rows.rows).toBe(4);
    expect(text(rows, '202601050000000042')).toBe(
      [
        '0202601050000000042\task\t1\t101.50\t0.25\t3\n',
        '0202601050000000042\task\t2\t102\t1.000000000000000000000000000001\t12\n',
        '0202601050000000042\tbid\t1\t100.1\t7\t\\N\n',
        '0202601050000000042\tbid\t2\t99\t2\t0\n',
      ].join(''),
    );
  });

  it('spreads a deep book over chunks, every row with its id and its number', () => {
    const side = Array.from({ length: 30_000 }, (_, i) =>
      level(`${60000 + i}.${String(i % 100).padStart(2, '0')}`, '0.5', i),
    );
    const rows = LevelCopyRows.of(side, side.length, side, 12_345);
    const data = rows.withId('7');
    expect(data.chunks.length).toBeGreaterThan(1);
    const lines = Buffer.concat(data.chunks).toString('latin1').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(30_000 + 12_345);
    lines.forEach((line, n) => {
      const ask = n < 30_000;
      const i = ask ? n : n - 30_000;
      const l = side[i] as Level;
      expect(line).toBe(`0000000000000000007\t${ask ? 'ask' : 'bid'}\t${i + 1}\t${l.price}\t0.5\t${i}`);
    });
  });

  it('fills a second id into the same rows (a load tried again)', () => {
    const rows = LevelCopyRows.of([level('1', '1')], 1, [level('0.5', '2')], 1);
    expect(text(rows, '11')).toContain('0000000000000000011\task');
    expect(text(rows, '202612020000000001')).toBe(
      '0202612020000000001\task\t1\t1\t1\t\\N\n0202612020000000001\tbid\t1\t0.5\t2\t\\N\n',
    );
  });

  it('refuses what is not a positive decimal or a whole order count, and an id that is no bigint', () => {
    expect(() => LevelCopyRows.of([level('1e3', '1')], 1, [], 0)).toThrow(/level 1: price 1e3/);
    expect(() => LevelCopyRows.of([], 0, [level('1', '1'), level('2', '0')], 2)).toThrow(/level 2: .*size 0/);
    expect(() => LevelCopyRows.of([level('1', '1\t2')], 1, [], 0)).toThrow(/not a positive decimal/);
    expect(() => LevelCopyRows.of([level('1', '1', 1.5)], 1, [], 0)).toThrow(/order count is not an integer/);
    const rows = LevelCopyRows.of([level('1', '1')], 1, [], 0);
    expect(() => rows.withId('12a')).toThrow(/not a bigint/);
    expect(() => rows.withId('12345678901234567890')).toThrow(/not a bigint/);
  });
});
