/**
 * `npm run lake -- ddl --engine athena|trino|spark|duckdb [--format json|parquet]`: the statements
 * that make the raw JSON lake (RAW_STORE_URL) and the Parquet tables (LAKE_URL) queryable in
 * place by each engine. Parquet columns come from schema.ts, the raw envelope from DESIGN §4.
 * Athena gets partition projection (no crawler, no MSCK REPAIR); Trino and Spark a partition sync.
 */
import path from 'node:path';
import type { Market } from '../markets.ts';
import { VENUES } from '../markets.ts';
import { parseS3Url } from '../raw/s3.ts';
import { isDecimal, LAKE_TABLES, type ColumnType, type LakeTable } from './schema.ts';

export const ENGINES = ['athena', 'trino', 'spark', 'duckdb'] as const;
export type Engine = (typeof ENGINES)[number];
export const FORMATS = ['json', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

export interface DdlSettings {
  rawStoreUrl: string;
  lakeUrl: string;
  markets: Market[];
}

export class DdlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DdlError';
  }
}

/** Where the Athena projection's days start: before any book this ETL could have kept. */
const PROJECTION_START = '2020-01-01';
const DATABASE = 'orderbook_lake';

type T =
  | { k: 'int' | 'bigint' | 'varchar' | 'boolean' | 'timestamp' }
  | { k: 'decimal'; p: number; s: number }
  | { k: 'array'; of: T }
  | { k: 'struct'; fields: [string, T][] };

const INT: T = { k: 'int' };
const BIGINT: T = { k: 'bigint' };
const VARCHAR: T = { k: 'varchar' };
const BOOLEAN: T = { k: 'boolean' };
const LEVELS_T: T = { k: 'array', of: { k: 'array', of: VARCHAR } };

interface Column {
  name: string;
  type: T;
  comment?: string;
}

function fromLake(type: ColumnType): T {
  if (isDecimal(type)) return { k: 'decimal', p: type.precision, s: type.scale };
  return { k: type === 'integer' ? 'int' : type };
}

/** The envelope (DESIGN §4) without exchange and market, which the partitions give. */
function envelope(payload: T): Column[] {
  return [
    { name: 'v', type: INT, comment: 'Envelope version (1).' },
    { name: 'url', type: VARCHAR, comment: 'The request URL.' },
    { name: 'requested_at', type: VARCHAR, comment: 'ISO 8601 UTC.' },
    { name: 'received_at', type: VARCHAR, comment: 'ISO 8601 UTC: the snapshot time.' },
    { name: 'status', type: INT, comment: 'HTTP status of the response.' },
    { name: 'attempt', type: INT, comment: 'Attempt of the request that this response answered.' },
    { name: 'run_id', type: VARCHAR, comment: 'The run that fetched it.' },
    { name: 'base', type: VARCHAR, comment: 'Base asset.' },
    { name: 'quote', type: VARCHAR, comment: 'Quote asset.' },
    { name: 'payload', type: payload, comment: 'The response body when it is JSON.' },
    { name: 'payload_text', type: VARCHAR, comment: 'The body when it is text but not JSON.' },
    { name: 'payload_base64', type: VARCHAR, comment: 'The body when it is not UTF-8.' },
  ];
}

const BOOK_PAYLOAD: T = {
  k: 'struct',
  fields: [
    ['bids', LEVELS_T],
    ['asks', LEVELS_T],
    ['sequence', BIGINT],
    ['time', VARCHAR],
    ['lastUpdateId', BIGINT],
  ],
};

/** Coinbase and Binance trades in one shape: each fills the fields it has. */
const TRADES_PAYLOAD: T = {
  k: 'array',
  of: {
    k: 'struct',
    fields: [
      ['trade_id', VARCHAR],
      ['id', BIGINT],
      ['side', VARCHAR],
      ['price', VARCHAR],
      ['size', VARCHAR],
      ['qty', VARCHAR],
      ['time', VARCHAR],
      ['isBuyerMaker', BOOLEAN],
    ],
  },
};

