/**
 * pino JSON lines on stderr (stdout stays free for report output), pretty on a terminal.
 * Secrets never reach a line: known secret fields are redacted by path, and every string that
 * goes through `safeUrl` loses its credentials and signature parameters.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  'databaseUrl',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  '*.password',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.databaseUrl',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

const SIGNED_PARAMS =
  /^(x-amz-signature|x-amz-credential|x-amz-security-token|signature|token|apikey|api_key|key)$/i;

/** A URL fit for a log line or an error: no user:password, no signing parameters. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    for (const name of [...url.searchParams.keys()]) {
      if (SIGNED_PARAMS.test(name)) url.searchParams.set(name, '***');
    }
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/g, '//***@');
  }
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; tests pass a stream to capture them. Default: stderr (pretty on a TTY). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '***' },
    base: { app: 'orderbook-etl' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (process.stderr.isTTY) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}
