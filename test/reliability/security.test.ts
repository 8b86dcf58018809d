/**
 * Security properties a reviewer would check: no secret in any log line, the analysts' role sees
 * views only, SQL text is never built from data, and the container does not run as root.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimMarkets, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { startCli, type Child } from '../helpers/child.ts';
import { useTestWarehouse } from '../helpers/db.ts';
import { startS3rver, S3RVER_CREDENTIALS, S3RVER_REGION, type S3rver } from '../helpers/s3rver.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

const DB_PASSWORD = 'Pw-7a4f-Secret';
const PROXY_PASSWORD = 'Proxy-9c1e-Secret';
const SESSION_TOKEN = 'SessionToken-31d0-Secret';

const { testDb, warehouse } = useTestWarehouse();

describe('no secret in any log line', () => {
  let sim: Simulator;
  let s3: S3rver;
  let dataDir: string;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, markets: defaultSimMarkets(50) });
    s3 = await startS3rver();
    await s3.createBucket('lake');
    dataDir = await mkdtemp(path.join(tmpdir(), 'obetl-secrets-'));
  });
  afterAll(async () => {
    await sim.close();
    await s3.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The database URL with a password in it (trust auth accepts any password, so it connects). */
  const databaseUrl = (port?: number) => {
    const url = new URL(testDb.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/x');
    url.password = DB_PASSWORD;
    if (port) url.port = String(port);
    return url.toString();
  };

  const secretEnv = (overrides: Record<string, string> = {}) => ({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl(),
    RAW_STORE_URL: 's3://lake/raw',
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: S3RVER_REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    HTTP_PROXY: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:9`,
    HTTPS_PROXY: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:9`,
    NO_PROXY: '127.0.0.1,localhost',
    COINBASE_API_URL: sim.url,
    BINANCE_API_URL: sim.url,
    HTTP_RETRIES: '1',
    HTTP_BACKOFF_MS: '5',
    LOG_LEVEL: 'trace',
    ...overrides,
  });

  function expectNoSecret(child: Child) {
    const said = child.output();
    for (const secret of [DB_PASSWORD, PROXY_PASSWORD, SESSION_TOKEN, S3RVER_CREDENTIALS.secretAccessKey]) {
      expect(said, `a log line holds ${secret}`).not.toContain(secret);
    }
    return said;
  }

  it('a run with failures, a backfill, and a run that cannot reach its database', async (ctx) => {
    if (testDb.kind === 'pglite') ctx.skip(); // the secret under test is a server's password
    // Failures make the run log URLs, venue answers and stack-free errors.
    sim.injectFault({ venue: 'coinbase', symbol: 'ETH-USD' }, { kind: 'status', status: 500 }, 5);
    sim.injectFault({ venue: 'binance', symbol: 'ETHUSDT' }, { kind: 'html' }, 5);
    const run = startCli(['etl'], secretEnv());
    expect((await run.exited).code).toBe(2);
    const runSaid = expectNoSecret(run);
    // It did talk about the raw store, and named where its failures are kept.
    expect(runSaid).toContain('s3://lake/raw');
    expect(run.lines().filter((l) => l.msg === 'market failed')).toHaveLength(2);

    const rebuild = startCli(['backfill'], secretEnv());
    expect((await rebuild.exited).code).toBe(0);
    expectNoSecret(rebuild);

    const unreachable = startCli(['etl'], secretEnv({ DATABASE_URL: databaseUrl(9) }));
    expect((await unreachable.exited).code).toBe(1);
    const downSaid = expectNoSecret(unreachable);
    expect(downSaid).toMatch(/warehouse unreachable/);
    expect(downSaid).toContain(':***@');
  }, 90_000);

  it('a bad setting that holds a password is quoted without it', async () => {
    const child = startCli(['etl'], {
      DATABASE_URL: `mysql://root:${DB_PASSWORD}@127.0.0.1/x`,
      DATA_DIR: dataDir,
    });
    expect((await child.exited).code).toBe(1);
    expect(expectNoSecret(child)).toMatch(/DATABASE_URL="mysql:\/\/root:\*\*\*@127\.0\.0\.1\/x" is invalid/);
  });
});