interface Source {
  name: string;
  comment: string;
  /** Relative to its root, no trailing slash ('' for the root itself). */
  folder: string;
  columns: Column[];
  partitions: string[];
  root: 'raw' | 'lake';
  format: Format;
}

const RAW: Source[] = [
  {
    name: 'raw_books',
    comment: 'Every final book response as kept in the raw store, one row per response.',
    folder: '',
    columns: envelope(BOOK_PAYLOAD),
    partitions: ['exchange', 'market', 'date', 'hour'],
    root: 'raw',
    format: 'json',
  },
  {
    name: 'raw_trades',
    comment: 'Every final trades response as kept in the raw store, one row per response.',
    folder: '_trades',
    columns: envelope(TRADES_PAYLOAD),
    partitions: ['exchange', 'market', 'date', 'hour'],
    root: 'raw',
    format: 'json',
  },
];

function parquetSource(t: LakeTable): Source {
  return {
    name: t.name,
    comment: t.comment,
    folder: t.name,
    columns: t.columns.map((c) => ({ name: c.name, type: fromLake(c.type), comment: c.comment })),
    partitions: ['exchange', 'market', 'date'],
    root: 'lake',
    format: 'parquet',
  };
}

interface Dialect {
  id(name: string): string;
  type(t: T): string;
  str(text: string): string;
}

const hive: Dialect = {
  id: (n) => `\`${n}\``,
  type(t) {
    switch (t.k) {
      case 'int':
        return 'int';
      case 'varchar':
        return 'string';
      case 'decimal':
        return `decimal(${t.p},${t.s})`;
      case 'array':
        return `array<${this.type(t.of)}>`;
      case 'struct':
        return `struct<${t.fields.map(([n, f]) => `${this.id(n)}:${this.type(f)}`).join(',')}>`;
      default:
        return t.k;
    }
  },
  str: (s) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
};

const trino: Dialect = {
  id: (n) => `"${n}"`,
  type(t) {
    switch (t.k) {
      case 'int':
        return 'integer';
      case 'decimal':
        return `decimal(${t.p},${t.s})`;
      case 'array':
        return `array(${this.type(t.of)})`;
      case 'struct':
        return `row(${t.fields.map(([n, f]) => `${this.id(n)} ${this.type(f)}`).join(', ')})`;
      default:
        return t.k;
    }
  },
  str: (s) => `'${s.replaceAll("'", "''")}'`,
};

const duck: Dialect = {
  id: (n) => `"${n}"`,
  type(t) {
    switch (t.k) {
      case 'int':
        return 'INTEGER';
      case 'timestamp':
        return 'TIMESTAMPTZ';
      case 'decimal':
        return `DECIMAL(${t.p},${t.s})`;
      case 'array':
        return `${this.type(t.of)}[]`;
      case 'struct':
        return `STRUCT(${t.fields.map(([n, f]) => `${this.id(n)} ${this.type(f)}`).join(', ')})`;
      default:
        return t.k.toUpperCase();
    }
  },
  str: (s) => `'${s.replaceAll("'", "''")}'`,
};

/** The root of a store URL as the engine names it; `file://` roots are folders on this machine. */
function root(url: string, engine: Engine, setting: string): string {
  if (url.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(url);
    const scheme = engine === 'spark' ? 's3a' : 's3';
    return `${scheme}://${bucket}${prefix ? `/${prefix}` : ''}`;
  }
  const folder = url.slice('file://'.length).replace(/\/+$/, '');
  if (engine === 'athena') {
    throw new DdlError(
      `Athena reads S3 only: ${setting} is ${url}; set it to the s3://bucket/prefix the data is in`,
    );
  }
  // DuckDB runs where the files are and reads a relative folder as the ETL does; the others
  // need an absolute location.
  return engine === 'duckdb' ? folder : `file://${path.resolve(folder)}`;
}

