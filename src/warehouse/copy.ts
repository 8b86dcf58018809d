/**
 * `COPY … FROM STDIN` as a Kysely query, so a bulk load runs inside the same transaction as the
 * statements around it. PostgreSQL's COPY is its fastest way in (no plan, no array literal to
 * parse), but Kysely only sends text and parameters: a query whose one parameter is a CopyData
 * is recognised by the connection underneath, which streams the data instead — a pg client of
 * our own class on a server, `COPY … FROM '/dev/blob'` on embedded PGlite.
 */
import { CompiledQuery } from 'kysely';
import pg from 'pg';

/** The rows of a COPY in PostgreSQL's text format, in chunks. */
export class CopyData {
  readonly chunks: readonly Buffer[];
  constructor(chunks: readonly Buffer[]) {
    this.chunks = chunks;
  }
}

const LEVEL_COLUMNS = 'snapshot_id, side, level_no, price, size, order_count';
const COPY_LEVELS = `copy orderbook.fact_level (${LEVEL_COLUMNS}) from stdin`;

/** A snapshot's levels by COPY: rows of `snapshot_id, side, level_no, price, size, order_count`. */
export function copyLevels(data: CopyData): CompiledQuery {
  return CompiledQuery.raw(COPY_LEVELS, [data]);
}

/** The COPY a query asks for, or null when it is an ordinary query. */
export function copyRequest(sql: string, parameters: readonly unknown[] | undefined): CopyData | null {
  const data = parameters?.[0];
  if (!(data instanceof CopyData)) return null;
  if (parameters?.length !== 1 || !/^copy .+ from stdin$/s.test(sql)) {
    throw new Error('a CopyData goes alone with a `copy … from stdin` statement');
  }
  return data;
}

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** A pg Submittable: the client calls these hooks as the server answers. */
class CopyFromChunks implements pg.Submittable {
  readonly text: string;
  private readonly chunks: readonly Buffer[];
  private readonly done: { resolve: (rows: number) => void; reject: (error: Error) => void };
  private rows = 0;

  constructor(text: string, chunks: readonly Buffer[], done: CopyFromChunks['done']) {
    this.text = text;
    this.chunks = chunks;
    this.done = done;
  }

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const m = /COPY (\d+)/.exec(message.text ?? '');
    this.rows = m ? Number(m[1]) : 0;
  }

  // pg forgets a query the moment the server reports its error, so no ReadyForQuery reaches
  // it after one: settle here, or the caller waits forever.
  handleError(error: Error): void {
    this.done.reject(error);
  }

  handleReadyForQuery(): void {
    this.done.resolve(this.rows);
  }
}

/** Runs `text` (a `COPY … FROM STDIN`) on `client` with `chunks` as the data; resolves with the rows copied. */
export function copyFrom(client: pg.Client, text: string, chunks: readonly Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    client.query(
      new CopyFromChunks(text, chunks, {
        resolve,
        reject: (error) => {
          reject(lostConnection(error));
        },
      }),
    );
  });
}

/**
 * A server that ends the session while COPY data is still arriving (a restart, an operator's
 * pg_terminate_backend) closes the socket with that data unread, so the client often sees only
 * the TCP reset, never the server's own message: said as what it is, a terminated connection
 * (what pg says of a socket the server closed cleanly).
 */
function lostConnection(error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return error;
  return Object.assign(new Error(`connection terminated during COPY (${error.message})`, { cause: error }), {
    code,
  });
}

type Query = pg.Client['query'];

/**
 * The pool's client class: a query carrying CopyData becomes a COPY, answered the way Kysely
 * reads a result (its row count, as for an INSERT).
 */
export class CopyingClient extends pg.Client {
  override query: Query = ((...args: Parameters<Query>) => {
    const [text, values] = args as unknown[];
    const data = typeof text === 'string' && Array.isArray(values) ? copyRequest(text, values) : null;
    if (!data) {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      // After a COPY the server ended mid-stream, the statements that follow (the transaction's
      // rollback) fail on the reset socket too: they say the same.
      return result instanceof Promise
        ? result.catch((error: unknown) => {
            throw error instanceof Error ? lostConnection(error) : error;
          })
        : result;
    }
    // Kysely reports affected rows only for a DML command tag; a COPY FROM inserts its rows.
    return copyFrom(this, text as string, data.chunks).then((rowCount) => ({
      command: 'INSERT',
      rowCount,
      rows: [],
      fields: [],
      oid: 0,
    }));
  }) as Query;
}
