/**
 * `lake export` and `lake ddl` as commands: their flags checked before anything is opened, the
 * stores checked before anything is read, the outcome turned into an exit code (commands.ts).
 */
import type { ParsedValues } from '../cli/args.ts';
import type { Config } from '../config.ts';
import { BackfillArgsError, backfillOptions, type BackfillOptions } from '../jobs/backfill.ts';
import type { Logger } from '../log.ts';
import { lakeHoldings } from '../raw/holdings.ts';
import { openRawStore, probeRawStore, type RawStore } from '../raw/index.ts';
import { DdlError, ENGINES, FORMATS, lakeDdl, type Engine, type Format } from './ddl.ts';
import { exportLake } from './export.ts';
import { LogLakeProgress, TerminalLakeProgress } from './progress.ts';

function text(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function refuse(command: string, message: string): number {
  process.stderr.write(`lake ${command}: ${message}\n`);
  return 1;
}

function ddl(values: ParsedValues, config: Config): number {
  const engine = text(values, 'engine');
  const format = text(values, 'format');
  if (engine === undefined || !(ENGINES as readonly string[]).includes(engine)) {
    return refuse('ddl', `--engine ${engine ?? '(missing)'}: give one of ${ENGINES.join(', ')}`);
  }
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    return refuse('ddl', `--format ${format}: give json or parquet (or leave it out for both)`);
  }
  try {
    process.stdout.write(
      lakeDdl(engine as Engine, format as Format | undefined, {
        rawStoreUrl: config.rawStoreUrl,
        lakeUrl: config.lakeUrl,
        markets: config.markets,
      }),
    );
  } catch (error) {
    if (error instanceof DdlError) return refuse('ddl', error.message);
    throw error;
  }
  return 0;
}

/** A store opened and probed, or null (logged) when it cannot be used. */
async function usableStore(url: string, what: string, config: Config, log: Logger): Promise<RawStore | null> {
  let store: RawStore;
  try {
    store = openRawStore(url, { ...config.s3, maxAttempts: config.httpRetries + 1 });
  } catch (error) {
    log.fatal({ err: error }, `${what} unusable: nothing exported`);
    return null;
  }
  try {
    await probeRawStore(store);
    return store;
  } catch (error) {
    log.fatal({ location: store.location, err: error }, `${what} unreachable: nothing exported`);
    await store.close();
    return null;
  }
}

async function exportCommand(values: ParsedValues, config: Config, log: Logger): Promise<number> {
  let options: BackfillOptions;
  try {
    options = backfillOptions(values);
  } catch (error) {
    if (!(error instanceof BackfillArgsError)) throw error;
    return refuse('export', error.message);
  }
  const toUrl = text(values, 'to-url') ?? config.lakeUrl;
  if (!/^(s3:\/\/|file:\/\/.)/.test(toUrl)) {
    return refuse('export', `--to-url ${toUrl}: give s3://bucket/prefix or file://folder`);
  }
  const raw = await usableStore(config.rawStoreUrl, 'raw store', config, log);
  if (!raw) return 1;
  try {
    if (options.exchange !== undefined || options.market !== undefined) {
      const holdings = await lakeHoldings(raw);
      const found = holdings.some(
        (h) =>
          (options.exchange === undefined || h.exchange === options.exchange) &&
          (options.market === undefined || h.market === options.market),
      );
      if (!found) {
        log.warn(
          { rawStore: raw.location, holds: holdings.map((h) => `${h.exchange}:${h.market}`) },
          'lake export: --exchange/--market names nothing the raw store holds: nothing done',
        );
        return 1;
      }
    }
    const lake = await usableStore(toUrl, 'lake', config, log);
    if (!lake) return 1;
    try {
      const summary = await exportLake(
        {
          config,
          log,
          raw,
          lake,
          progress: process.stderr.isTTY
            ? new TerminalLakeProgress(process.stderr)
            : new LogLakeProgress(log),
        },
        { from: options.from, to: options.to, exchange: options.exchange, market: options.market },
      );
      return summary.failed.length > 0 || summary.refused.length > 0 ? 2 : 0;
    } finally {
      await lake.close();
    }
  } finally {
    await raw.close();
  }
}

export function lakeCommand(
  sub: 'export' | 'ddl',
  values: ParsedValues,
  config: Config,
  log: Logger,
): Promise<number> {
  return sub === 'ddl' ? Promise.resolve(ddl(values, config)) : exportCommand(values, config, log);
}