function joinPath(base: string, folder: string): string {
  return folder ? `${base}/${folder}` : base;
}

function columnLines(d: Dialect, columns: Column[], comments: boolean): string {
  return columns
    .map(
      (c) =>
        `  ${d.id(c.name)} ${d.type(c.type)}${comments && c.comment ? ` COMMENT ${d.str(c.comment)}` : ''}`,
    )
    .join(',\n');
}

function projection(d: Dialect, source: Source, location: string, markets: string[]): string {
  const template = source.partitions.map((p) => `${p}=\${${p}}`).join('/');
  const props: [string, string][] = [
    ['projection.enabled', 'true'],
    ['projection.exchange.type', 'enum'],
    ['projection.exchange.values', VENUES.join(',')],
    ['projection.market.type', 'enum'],
    ['projection.market.values', markets.join(',')],
    ['projection.date.type', 'date'],
    ['projection.date.format', 'yyyy-MM-dd'],
    ['projection.date.range', `${PROJECTION_START},NOW`],
    ['projection.date.interval', '1'],
    ['projection.date.interval.unit', 'DAYS'],
    ...(source.partitions.includes('hour')
      ? ([
          ['projection.hour.type', 'integer'],
          ['projection.hour.range', '0,23'],
          ['projection.hour.digits', '2'],
        ] as [string, string][])
      : []),
    ['storage.location.template', `${location}/${template}/`],
  ];
  return `TBLPROPERTIES (\n${props.map(([k, v]) => `  ${d.str(k)} = ${d.str(v)}`).join(',\n')}\n)`;
}

