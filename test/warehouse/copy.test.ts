/**
 * COPY … FROM STDIN through Kysely (src/warehouse/copy.ts), on whichever warehouse the suite
 * runs against: rows arrive exactly, inside the caller's transaction, and a bad row fails the
 * statement with the server's reason and leaves nothing behind.
 */
import { CompiledQuery, sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { CopyData, copyRequest } from '../../src/warehouse/copy.ts';
import { useTestWarehouse } from '../helpers/db.ts';

const { warehouse } = useTestWarehouse({ migrate: false });

beforeAll(async () => {
  await sql`create table copied (n bigint, price numeric, note text)`.execute(warehouse.db);
});

const copyFromStdin = (data: CopyData) =>
  CompiledQuery.raw('copy copied (n, price, note) from stdin', [data]);
const data = (...lines: string[]) => new CopyData(lines.map((l) => Buffer.from(l, 'latin1')));

async function rows() {
  const result = await sql<{ n: string; price: string; note: string | null }>`
    select n::text, price::text, note from copied order by n`.execute(warehouse.db);
  return result.rows;
}

describe('COPY through Kysely', () => {
  it('copies every row exactly, across chunk boundaries, and reports the count', async () => {
    // A row split across two chunks: COPY data is a stream, chunk edges mean nothing.
    const result = await warehouse.db.executeQuery(
      copyFromStdin(
        data('9223372036854775807\t0.0000000000000000000000000000000000000001\ta\n2\t12', '345.678\t\\N\n'),
      ),
    );
    expect(result.numAffectedRows).toBe(2n);
    expect(await rows()).toEqual([
      { n: '2', price: '12345.678', note: null },
      { n: '9223372036854775807', price: '0.0000000000000000000000000000000000000001', note: 'a' },
    ]);
  });

  it('runs inside the caller transaction: a later failure rolls the copied rows back', async () => {
    await sql`truncate copied`.execute(warehouse.db);
    await expect(
      warehouse.db.transaction().execute(async (tx) => {
        await tx.executeQuery(copyFromStdin(data('1\t1\tkept?\n')));
        expect(
          (await sql<{ n: string }>`select count(*)::text as n from copied`.execute(tx)).rows[0]?.n,
        ).toBe('1');
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await rows()).toEqual([]);
  });

  it('a malformed row fails with the server reason, and the connection stays usable', async () => {
    await expect(
      warehouse.db.executeQuery(copyFromStdin(data('1\t1\ta\n', '2\tnot-a-number\tb\n'))),
    ).rejects.toThrow(/invalid input syntax for type numeric/);
    expect(await rows()).toEqual([]);
    const after = await sql<{ one: number }>`select 1 as one`.execute(warehouse.db);
    expect(after.rows).toEqual([{ one: 1 }]);
  });

  it('CopyData goes only with a COPY FROM STDIN statement, alone', async () => {
    expect(copyRequest('select 1', [])).toBeNull();
    expect(copyRequest('select $1', ['x'])).toBeNull();
    expect(() => copyRequest('insert into copied values ($1)', [data('1\n')])).toThrow(/copy … from stdin/);
    expect(() => copyRequest('copy copied from stdin', [data('1\n'), 2])).toThrow(/alone/);
    await expect(() =>
      warehouse.db.executeQuery(CompiledQuery.raw('select $1', [data('1\n')])),
    ).rejects.toThrow(/copy … from stdin/);
  });
});
