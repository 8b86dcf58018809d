/**
 * The one retrying GET every venue uses. It returns the final response whatever its status, so
 * the caller can keep it in the raw store before judging it, together with every earlier response
 * that was retried (5xx, 429, a 2xx whose body is not JSON); it throws only when no usable
 * response came back (network, timeout, size cap, a banned venue, the run asked to stop), and
 * then carries the responses that did arrive.
 */
import { isUtf8 } from 'node:buffer';
import axios, { type AxiosResponse } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../log.ts';
import { safeUrl } from '../log.ts';
import type { Venue } from '../venues/codes.ts';
import { isJsonText } from '../util/json-text.ts';
import type { RateLimiter } from './ratelimit.ts';

export interface HttpResponse {
  url: string;
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
  requestedAt: Date;
  receivedAt: Date;
  /** Which attempt this response answered (1 for the first). */
  attempts: number;
  /** Responses to the earlier attempts of the same request, retried because they were unusable. */
  earlier: HttpResponse[];
}

/** `aborted`: the run was asked to stop (SIGTERM/SIGINT) before a usable response came. */
export type HttpFailureKind = 'timeout' | 'network' | 'too_large' | 'venue_blocked' | 'aborted';

/** A request that produced no response worth keeping. Carries venue, market and a URL fit for logs. */
export class HttpError extends Error {
  readonly venue: Venue;
  readonly market: string | null;
  readonly url: string;
  readonly kind: HttpFailureKind;
  readonly attempts: number;
  /** Responses that did arrive before the request gave up, oldest first: kept like any other. */
  responses: HttpResponse[] = [];
  constructor(
    fields: { venue: Venue; market: string | null; url: string; kind: HttpFailureKind; attempts: number },
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'HttpError';
    this.venue = fields.venue;
    this.market = fields.market;
    this.url = fields.url;
    this.kind = fields.kind;
    this.attempts = fields.attempts;
  }
}

/** Retry-After longer than this is not waited out: the venue is left alone for the rest of the run. */
export const MAX_RETRY_AFTER_MS = 120_000;

export interface VenueHttpOptions {
  venue: Venue;
  limiter: RateLimiter;
  userAgent: string;
  timeoutMs: number;
  retries: number;
  maxBytes: number;
  /** First backoff delay; later ones double, with jitter, up to 30 s. */
  backoffMs: number;
  log: Logger;
  /** Aborted when the run must stop: every wait (backoff, Retry-After, limiter, request) ends at once. */
  signal?: AbortSignal | undefined;
  /**
   * Told of every attempt sent: its HTTP status, or how it failed without one (timeout,
   * network, too_large, aborted). The run's metrics count requests with it.
   */
  onAttempt?: ((venue: Venue, outcome: string) => void) | undefined;
}

export interface GetRequest {
  url: string;
  market: string | null;
  /** Rate-limit weight of this request (Binance weights; 1 elsewhere). */
  weight?: number;
}

class RetryableStatus extends Error {
  readonly response: HttpResponse;
  readonly retryAfterMs: number | null;
  constructor(response: HttpResponse, retryAfterMs: number | null, why = `HTTP ${response.status}`) {
    super(why);
    this.response = response;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isJsonBody(body: Buffer): boolean {
  return isUtf8(body) && isJsonText(body);
}

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (typeof value === 'number') out[name.toLowerCase()] = String(value);
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(', ');
  }
  return out;
}

/**
 * One venue's HTTP for one run: its limiter, and the run-long memory that the venue has banned
 * us (418) or asked us to stay away longer than a run can wait.
 */
export class VenueHttp {
  private readonly options: VenueHttpOptions;
  private blockedBecause: string | null = null;

  constructor(options: VenueHttpOptions) {
    this.options = options;
  }

  get venue(): Venue {
    return this.options.venue;
  }

  /** Why the venue is not being asked any more in this run, or null. */
  get blocked(): string | null {
    return this.blockedBecause;
  }

