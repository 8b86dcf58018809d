/**
 * A Kysely dialect over embedded PGlite. Kysely ships one, but it sends every statement through
 * the extended protocol, which refuses multi-statement scripts (our migrations). This one sends
 * parameterless SQL through PGlite's simple-protocol `exec`, and lends its single connection to
 * one caller at a time, so concurrent markets queue instead of interleaving transactions.
 */
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { copyRequest } from './copy.ts';

/** int8 as a decimal string, like node-postgres: sequence numbers and ids beyond 2^53 stay exact. */
export const PGLITE_PARSERS = { 20: (value: string) => value };

/**
 * How every embedded PGlite is opened. Its PostgreSQL runs inside this process, so its buffer
 * cache is our memory: PostgreSQL's default 128 MB would become resident as an hourly
 * scheduler's runs fill it. The data files stay in the OS page cache either way, so 16 MB costs
 * little: a 44,000-level load and derive measured no slower with it than with 128 MB.
 */
export const PGLITE_OPTIONS = {
  parsers: PGLITE_PARSERS,
  postgresqlconf: ['shared_buffers = 16MB'],
} satisfies PGliteOptions;

class PGliteConnection implements DatabaseConnection {
  private readonly pglite: PGlite;
  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const copy = copyRequest(compiled.sql, compiled.parameters);
    if (copy) {
      // PGlite reads COPY data from a Blob it mounts at /dev/blob.
      const result = await this.pglite.query<R>(compiled.sql.replace(/from stdin$/, "from '/dev/blob'"), [], {
        blob: new Blob(copy.chunks as Buffer[]),
      });
      return { rows: [], numAffectedRows: BigInt(result.affectedRows ?? 0) };
    }
    if (compiled.parameters.length === 0) {
      const results = await this.pglite.exec(compiled.sql, { parsers: PGLITE_PARSERS });
      const last = results.at(-1);
      return {
        rows: (last?.rows ?? []) as R[],
        numAffectedRows: last?.affectedRows !== undefined ? BigInt(last.affectedRows) : undefined,
      };
    }
    const result = await this.pglite.query<R>(compiled.sql, [...compiled.parameters], {
      parsers: PGLITE_PARSERS,
    });
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows !== undefined ? BigInt(result.affectedRows) : undefined,
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on embedded PGlite');
  }
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private readonly pglite: PGlite;
  private queue: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;

  constructor(pglite: PGlite) {
    this.pglite = pglite;
    this.connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.release = release;
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = null;
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

export class EmbeddedPGliteDialect implements Dialect {
  private readonly pglite: PGlite;
  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
