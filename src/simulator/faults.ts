/**
 * Fault injection. A fault stands for what goes wrong between a client and an exchange that did admit
 * the request: gateway errors, stalls, cut connections, broken or wrong-shaped bodies.
 */
import { z } from 'zod';
import { VENUES } from '../markets.ts';
import { VENUE_NAMING } from '../venues/codes.ts';
import type { BookFault, Fault, FaultTarget, Reply } from './types.ts';
import type { Route } from './venue.ts';

const positiveMs = z.number().int().min(0).max(600_000);

export const faultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('status'),
    status: z.number().int().min(100).max(599),
    retryAfter: z.number().int().min(0).optional(),
    body: z.string().optional(),
  }),
  z.object({ kind: z.literal('delay'), ms: positiveMs }),
  z.object({ kind: z.literal('slowBody'), ms: positiveMs }),
  z.object({ kind: z.literal('reset') }),
  z.object({ kind: z.literal('truncate') }),
  z.object({ kind: z.literal('malformed') }),
  z.object({ kind: z.literal('html') }),
  z.object({ kind: z.literal('crossed') }),
  z.object({ kind: z.literal('empty'), side: z.enum(['bids', 'asks', 'both']).optional() }),
  z.object({ kind: z.literal('schema') }),
  z.object({
    kind: z.literal('oversize'),
    bytes: z
      .number()
      .int()
      .min(1)
      .max(1024 ** 3),
  }),
]) satisfies z.ZodType<Fault>;

export const faultTargetSchema = z.object({
  venue: z.enum(VENUES),
  endpoint: z
    .enum(['book', 'trades', ...new Set(VENUES.map((v) => VENUE_NAMING[v].metadataEndpoint))])
    .optional(),
  symbol: z.string().min(1).optional(),
}) satisfies z.ZodType<FaultTarget>;

export const timesSchema = z.number().int().min(1).default(1);

interface Queued {
  target: FaultTarget;
  fault: Fault;
  remaining: number;
}

/** Faults wait in injection order; a request takes the first whose target it matches. */
export interface FaultQueue {
  add(target: FaultTarget, fault: Fault, times: number): void;
  take(route: Route): Fault | null;
  clear(): void;
}

export function createFaultQueue(): FaultQueue {
  let queue: Queued[] = [];
  const matches = (target: FaultTarget, route: Route): boolean =>
    target.venue === route.venue &&
    (target.endpoint ?? 'book') === route.endpoint &&
    (target.symbol === undefined || target.symbol === route.symbol);
  return {
    add(target, fault, times) {
      queue.push({ target, fault, remaining: times });
    },
    take(route) {
      const index = queue.findIndex((q) => matches(q.target, route));
      const entry = queue[index];
      if (!entry) return null;
      entry.remaining--;
      if (entry.remaining === 0) queue.splice(index, 1);
      return entry.fault;
    },
    clear() {
      queue = [];
    },
  };
}

export function isBookFault(fault: Fault | null): fault is BookFault {
  return fault?.kind === 'crossed' || fault?.kind === 'empty' || fault?.kind === 'schema';
}

/** How the bytes of a reply go out on the wire. */
export type Delivery =
  | { kind: 'whole' }
  /** Headers and the first half now, the rest after `ms`. */
  | { kind: 'slow'; ms: number }
  /** Headers and the first half, then the connection is reset. */
  | { kind: 'reset' }
  /** The body followed by JSON whitespace up to `bytes` in all (still parseable if a client reads it all). */
  | { kind: 'pad'; bytes: number };

export interface Plan {
  reply: Reply;
  delivery: Delivery;
}

/**
 * Turns a fault into what is sent. `normal` builds the venue's ordinary reply (for faults that
 * mangle or stall it); `error` builds the venue's error body for a bare status fault.
 */
export function planFault(fault: Fault | null, normal: () => Reply, error: (status: number) => Reply): Plan {
  if (!fault || isBookFault(fault) || fault.kind === 'delay')
    return { reply: normal(), delivery: { kind: 'whole' } };
  switch (fault.kind) {
    case 'status': {
      const reply = fault.body === undefined ? error(fault.status) : bodyReply(fault.status, fault.body);
      reply.status = fault.status;
      if (fault.retryAfter !== undefined) reply.headers['Retry-After'] = String(fault.retryAfter);
      return { reply, delivery: { kind: 'whole' } };
    }
    case 'slowBody':
      return { reply: normal(), delivery: { kind: 'slow', ms: fault.ms } };
    case 'reset':
      return { reply: normal(), delivery: { kind: 'reset' } };
    case 'truncate': {
      const reply = normal();
      const body = Buffer.from(reply.body);
      return {
        reply: { ...reply, status: 200, body: body.subarray(0, Math.floor(body.length / 2)) },
        delivery: { kind: 'whole' },
      };
    }
    case 'malformed':
      return { reply: bodyReply(200, MALFORMED_BODY, 'application/json'), delivery: { kind: 'whole' } };
    case 'html':
      return { reply: bodyReply(200, HTML_BODY, 'text/html; charset=UTF-8'), delivery: { kind: 'whole' } };
    case 'oversize':
      return { reply: { ...normal(), status: 200 }, delivery: { kind: 'pad', bytes: fault.bytes } };
  }
}

/** A caller-supplied body: HTML if it looks like markup (a gateway page), else JSON. */
function bodyReply(status: number, body: string, contentType?: string): Reply {
  const type =
    contentType ?? (body.trimStart().startsWith('<') ? 'text/html; charset=UTF-8' : 'application/json');
  return { status, headers: { 'Content-Type': type }, body };
}

/** Looks like a book but is not JSON: Python-style NaN and a trailing comma. */
const MALFORMED_BODY = '{"bids":[["84705.63",NaN,1],],"asks":[],"sequence":}';

/** The kind of page a CDN or maintenance proxy serves in place of the API, with a 200. */
const HTML_BODY =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Service Unavailable</title></head>' +
  '<body><h1>We&#39;ll be back soon</h1><p>The service is temporarily unavailable for maintenance. ' +
  'Please try again later.</p></body></html>\n';