  async get(request: GetRequest): Promise<HttpResponse> {
    const { venue, retries, backoffMs, log, signal } = this.options;
    const url = safeUrl(request.url);
    const context = { venue, market: request.market, url };
    let attempts = 0;
    // Every response that arrived, in order: the caller keeps each one, not only the last.
    const arrived: HttpResponse[] = [];
    const withArrived = (error: HttpError): HttpError => {
      error.responses = arrived;
      return error;
    };
    try {
      const response = await pRetry(
        async () => {
          if (this.blockedBecause) {
            throw new AbortError(
              new HttpError(
                { ...context, kind: 'venue_blocked', attempts },
                `${venue} not asked: ${this.blockedBecause}`,
              ),
            );
          }
          attempts++;
          return this.attempt(request, attempts, arrived);
        },
        {
          retries,
          minTimeout: backoffMs,
          maxTimeout: 30_000,
          factor: 2,
          randomize: true,
          ...(signal ? { signal } : {}),
          onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
            const status = error instanceof RetryableStatus ? error.response.status : null;
            const retryAfterMs = error instanceof RetryableStatus ? error.retryAfterMs : null;
            if (retryAfterMs !== null) this.options.limiter.pauseFor(retryAfterMs);
            log.warn(
              {
                ...context,
                attempt: attemptNumber,
                retriesLeft,
                status,
                retryAfterMs,
                delayMs: retryDelay,
                err: error,
              },
              retriesLeft > 0 ? 'request failed, retrying' : 'request failed, no retries left',
            );
          },
        },
      );
      return { ...response, earlier: arrived.filter((r) => r !== response) };
    } catch (error) {
      if (signal?.aborted) {
        throw withArrived(
          new HttpError(
            { ...context, kind: 'aborted', attempts },
            `${venue} GET ${url}: stopped (shutting down) after ${attempts} attempt(s)`,
            error,
          ),
        );
      }
      if (error instanceof RetryableStatus) {
        return { ...error.response, earlier: arrived.filter((r) => r !== error.response) };
      }
      if (error instanceof HttpError) throw withArrived(error);
      throw withArrived(
        new HttpError(
          { ...context, kind: 'network', attempts },
          `${venue} GET ${url}: ${String(error)}`,
          error,
        ),
      );
    }
  }

  private async attempt(
    request: GetRequest,
    attempt: number,
    arrived: HttpResponse[],
  ): Promise<HttpResponse> {
    const { venue, limiter, userAgent, timeoutMs, maxBytes, signal } = this.options;
    const url = safeUrl(request.url);
    const context = { venue, market: request.market, url };
    await limiter.acquire(request.weight ?? 1, signal);
    const requestedAt = new Date();
    let raw: AxiosResponse<ArrayBuffer>;
    try {
      raw = await axios.get<ArrayBuffer>(request.url, {
        responseType: 'arraybuffer',
        // `timeout` in Node is only socket inactivity; the signal bounds the whole attempt, slow bodies included.
        timeout: timeoutMs,
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
        maxContentLength: maxBytes,
        maxRedirects: 3,
        validateStatus: () => true,
        headers: { 'User-Agent': userAgent, Accept: 'application/json' },
      });
    } catch (error) {
      const failure = this.classify(error, context, attempt, timeoutMs, maxBytes);
      const cause = failure instanceof AbortError ? failure.originalError : failure;
      const kind = cause instanceof HttpError ? cause.kind : 'network';
      this.options.onAttempt?.(venue, signal?.aborted ? 'aborted' : kind);
      throw failure;
    }
    const response: HttpResponse = {
      url,
      status: raw.status,
      headers: flattenHeaders(raw.headers),
      body: Buffer.from(raw.data),
      requestedAt,
      receivedAt: new Date(),
      attempts: attempt,
      earlier: [],
    };
    arrived.push(response);
    this.options.onAttempt?.(venue, String(response.status));
    limiter.observe(response.headers);
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);

    if (response.status === 418) {
      // An IP ban: every further request would lengthen it.
      this.blockedBecause = `HTTP 418 IP ban${retryAfterMs !== null ? ` for ${Math.round(retryAfterMs / 1000)} s` : ''}`;
      return response;
    }
    if (response.status === 429 && retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS) {
      this.blockedBecause = `HTTP 429 with Retry-After ${Math.round(retryAfterMs / 1000)} s, longer than a run waits`;
      return response;
    }
    if (response.status === 429 || response.status >= 500) throw new RetryableStatus(response, retryAfterMs);
    if (response.status >= 200 && response.status < 300 && !isJsonBody(response.body)) {
      // A proxy's HTML page or a body cut short: the venue itself most likely answers the next ask.
      throw new RetryableStatus(response, null, `HTTP ${response.status} with a body that is not JSON`);
    }
    return response;
  }

  private classify(
    error: unknown,
    context: { venue: Venue; market: string | null; url: string },
    attempts: number,
    timeoutMs: number,
    maxBytes: number,
  ): Error {
    const message = error instanceof Error ? error.message : String(error);
    const code = axios.isAxiosError(error) ? error.code : undefined;
    const label = `${context.venue}${context.market ? ` ${context.market}` : ''} GET ${context.url}`;
    if (/maxContentLength/i.test(message)) {
      // Asking again brings the same oversized body.
      return new AbortError(
        new HttpError(
          { ...context, kind: 'too_large', attempts },
          `${label}: body larger than ${maxBytes} bytes`,
          error,
        ),
      );
    }
    if (code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
      return new HttpError(
        { ...context, kind: 'timeout', attempts },
        `${label}: no complete response in ${timeoutMs} ms`,
        error,
      );
    }
    return new HttpError(
      { ...context, kind: 'network', attempts },
      `${label}: ${code ?? ''} ${message}`.trim(),
      error,
    );
  }
}
