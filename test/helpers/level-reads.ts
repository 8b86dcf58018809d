/**
 * How many fact_level rows a derive statement reads: EXPLAIN ANALYZE of the sql/ file inside a
 * transaction that is rolled back, so what it writes (and what `before` deletes so it has work to
 * do) stays as it was.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { sqlFile } from '../../src/warehouse/sqlfiles.ts';
import type { Database } from '../../src/warehouse/schema.ts';

export async function levelRowsRead(
  db: Kysely<Database>,
  file: string,
  params: unknown[],
  before: (tx: Transaction<Database>) => Promise<unknown>,
): Promise<number> {
  let read = 0;
  const rollback = new Error('rollback');
  await db
    .transaction()
    .execute(async (tx) => {
      await before(tx);
      const { rows } = await tx.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (analyze, format json) ${sqlFile(file)}`, params),
      );
      const visit = (node: Record<string, unknown>) => {
        // fact_level's partitions (fact_level_YYYYMMDD) are scanned under their own names.
        if (/^fact_level(_\w+)?$/.test(String(node['Relation Name'])))
          read += Number(node['Actual Rows']) * Number(node['Actual Loops']);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
      };
      const [root] = rows[0]?.['QUERY PLAN'] as [{ Plan: Record<string, unknown> }];
      visit(root.Plan);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return read;
}
