/**
 * An embedded warehouse in a temp folder, migrated at the default settings, for the tools that
 * write a file from the catalog (docs/views.md, docs/schema.sql): the same PGlite build wherever
 * they run, so what they write does not depend on the server at hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { loadConfig } from '../config.ts';
import { openWarehouse } from '../warehouse/db.ts';
import { migrate } from '../warehouse/migrate.ts';
import type { Database } from '../warehouse/schema.ts';

export async function withThrowawayWarehouse<T>(
  name: string,
  read: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `obetl-${name}-`));
  try {
    const warehouse = await openWarehouse({ databaseUrl: undefined, dataDir, connectAttempts: 1 });
    try {
      await migrate(warehouse.db, undefined, loadConfig({}));
      return await read(warehouse.db);
    } finally {
      await warehouse.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