function athenaTable(s: Source, location: string, markets: string[]): string {
  const d = hive;
  const storage =
    s.format === 'json' ? "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'" : 'STORED AS PARQUET';
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${d.id(DATABASE)}.${d.id(s.name)} (`,
    columnLines(d, s.columns, true),
    ')',
    `COMMENT ${d.str(s.comment)}`,
    `PARTITIONED BY (${s.partitions.map((p) => `${d.id(p)} string`).join(', ')})`,
    storage,
    `LOCATION ${d.str(`${location}/`)}`,
    `${projection(d, s, location, markets)};`,
  ].join('\n');
}

function trinoTable(s: Source, location: string): string {
  const d = trino;
  const partitions = s.partitions.map((p) => ({ name: p, type: VARCHAR }));
  return [
    `CREATE TABLE IF NOT EXISTS hive.${d.id(DATABASE)}.${d.id(s.name)} (`,
    columnLines(d, [...s.columns, ...partitions], true),
    ')',
    `COMMENT ${d.str(s.comment)}`,
    'WITH (',
    `  external_location = ${d.str(location)},`,
    `  format = ${d.str(s.format.toUpperCase())},`,
    `  partitioned_by = ARRAY[${s.partitions.map((p) => d.str(p)).join(', ')}]`,
    ');',
    `CALL hive.system.sync_partition_metadata(${d.str(DATABASE)}, ${d.str(s.name)}, 'FULL');`,
  ].join('\n');
}

function sparkTable(s: Source, location: string): string {
  const d = hive;
  const partitions = s.partitions.map((p) => ({ name: p, type: VARCHAR }));
  return [
    `CREATE TABLE IF NOT EXISTS ${d.id(DATABASE)}.${d.id(s.name)} (`,
    columnLines(d, [...s.columns, ...partitions], true),
    ')',
    `USING ${s.format}`,
    `PARTITIONED BY (${s.partitions.map((p) => d.id(p)).join(', ')})`,
    `COMMENT ${d.str(s.comment)}`,
    `LOCATION ${d.str(location)};`,
    `MSCK REPAIR TABLE ${d.id(DATABASE)}.${d.id(s.name)};`,
  ].join('\n');
}

function duckdbSource(s: Source, location: string): string {
  const d = duck;
  const glob = `${location}/${s.partitions.map((p) => `${p}=*`).join('/')}/*.${s.format === 'json' ? 'json.gz' : 'parquet'}`;
  const read =
    s.format === 'json'
      ? `read_json(${d.str(glob)},\n  hive_partitioning = true, filename = true, maximum_object_size = 67108864,\n  columns = {${s.columns.map((c) => `${c.name}: ${d.str(d.type(c.type))}`).join(', ')}})`
      : `read_parquet(${d.str(glob)}, hive_partitioning = true)`;
  return 'CREATE OR REPLACE VIEW ' + d.id(s.name) + ' AS\nSELECT * FROM ' + read + ';';
}

/**
 * raw_levels: the raw lake's book levels in the lake's `levels` shape, read in place; the same
 * definition for every engine, in its dialect. DuckDB's size cast takes its fast 18-digit path
 * when it can (see engine.ts), and the raw key is the object's path from `exchange=` on.
 */
const DUCKDB_RAW_LEVELS = `CREATE OR REPLACE VIEW raw_levels AS
SELECT exchange, market, "date", CAST(received_at AS TIMESTAMPTZ) AS captured_at, run_id, side,
  CAST(level_no AS INTEGER) AS level_no, CAST(level[1] AS DECIMAL(18,8)) AS price,
  coalesce(CAST(try_cast(level[2] AS DECIMAL(18,8)) AS DECIMAL(38,8)), CAST(level[2] AS DECIMAL(38,8))) AS size,
  CAST(level[3] AS INTEGER) AS order_count,
  regexp_extract(filename, '(exchange=[^/]+/market=[^/]+/date=[^/]+/hour=[^/]+/[^/]+)$', 1) AS raw_key
FROM (
  SELECT exchange, market, "date", received_at, run_id, filename, 'bid' AS side,
    unnest(payload.bids) AS level, generate_subscripts(payload.bids, 1) AS level_no
  FROM raw_books WHERE status BETWEEN 200 AND 299
  UNION ALL
  SELECT exchange, market, "date", received_at, run_id, filename, 'ask' AS side,
    unnest(payload.asks) AS level, generate_subscripts(payload.asks, 1) AS level_no
  FROM raw_books WHERE status BETWEEN 200 AND 299
);`;

const SPARK_RAW_LEVELS = `CREATE OR REPLACE VIEW \`orderbook_lake\`.\`raw_levels\` AS
SELECT \`exchange\`, \`market\`, \`date\`, to_timestamp(received_at) AS captured_at, run_id, 'bid' AS side,
  pos + 1 AS level_no, CAST(level[0] AS DECIMAL(18,8)) AS price, CAST(level[1] AS DECIMAL(38,8)) AS size,
  CAST(IF(size(level) > 2, level[2], NULL) AS INT) AS order_count
FROM \`orderbook_lake\`.\`raw_books\` LATERAL VIEW posexplode(payload.bids) l AS pos, level
WHERE status BETWEEN 200 AND 299
UNION ALL
SELECT \`exchange\`, \`market\`, \`date\`, to_timestamp(received_at) AS captured_at, run_id, 'ask' AS side,
  pos + 1 AS level_no, CAST(level[0] AS DECIMAL(18,8)) AS price, CAST(level[1] AS DECIMAL(38,8)) AS size,
  CAST(IF(size(level) > 2, level[2], NULL) AS INT) AS order_count
FROM \`orderbook_lake\`.\`raw_books\` LATERAL VIEW posexplode(payload.asks) l AS pos, level
WHERE status BETWEEN 200 AND 299;`;

/** Athena and Trino share the SQL; `{catalog}` is Trino's `hive.` and nothing for Athena. */
const PRESTO_RAW_LEVELS = `CREATE OR REPLACE VIEW {catalog}"orderbook_lake"."raw_levels" AS
SELECT b."exchange", b."market", b."date", from_iso8601_timestamp(b.received_at) AS captured_at, b.run_id, 'bid' AS side,
  CAST(t.level_no AS integer) AS level_no, CAST(t.level[1] AS decimal(18,8)) AS price, CAST(t.level[2] AS decimal(38,8)) AS size,
  CAST(element_at(t.level, 3) AS integer) AS order_count
FROM {catalog}"orderbook_lake"."raw_books" b CROSS JOIN UNNEST(b.payload.bids) WITH ORDINALITY AS t (level, level_no)
WHERE b.status BETWEEN 200 AND 299
UNION ALL
SELECT b."exchange", b."market", b."date", from_iso8601_timestamp(b.received_at) AS captured_at, b.run_id, 'ask' AS side,
  CAST(t.level_no AS integer) AS level_no, CAST(t.level[1] AS decimal(18,8)) AS price, CAST(t.level[2] AS decimal(38,8)) AS size,
  CAST(element_at(t.level, 3) AS integer) AS order_count
FROM {catalog}"orderbook_lake"."raw_books" b CROSS JOIN UNNEST(b.payload.asks) WITH ORDINALITY AS t (level, level_no)
WHERE b.status BETWEEN 200 AND 299;`;

function rawLevelsView(engine: Engine): string {
  if (engine === 'duckdb') return DUCKDB_RAW_LEVELS;
  if (engine === 'spark') return SPARK_RAW_LEVELS;
  return PRESTO_RAW_LEVELS.replaceAll('{catalog}', engine === 'trino' ? 'hive.' : '');
}

function preamble(engine: Engine, locations: string[]): string[] {
  if (engine === 'athena') return [`CREATE DATABASE IF NOT EXISTS \`${DATABASE}\`;`];
  if (engine === 'trino') return [`CREATE SCHEMA IF NOT EXISTS hive."${DATABASE}";`];
  if (engine === 'spark') return [`CREATE DATABASE IF NOT EXISTS \`${DATABASE}\`;`];
  if (!locations.some((l) => l.startsWith('s3://'))) return [];
  return [
    "-- S3 needs DuckDB's httpfs extension and credentials from the AWS default chain.",
    'INSTALL httpfs;',
    'LOAD httpfs;',
    'CREATE SECRET IF NOT EXISTS orderbook_lake (TYPE s3, PROVIDER credential_chain);',
  ];
}

export function lakeDdl(engine: Engine, format: Format | undefined, settings: DdlSettings): string {
  const formats = format ? [format] : FORMATS;
  const raw = formats.includes('json') ? root(settings.rawStoreUrl, engine, 'RAW_STORE_URL') : null;
  const lake = formats.includes('parquet') ? root(settings.lakeUrl, engine, 'LAKE_URL') : null;
  const markets = [...new Set(settings.markets.map((m) => m.symbol))];
  const sources = [...(raw ? RAW : []), ...(lake ? LAKE_TABLES.map(parquetSource) : [])];
  const blocks = sources.map((s) => {
    const location = joinPath(s.root === 'raw' ? (raw as string) : (lake as string), s.folder);
    if (engine === 'athena') return athenaTable(s, location, markets);
    if (engine === 'trino') return trinoTable(s, location);
    if (engine === 'spark') return sparkTable(s, location);
    return duckdbSource(s, location);
  });
  if (raw) blocks.splice(RAW.length, 0, rawLevelsView(engine));
  const header = [
    `-- orderbook-etl lake ddl --engine ${engine}${format ? ` --format ${format}` : ''}`,
    ...(raw ? [`-- raw JSON lake: ${settings.rawStoreUrl}`] : []),
    ...(lake ? [`-- Parquet lake: ${settings.lakeUrl}`] : []),
  ];
  const pre = preamble(
    engine,
    [raw, lake].filter((x) => x !== null),
  );
  return `${[header.join('\n'), ...(pre.length > 0 ? [pre.join('\n')] : []), ...blocks].join('\n\n')}\n`;
}
