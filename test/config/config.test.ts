import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeSettings, loadConfig, readEnvironment } from '../../src/config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('make a working configuration from an empty environment', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.rawStoreUrl).toBe(`file://${path.resolve('./data/raw')}`);
    expect(config.markets).toEqual([
      { venue: 'coinbase', symbol: 'BTC-USD' },
      { venue: 'coinbase', symbol: 'ETH-USD' },
      { venue: 'binance', symbol: 'BTCUSDT' },
      { venue: 'binance', symbol: 'ETHUSDT' },
    ]);
    expect(config.apiUrl).toEqual({
      coinbase: 'https://api.exchange.coinbase.com',
      binance: 'https://data-api.binance.vision',
      kraken: 'https://api.kraken.com',
      okx: 'https://www.okx.com',
      bybit: 'https://api.bybit.com',
    });
    expect(config.binanceDepthLimit).toBe(5000);
    expect(config.notionalsUsd).toEqual(['50000', '100000']);
    expect(config.depthBandsBps).toEqual([10, 50, 100, 200, 500, 1000]);
    expect(config.takerFeeBps).toEqual({
      coinbase: '60',
      binance: '10',
      kraken: '40',
      okx: '10',
      bybit: '10',
    });
    expect(config.usdStablecoins).toEqual(['USDT', 'USDC', 'FDUSD']);
    expect(config.levelsWithinBps).toBe(1000);
    expect(config.slippageBpsThresholds).toEqual(['5', '10', '25', '50', '100']);
    expect(config.costCurveUsd).toHaveLength(9);
    expect(config.forecastWindow).toBe(12);
    expect(config.levelRetentionDays).toBe(30);
    expect(config.cronSchedule).toBe('0 * * * *');
    expect(config.httpTimeoutMs).toBe(10000);
    expect(config.httpRetries).toBe(5);
    expect(config.concurrency).toBe(4);
    expect(config.logLevel).toBe('info');
    expect(config.s3).toEqual({ endpoint: undefined, forcePathStyle: false, region: undefined });
  });

  it('reads every setting given', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/w',
      DATA_DIR: '/tmp/obetl',
      RAW_STORE_URL: 's3://my-bucket/lake',
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: 'eu-west-1',
      MARKETS: 'binance:SOLUSDT, coinbase:SOL-USD,binance:SOLUSDT',
      BINANCE_DEPTH_LIMIT: '100',
      NOTIONALS_USD: '1000.50,250000',
      DEPTH_BANDS_BPS: '100,10',
      TAKER_FEE_BPS: 'coinbase:40,binance:7.5',
      LEVELS_WITHIN_BPS: 'all',
      LEVEL_RETENTION_DAYS: 'all',
      CRON_SCHEDULE: '* * * * *',
      HTTP_RETRIES: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/w');
    expect(config.rawStoreUrl).toBe('s3://my-bucket/lake');
    expect(config.s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      region: 'eu-west-1',
    });
    expect(config.markets).toEqual([
      { venue: 'binance', symbol: 'SOLUSDT' },
      { venue: 'coinbase', symbol: 'SOL-USD' },
    ]);
    expect(config.notionalsUsd).toEqual(['1000.50', '250000']);
    expect(config.depthBandsBps).toEqual([10, 100]);
    // Venues outside MARKETS that the value leaves out take their default fee.
    expect(config.takerFeeBps).toEqual({
      coinbase: '40',
      binance: '7.5',
      kraken: '40',
      okx: '10',
      bybit: '10',
    });
    expect(() => loadConfig({ MARKETS: 'okx:BTC-USDT', TAKER_FEE_BPS: 'coinbase:60,binance:10' })).toThrow(
      /TAKER_FEE_BPS="coinbase:60,binance:10" is invalid \(no fee given for okx\)/,
    );
    expect(config.levelsWithinBps).toBeNull();
    expect(config.levelRetentionDays).toBeNull();
    expect(loadConfig({ LEVEL_RETENTION_DAYS: '7' }).levelRetentionDays).toBe(7);
    expect(config.levelCompactAfterDays).toBe(1);
    expect(loadConfig({ LEVEL_COMPACT_AFTER_DAYS: 'never' }).levelCompactAfterDays).toBeNull();
    expect(loadConfig({ LEVEL_COMPACT_AFTER_DAYS: '3' }).levelCompactAfterDays).toBe(3);
    expect(config.httpRetries).toBe(0);
    expect(config.metricsFile).toBeUndefined();
    expect(loadConfig({ METRICS_FILE: 'metrics/etl.prom' }).metricsFile).toBe(
      path.resolve('metrics/etl.prom'),
    );
  });

  it('takes .env values under the real environment', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'obetl-env-'));
    writeFileSync(path.join(dir, '.env'), 'CONCURRENCY=7\nLOG_LEVEL=warn\n');
    const env = readEnvironment(dir);
    expect(env.CONCURRENCY).toBe(process.env.CONCURRENCY ?? '7');
    expect(loadConfig({ ...env, LOG_LEVEL: 'error' }).logLevel).toBe('error');
  });
});

