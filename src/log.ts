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

const CREDENTIALS_IN_TEXT = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):[^/@\s]*@/gi;

export interface SerializedError {
  type: string;
  message: string;
  stack?: string | undefined;
  code?: string | undefined;
}

/**
 * pino's error serializer (message and stack carry the `cause` chain), kept to what helps and
 * cannot leak: type, message, stack and code. Other fields an error carries (an axios request
 * config with its headers and proxy, a pg connection's parameters) are dropped, and a URL's
 * password in any text is masked.
 */
export function serializeError(value: unknown): SerializedError | string {
  const mask = (text: string) => text.replace(CREDENTIALS_IN_TEXT, '$1$2:***@');
  if (!(value instanceof Error)) return mask(String(value));
  const std = pino.stdSerializers.err(value);
  const code = (value as { code?: unknown }).code;
  return {
    type: std.type,
    message: mask(std.message),
    stack: std.stack ? mask(std.stack) : undefined,
    code: typeof code === 'string' ? code : undefined,
  };
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
    serializers: { err: (value: unknown) => serializeError(value) },
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
