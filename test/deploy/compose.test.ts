/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine (none here, nor in CI):
 * the compose file against the Compose Specification's own JSON Schema (what `docker compose
 * config` validates; that command runs too where the compose plugin is installed), then what the
 * stack needs to work — health checks, volumes, start order, a demo profile, ETL settings that
 * config.ts accepts and that agree with the database and bucket the stack makes — and the reader
 * login's SQL run for real on PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { describeSettings, loadConfig } from '../../src/config.ts';
import { useTestDatabase } from '../helpers/db.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const text = readFileSync(COMPOSE_FILE, 'utf8');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Service {
  build?: string;
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  profiles?: string[];
  restart?: string;
}
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: object };
const services = compose.services;

/** What compose makes of `${NAME:-default}` with nothing set, and of `$$`. */
function interpolate(value: string): string {
  return value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replaceAll('$$', '$');
}

function env(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
}

/** Read by the AWS SDK's credential chain, not by config.ts. */
const AWS_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

describe('docker-compose.yml', () => {
  it('is a valid Compose file (the Compose Specification schema)', () => {
    const schema = JSON.parse(
      readFileSync(path.join(ROOT, 'test/fixtures/compose/compose-spec.json'), 'utf8'),
    ) as object;
    // The schema names draft-07 by an https URL ajv does not list; it is draft-07 all the same.
    const validate = new Ajv({ strict: false, allErrors: true, validateSchema: false }).compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ services: { x: { image: 'a', healthcheck: { interval: 5 } } } })).toBe(false);
    const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (plugin.status === 0) {
      const config = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], {
        encoding: 'utf8',
      });
      expect(config.stderr).toBe('');
      expect(config.status).toBe(0);
    }
  });

  it('has the warehouse, the raw store, the scheduler and a one-shot demo', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['bucket', 'demo', 'migrate', 'minio', 'postgres', 'reader', 'scheduler'].sort(),
    );
    expect(services.postgres?.image).toMatch(/^postgres:/);
    expect(services.minio?.image).toMatch(/minio/);
    expect(services.scheduler?.command).toEqual(['start']);
    expect(services.scheduler?.build).toBe('.');
    expect(services.demo?.command).toEqual(['demo']);
    expect(services.demo?.profiles).toEqual(['demo']);
    // The demo is embedded (PGlite, simulator): it must not wait for, or point at, the stack.
    expect(services.demo?.depends_on).toBeUndefined();
    expect(env(services.demo ?? {})).not.toHaveProperty('DATABASE_URL');
  });

  it('checks the health of every long-running service; the scheduler’s is `health`, critical → unhealthy', () => {
    for (const name of ['postgres', 'minio', 'scheduler']) {
      expect(services[name]?.healthcheck?.test?.length, name).toBeGreaterThan(0);
      expect(services[name]?.restart, name).toBe('unless-stopped');
    }
    const check = interpolate(services.scheduler?.healthcheck?.test?.join(' ') ?? '');
    expect(check).toContain('dist/cli/entry.js health --max-age 2h; [ $? -lt 2 ]');
    expect(services.postgres?.healthcheck?.test?.join(' ')).toContain('pg_isready');
  });

  it('starts in order: the scheduler after a healthy database, the bucket and the migration', () => {
    expect(services.scheduler?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      bucket: { condition: 'service_completed_successfully' },
      migrate: { condition: 'service_completed_successfully' },
    });
    expect(services.migrate?.command).toEqual(['migrate']);
    expect(services.migrate?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.bucket?.depends_on).toEqual({ minio: { condition: 'service_healthy' } });
    expect(services.reader?.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('keeps its data in named volumes', () => {
    const declared = Object.keys(compose.volumes);
    expect(declared.sort()).toEqual(['demo-data', 'etl-data', 'minio-data', 'pg-data']);
    expect(services.postgres?.volumes).toEqual(['pg-data:/var/lib/postgresql/data']);
    expect(services.minio?.volumes).toEqual(['minio-data:/data']);
    expect(services.scheduler?.volumes).toEqual(['etl-data:/data']);
    expect(services.demo?.volumes).toEqual(['demo-data:/data']);
  });

  it('gives the ETL only settings config.ts knows, valid, and pointing at the stack’s own database and bucket', () => {
    const known = describeSettings();
    for (const name of ['scheduler', 'migrate', 'demo']) {
      for (const key of Object.keys(env(services[name] ?? {})))
        expect(Object.hasOwn(known, key) || AWS_CREDENTIALS.includes(key), `${name}: ${key}`).toBe(true);
    }
    const settings = env(services.scheduler ?? {});
    const config = loadConfig(settings);
    expect(config.rawStoreUrl).toBe('s3://orderbook-raw/lake');
    expect(config.s3).toEqual({ endpoint: 'http://minio:9000', forcePathStyle: true, region: 'us-east-1' });
    expect(config.metricsFile).toBe('/data/metrics/orderbook_etl.prom');
    const db = new URL(config.databaseUrl ?? '');
    const postgres = env(services.postgres ?? {});
    expect([db.hostname, db.username, db.password, db.pathname]).toEqual([
      'postgres',
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      `/${postgres.POSTGRES_DB ?? ''}`,
    ]);
    const minio = env(services.minio ?? {});
    expect([settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY]).toEqual([
      minio.MINIO_ROOT_USER,
      minio.MINIO_ROOT_PASSWORD,
    ]);
    expect(services.bucket?.command?.join('\n')).toContain('mc mb --ignore-existing raw/orderbook-raw');
  });
});

describe('the Dockerfile', () => {
  it('runs under tini and checks its health with `health` (critical → 1: Docker reserves 2)', () => {
    expect(DOCKERFILE).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(DOCKERFILE).toMatch(
      /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "--liftoff-only", "dist\/cli\/entry\.js"\]$/m,
    );
    expect(DOCKERFILE).toMatch(
      /^HEALTHCHECK --interval=5m --timeout=30s --start-period=1m --retries=2 \\\n {2}CMD node --liftoff-only dist\/cli\/entry\.js health --max-age 2h; \[ \$\? -lt 2 \]$/m,
    );
    const metricsFile = /METRICS_FILE=(\S+)/.exec(DOCKERFILE)?.[1] ?? '';
    expect(loadConfig({ METRICS_FILE: metricsFile }).metricsFile).toBe('/data/metrics/orderbook_etl.prom');
  });
});

describe('the reader service’s SQL', () => {
  const testDb = useTestDatabase({ migrate: true });
  const login = `obetl_compose_${process.pid}`;
  afterAll(async () => {
    const cluster = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
    if (cluster) {
      const admin = new pg.Client({ connectionString: cluster });
      await admin.connect();
      await admin.query(`drop role if exists ${login}`);
      await admin.end();
    }
  });

  it('makes a login in orderbook_reader, and can run again', async () => {
    if (!testDb.databaseUrl) return; // psql and login roles are a server's; embedded PGlite has neither
    const url = new URL(testDb.databaseUrl);
    const script = interpolate(services.reader?.command?.[0] ?? '');
    const run = () =>
      spawnSync('sh', ['-ec', script], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          PGHOST: url.hostname,
          PGPORT: url.port || '5432',
          PGUSER: decodeURIComponent(url.username),
          PGDATABASE: url.pathname.slice(1),
          READER_LOGIN: login,
          READER_PASSWORD: "it's secret",
        },
      });
    for (const attempt of [run(), run()]) {
      expect(attempt.stderr.replace(/NOTICE: .*\n/g, '')).toBe('');
      expect(attempt.status).toBe(0);
    }
    const reader = new URL(testDb.databaseUrl);
    reader.username = login;
    reader.password = "it's secret";
    const client = new pg.Client({ connectionString: reader.toString() });
    await client.connect();
    try {
      await expect(client.query('select count(*) from orderbook.v_freshness')).resolves.toBeTruthy();
      await expect(client.query('select * from orderbook.etl_run')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });
});