describe('orderbook_reader', () => {
  it('may read every view and nothing else, and change nothing', async () => {
    const { rows } = await sql<{ name: string; kind: string; sel: boolean; write: boolean }>`
      select c.relname as name, c.relkind::text as kind,
        has_table_privilege('orderbook_reader', c.oid, 'SELECT') as sel,
        has_table_privilege('orderbook_reader', c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE') as write
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'orderbook' and c.relkind in ('r', 'p', 'v', 'm')
      order by c.relname`.execute(warehouse.db);
    const views = rows.filter((r) => r.kind === 'v');
    const tables = rows.filter((r) => r.kind !== 'v');
    const viewFiles = readdirSync(path.join(ROOT, 'sql', 'views')).filter((f) => f.endsWith('.sql'));
    expect(views.length).toBeGreaterThanOrEqual(viewFiles.length);
    expect(tables.length).toBeGreaterThanOrEqual(10);
    expect(views.filter((v) => !v.sel).map((v) => v.name)).toEqual([]);
    expect(tables.filter((t) => t.sel).map((t) => t.name)).toEqual([]);
    expect(rows.filter((r) => r.write).map((r) => r.name)).toEqual([]);
    const { rows: schema } = await sql<{ create: boolean }>`
      select has_schema_privilege('orderbook_reader', 'orderbook', 'CREATE') as create`.execute(warehouse.db);
    expect(schema[0]?.create).toBe(false);
  });
});

/** Every .ts file under src/. */
function sources(dir = path.join(ROOT, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

describe('SQL is built only through kysely or bound parameters', () => {
  /**
   * The only ways to hand PostgreSQL text of our own making are sql.raw and CompiledQuery.raw
   * (the pg and PGlite clients are reached only through kysely). Each use must pass a constant:
   * a string literal, or a module constant holding a literal or a file under sql/ — never text
   * assembled from values. Migrations and views are SQL files of this repository, rendered with
   * validated numbers only (test/warehouse/view-settings.test.ts).
   */
  const RAW_CALL = /\b(sql\.raw|CompiledQuery\.raw)\(\s*([^,)]*)/g;
  // The argument as RAW_CALL captures it: up to its first comma.
  // migrate.ts runs a migration file; views.ts a view file rendered by renderViewSql.
  const FILE_USES = new Set([
    path.join('src', 'warehouse', 'migrate.ts'),
    path.join('src', 'warehouse', 'views.ts'),
  ]);

  const DRIVER = path.join('src', 'warehouse', 'copy.ts');

  /**
   * `const NAME = sqlFile('sql/…')`, a string literal, or a template literal whose every
   * `${…}` is itself such a constant of the same module — never a value.
   */
  function isConstantSql(text: string, name: string, seen = new Set<string>()): boolean {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name) || seen.has(name)) return false;
    seen.add(name);
    const definition = new RegExp(
      `^const ${name} = (sqlFile\\('sql/[\\w/.-]+\\.sql'\\)|'[^']*'|\`[^\`]*\`);`,
      'm',
    ).exec(text);
    if (definition === null) return false;
    const parts = [...(definition[1] ?? '').matchAll(/\$\{([^}]*)\}/g)].map((m) => (m[1] ?? '').trim());
    return parts.every((part) => isConstantSql(text, part, new Set(seen)));
  }

  it('every raw SQL call in src/ passes a constant', () => {
    const uses: string[] = [];
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8');
      const relative = path.relative(ROOT, file);
      for (const match of text.matchAll(RAW_CALL)) {
        const argument = (match[2] ?? '').trim();
        uses.push(`${relative}: ${argument}`);
        if (/^'[^'$`]*'$/.test(argument) || /^`[^`$]*`$/.test(argument)) continue;
        if (FILE_USES.has(relative) && argument === 'file.sql') continue;
        expect(isConstantSql(text, argument), `${relative}: ${argument}`).toBe(true);
      }
      // No client is reached around kysely: no .query( on a pg client, no PGlite query with text.
      // copy.ts is the one driver of ours under kysely: it sends copyRequest's COPY statement
      // (checked above to be a constant) on the protocol connection, and only that.
      if (relative !== DRIVER) expect(/\.query\(/.test(text), `${relative} calls .query(`).toBe(false);
      // SQL text in a plain template literal may only interpolate vetted module constants.
      const untagged = text.replace(/\bsql(<[^`]*?>)?`[^`]*`/g, '');
      for (const literal of untagged.match(/`[^`]*`/g) ?? []) {
        if (!/\b(select|insert|update|delete)\b/i.test(literal)) continue;
        for (const [, part = ''] of literal.matchAll(/\$\{([^}]*)\}/g)) {
          expect(isConstantSql(text, part.trim()), `${relative}: \${${part}} in SQL text`).toBe(true);
        }
      }
    }
    expect(uses.length).toBeGreaterThan(5); // the scan did find the calls it vets
  });
});

describe('the container', () => {
  it('runs as the unprivileged node user, and only production files go in', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users).toEqual(['node']);
    expect(finalStage).toMatch(/npm ci --omit=dev/);
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'data', 'node_modules', '.git']));
  });
});
