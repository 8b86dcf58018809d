/**
 * The four stages a run takes every raw kind through — fetch, store raw, parse, load — written
 * once. Raw is stored before anything is judged (an error response too), so whatever reached us
 * stays for backfill; each stage's failure is a StageError naming the stage, the raw kind
 * (etl_error.object) and, once it exists, the raw object. The kinds themselves are raw-kinds.ts.
 */
import { HttpError, type HttpResponse } from '../venues/index.ts';
import {
  writeAttempt,
  type EnvelopeMeta,
  type RawObject,
  type RawStore,
  type RequestKind,
} from '../raw/index.ts';

export type Stage = 'fetch' | 'store' | 'parse' | 'load';

/** A market's failure, with where in the pipeline it happened and the raw object it concerns. */
export class StageError extends Error {
  readonly stage: Stage;
  /** The raw kind whose stage failed (etl_error.object). */
  readonly object: RawObject;
  /** etl_error.kind: http_503, timeout, invalid_book…, the same whatever the object. */
  readonly kind: string;
  readonly rawKey: string | null;
  constructor(
    stage: Stage,
    object: RawObject,
    kind: string,
    message: string,
    rawKey: string | null = null,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'StageError';
    this.stage = stage;
    this.object = object;
    this.kind = kind;
    this.rawKey = rawKey;
  }

  /** The kind as logs (and v_freshness.last_error_kind) name it: a trades failure's starts with `trades_`. */
  get label(): string {
    return this.object === 'trades' ? `trades_${this.kind}` : this.kind;
  }
}

/**
 * A request cut short because the run was asked to stop: its market is abandoned, not failed.
 * Whatever responses had arrived are already in the raw store.
 */
export class StopRequested extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'StopRequested';
  }
}

/** How one raw kind words each stage's failure (etl_error.message). */
export interface StageWords {
  fetchFailed(error: HttpError): string;
  attemptNotStored(attempt: number, error: unknown): string;
  notStored(error: unknown): string;
  answered(response: HttpResponse): string;
  unreadable(response: HttpResponse, error: unknown): string;
  notLoaded(error: unknown): string;
}

/** One raw object's trip through the stages, as a raw kind sets it up for one request. */
export interface StageJob<Parsed, Loaded> {
  object: RawObject;
  words: StageWords;
  /** What the request's `_attempts/` keys are named after: book, trades or a metadata endpoint. */
  request: RequestKind;
  fetch(): Promise<HttpResponse>;
  envelope(response: HttpResponse): EnvelopeMeta;
  /** Stores the final response; returns its raw key. */
  write(meta: EnvelopeMeta, body: Buffer): Promise<string>;
  parse(text: string): Parsed;
  /**
   * etl_error.kind of a body this kind cannot read, or null when what parse threw is not the
   * body's fault (it is then rethrown, and the caller records it as unexpected).
   */
  parseFailure(error: unknown): string | null;
  /** What the caller keeps of the parsed object before it is loaded (level counts, trades). */
  parsed?(parsed: Parsed): void;
  load(parsed: Parsed, response: HttpResponse, rawKey: string): Promise<Loaded>;
}

function isOk(response: HttpResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

/**
 * Fetches, stores, parses and loads one raw object. `at.rawKey` is set as soon as the object is
 * stored, so a caller that catches an unexpected error still names it.
 */
export async function runStages<Parsed, Loaded>(
  job: StageJob<Parsed, Loaded>,
  store: RawStore,
  at: { rawKey: string | null },
): Promise<Loaded> {
  const response = await fetchStage(job, store);
  try {
    at.rawKey = await job.write(job.envelope(response), response.body);
  } catch (error) {
    // Nothing is parsed or loaded without its raw object: the warehouse must be rebuildable.
    throw new StageError('store', job.object, 'raw_store', job.words.notStored(error), null, error);
  }
  const rawKey = at.rawKey;
  if (!isOk(response)) {
    throw new StageError(
      'fetch',
      job.object,
      `http_${response.status}`,
      job.words.answered(response),
      rawKey,
    );
  }
  let parsed: Parsed;
  try {
    parsed = job.parse(response.body.toString('utf8'));
  } catch (error) {
    const kind = job.parseFailure(error);
    if (kind === null) throw error;
    throw new StageError('parse', job.object, kind, job.words.unreadable(response, error), rawKey, error);
  }
  job.parsed?.(parsed);
  try {
    return await job.load(parsed, response, rawKey);
  } catch (error) {
    throw new StageError('load', job.object, 'database', job.words.notLoaded(error), rawKey, error);
  }
}

/**
 * One request, with every response it got kept: those before the final one under `_attempts/`,
 * or all of them when it gave up (the last one's key then goes with the error, as its evidence).
 */
async function fetchStage(job: StageJob<unknown, unknown>, store: RawStore): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    response = await job.fetch();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const lastKey = await keepAttempts(job, store, error.responses);
    if (error.kind === 'aborted') throw new StopRequested(error.message, error);
    throw new StageError('fetch', job.object, error.kind, job.words.fetchFailed(error), lastKey, error);
  }
  await keepAttempts(job, store, response.earlier);
  return response;
}

/** Stores each response as a retried attempt; the key of the last, or null when there were none. */
async function keepAttempts(
  job: StageJob<unknown, unknown>,
  store: RawStore,
  responses: HttpResponse[],
): Promise<string | null> {
  let last: string | null = null;
  for (const response of responses) {
    try {
      last = await writeAttempt(
        store,
        job.request,
        { ...job.envelope(response), attempt: response.attempts },
        response.body,
      );
    } catch (error) {
      // Like the final response: a run keeps every response that reached it, or the market fails.
      throw new StageError(
        'store',
        job.object,
        'raw_store',
        job.words.attemptNotStored(response.attempts, error),
        null,
        error,
      );
    }
  }
  return last;
}