const BAD_VALUES: [string, string, RegExp][] = [
  [
    'MARKETS',
    'bitstamp:BTCUSD',
    /^MARKETS="bitstamp:BTCUSD" is invalid \(entry "bitstamp:BTCUSD": unknown venue "bitstamp" \(known venues: coinbase, binance, kraken, okx, bybit\)\): expected a comma-separated list of venue:SYMBOL/,
  ],
  ['MARKETS', 'BTC-USD', /entry "BTC-USD" is not venue:SYMBOL/],
  [
    'TAKER_FEE_BPS',
    'coinbase:60,ftx:8',
    /entry "ftx:8": unknown venue "ftx" \(known venues: coinbase, binance, kraken, okx, bybit\)/,
  ],
  [
    'MARKETS',
    'coinbase:../../etc/passwd',
    /MARKETS="coinbase:..\/..\/etc\/passwd" is invalid \(entry .*coinbase symbol must match/,
  ],
  ['MARKETS', 'binance:BTC/USDT', /binance symbol must match/],
  ['MARKETS', 'binance:btcusdt', /binance symbol must match/],
  ['MARKETS', "coinbase:BTC-USD';DROP TABLE x;--", /coinbase symbol must match/],
  ['MARKETS', 'coinbase:BTC-USD%2F..', /coinbase symbol must match/],
  ['MARKETS', 'binance:BTCUSDT:extra', /is not venue:SYMBOL/],
  ['MARKETS', ',', /MARKETS="," is invalid/],
  [
    'BINANCE_DEPTH_LIMIT',
    '5001',
    /BINANCE_DEPTH_LIMIT="5001" is invalid: expected a whole number from 1 to 5000/,
  ],
  ['BINANCE_DEPTH_LIMIT', '-5', /expected a whole number from 1 to 5000/],
  [
    'KRAKEN_API_URL',
    'api.kraken.com',
    /KRAKEN_API_URL="api.kraken.com" is invalid: expected an http\(s\) URL/,
  ],
  [
    'OKX_API_URL',
    'ftp://www.okx.com',
    /OKX_API_URL="ftp:\/\/www.okx.com" is invalid: expected an http\(s\) URL/,
  ],
  ['BYBIT_API_URL', 'not a url', /BYBIT_API_URL="not a url" is invalid: expected an http\(s\) URL/],
  ['HTTP_TIMEOUT_MS', 'ten', /HTTP_TIMEOUT_MS="ten" is invalid: expected milliseconds/],
  ['HTTP_TIMEOUT_MS', '1e4', /HTTP_TIMEOUT_MS="1e4"/],
  ['HTTP_RETRIES', '1.5', /HTTP_RETRIES="1.5" is invalid: expected a whole number from 0 to 20/],
  ['CONCURRENCY', '0', /CONCURRENCY="0" is invalid: expected a whole number from 1 to 64/],
  [
    'NOTIONALS_USD',
    '50000,-1',
    /NOTIONALS_USD="50000,-1" is invalid: expected a comma-separated list of positive USD amounts/,
  ],
  ['NOTIONALS_USD', 'NaN', /NOTIONALS_USD="NaN"/],
  ['NOTIONALS_USD', '1e6', /NOTIONALS_USD="1e6"/],
  ['DEPTH_BANDS_BPS', '10,Infinity', /DEPTH_BANDS_BPS="10,Infinity"/],
  ['TAKER_FEE_BPS', 'coinbase:60', /TAKER_FEE_BPS="coinbase:60" is invalid \(no fee given for binance\)/],
  ['TAKER_FEE_BPS', 'coinbase:x,binance:1', /entry "coinbase:x": fee must be a decimal/],
  [
    'USD_STABLECOINS',
    'usdt',
    /USD_STABLECOINS="usdt" is invalid: expected a comma-separated list of asset codes/,
  ],
  [
    'LEVELS_WITHIN_BPS',
    'some',
    /LEVELS_WITHIN_BPS="some" is invalid: expected a whole number of bps from 1, or "all"/,
  ],
  ['FORECAST_WINDOW', '1', /FORECAST_WINDOW="1" is invalid: expected a whole number from 2/],
  [
    'CRON_SCHEDULE',
    'every hour',
    /CRON_SCHEDULE="every hour" is invalid \(expected 5 or 6 fields but got 2\): expected a cron expression/,
  ],
  [
    'CRON_SCHEDULE',
    '61 * * * *',
    /^CRON_SCHEDULE="61 \* \* \* \*" is invalid \("61" is out of range for the minute field: allowed 0-59\)/,
  ],
  ['CRON_SCHEDULE', '0 24 * * *', /"24" is out of range for the hour field: allowed 0-23/],
  ['CRON_SCHEDULE', '0 0 0 * *', /"0" is out of range for the day-of-month field: allowed 1-31/],
  ['CRON_SCHEDULE', '0 0 1 13 *', /"13" is out of range for the month field: allowed 1-12/],
  ['CRON_SCHEDULE', '0 0 * * 8', /"8" is out of range for the day-of-week field: allowed 0-7/],
  ['CRON_SCHEDULE', '60 0 * * * *', /"60" is out of range for the second field: allowed 0-59/],
  ['CRON_SCHEDULE', '0 0 30 2 *', /impossible day of month/],
  [
    'LEVEL_RETENTION_DAYS',
    '0',
    /LEVEL_RETENTION_DAYS="0" is invalid: expected a whole number of days from 1, or "all"/,
  ],
  ['LEVEL_RETENTION_DAYS', '30d', /LEVEL_RETENTION_DAYS="30d"/],
  [
    'LEVEL_COMPACT_AFTER_DAYS',
    '0',
    /LEVEL_COMPACT_AFTER_DAYS="0" is invalid: expected a whole number of days from 1, or "never"/,
  ],
  ['LEVEL_COMPACT_AFTER_DAYS', 'all', /LEVEL_COMPACT_AFTER_DAYS="all"/],
  [
    'RAW_STORE_URL',
    'ftp://host/x',
    /RAW_STORE_URL="ftp:\/\/host\/x" is invalid: expected s3:\/\/bucket\/prefix or file:\/\/folder/,
  ],
  ['RAW_STORE_URL', 's3://', /RAW_STORE_URL="s3:\/\/"/],
  [
    'LAKE_URL',
    'hdfs://namenode/lake',
    /LAKE_URL="hdfs:\/\/namenode\/lake" is invalid: expected s3:\/\/bucket\/prefix or file:\/\/folder/,
  ],
  [
    'COINBASE_API_URL',
    'api.exchange.coinbase.com',
    /COINBASE_API_URL="api.exchange.coinbase.com" is invalid: expected an http\(s\) URL/,
  ],
  ['BINANCE_API_URL', 'http://user:pw@proxy', /BINANCE_API_URL=.* is invalid/],
  ['S3_FORCE_PATH_STYLE', 'yes', /S3_FORCE_PATH_STYLE="yes" is invalid: expected true or false/],
  [
    'LOG_LEVEL',
    'verbose',
    /LOG_LEVEL="verbose" is invalid: expected one of fatal, error, warn, info, debug, trace, silent/,
  ],
  [
    'DATABASE_URL',
    'mysql://root:pw@h/x',
    /DATABASE_URL="mysql:\/\/root:\*\*\*@h\/x" is invalid: expected a postgres/,
  ],
  ['AWS_REGION', 'us east 1', /AWS_REGION="us east 1" is invalid: expected an AWS region name/],
  [
    'S3_ENDPOINT',
    'not a url',
    /S3_ENDPOINT="not a url" is invalid: expected an http\(s\) URL without credentials/,
  ],
  [
    'SLIPPAGE_BPS_THRESHOLDS',
    '5,ten',
    /SLIPPAGE_BPS_THRESHOLDS="5,ten" is invalid: expected a comma-separated/,
  ],
  ['COST_CURVE_USD', '0', /COST_CURVE_USD="0" is invalid: expected a comma-separated list of positive USD/],
  ['HTTP_MAX_BYTES', '-1', /HTTP_MAX_BYTES="-1" is invalid: expected bytes/],
  ['HTTP_BACKOFF_MS', 'fast', /HTTP_BACKOFF_MS="fast" is invalid: expected milliseconds/],
  ['DATA_DIR', 'x\u0000y', /DATA_DIR=.* is invalid: expected a folder path/],
  [
    'METRICS_FILE',
    '/var/lib/node_exporter/orderbook.txt',
    /^METRICS_FILE="\/var\/lib\/node_exporter\/orderbook.txt" is invalid: expected a file path ending in \.prom/,
  ],
  [
    'METRICS_FILE',
    '/var/lib/node_exporter/.prom',
    /METRICS_FILE=.* is invalid: expected a file path ending in \.prom/,
  ],
];

describe('a bad value names the variable, the value and what is allowed', () => {
  it.each(BAD_VALUES)('%s=%j', (name, value, message) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  /** The settings of the configuration table in docs/operators.md (its first column). */
  function documentedSettings(): Set<string> {
    const guide = readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'operators.md'), 'utf8');
    return new Set(
      guide
        .split('\n')
        .filter((line) => /^\| `[A-Z][A-Z0-9_]*`/.test(line))
        .flatMap((line) =>
          [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ''),
        ),
    );
  }

  it('has a bad-value case above for every setting the operators guide documents', () => {
    const documented = documentedSettings();
    expect(documented.size).toBeGreaterThanOrEqual(20);
    const tested = new Set(BAD_VALUES.map(([name]) => name));
    expect([...documented].filter((name) => !tested.has(name))).toEqual([]);
  });

  it('the operators guide documents every setting config.ts reads', () => {
    const documented = documentedSettings();
    expect(Object.keys(describeSettings()).filter((name) => !documented.has(name))).toEqual([]);
  });

  it('reports every bad setting at once', () => {
    expect(problems({ CONCURRENCY: 'many', LOG_LEVEL: 'loud' })).toHaveLength(2);
  });

  it('never prints a database password', () => {
    const [message] = problems({ DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    expect(message).toMatch(
      /^DATABASE_URL="mysql:\/\/admin:\*\*\*@db\/x" is invalid: expected a postgres:\/\//,
    );
    expect(message).not.toContain('hunter2');
  });
});
