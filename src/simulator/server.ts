/**
 * The HTTP server: every venue's half (src/venues/<venue>/simulator.ts) on one port, each
 * answering the paths it claims (Coinbase's at the root, Binance's under /api/), control under
 * /__sim/.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allVenues } from '../venues/registry.ts';
import { CONTROL_PREFIX, handleControl } from './control.ts';
import { allSimMarkets, createBookGenerator, createTradeTape } from './generators.ts';
import {
  createFaultQueue,
  faultSchema,
  faultTargetSchema,
  isBookFault,
  planFault,
  timesSchema,
  type Delivery,
} from './faults.ts';
import type { Fault, FaultTarget, Reply, RequestRecord, Simulator, SimulatorOptions } from './types.ts';
import type { MarketRuntime, Route, VenueApi } from './venue.ts';

/** The log keeps the most recent requests only, so a long benchmark cannot grow it without bound. */
const MAX_REQUEST_RECORDS = 100_000;
const MAX_CONTROL_BODY = 1024 * 1024;
const PAD_CHUNK = Buffer.alloc(64 * 1024, 0x20);

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const now = opts.now ?? Date.now;
  const seed = opts.seed ?? 1;
  const enforceRateLimits = opts.enforceRateLimits ?? false;
  const runtimes = await loadMarkets(opts.markets ?? allSimMarkets(), seed, now());
  const apis = allVenues().map((v) => ({
    half: v.simulator,
    api: v.simulator.create({
      markets: runtimes.filter((r) => r.market.venue === v.code),
      enforceRateLimits,
      now,
    }),
  }));
  // The hosts share one port: the first venue claiming a path answers it, and the registry's
  // first (Coinbase, whose host answers at the root) answers what none claims.
  const fallback = apis[0] as (typeof apis)[number];
  const venueFor = (pathname: string): VenueApi =>
    (apis.find((a) => a.half.claims(pathname)) ?? fallback).api;
  const requests: RequestRecord[] = [];
  const faults = createFaultQueue();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const injectFault = (target: FaultTarget, fault: Fault, times = 1): void => {
    faults.add(faultTargetSchema.parse(target), faultSchema.parse(fault), timesSchema.parse(times));
  };
  const resetRequests = (): void => {
    requests.length = 0;
  };
  const clearFaults = (): void => {
    faults.clear();
  };
  const resetRateLimits = (): void => {
    for (const { api } of apis) api.resetRateLimit();
  };

  const serveVenue = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const venue = venueFor(url.pathname);
    const userAgent = req.headers['user-agent'] ?? null;
    const route: Route = { venue: venue.venue, ...venue.route(url), url, userAgent };
    const record: RequestRecord = {
      venue: route.venue,
      endpoint: route.endpoint,
      symbol: route.symbol,
      url: req.url ?? '',
      userAgent,
      at: now(),
      status: 0,
    };
    if (requests.length >= MAX_REQUEST_RECORDS) requests.splice(0, MAX_REQUEST_RECORDS / 10);
    requests.push(record);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      record.status = 405;
      send(res, { status: 405, headers: { Allow: 'GET, HEAD' }, body: '' }, { kind: 'whole' }, later);
      return;
    }
    const admission = venue.admit(route);
    if (admission.rejection) {
      const reply = admission.rejection;
      Object.assign(reply.headers, admission.headers);
      record.status = reply.status;
      send(res, reply, { kind: 'whole' }, later);
      return;
    }
    const fault = faults.take(route);
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        later(fault.ms, resolve);
      });
    }
    const plan = planFault(
      fault,
      () => venue.respond(route, isBookFault(fault) ? fault : null),
      venue.errorReply,
    );
    Object.assign(plan.reply.headers, admission.headers);
    record.status = plan.reply.status;
    send(res, plan.reply, plan.delivery, later);
  };

  const serveControl = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const body = await readBody(req, MAX_CONTROL_BODY);
    if (body === null) {
      send(
        res,
        plainJson(413, { message: `control body over ${MAX_CONTROL_BODY} bytes` }),
        { kind: 'whole' },
        later,
      );
      return;
    }
    const reply = handleControl(req.method ?? 'GET', url.pathname, body, {
      requests: () => requests,
      resetRequests,
      injectFault,
      clearFaults,
      resetRateLimits,
    });
    send(res, reply, { kind: 'whole' }, later);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = parseUrl(req.url ?? '/');
    if (!url) {
      send(res, plainJson(400, { message: 'Bad request target' }), { kind: 'whole' }, later);
    } else if (url.pathname.startsWith(CONTROL_PREFIX)) {
      await serveControl(req, res, url);
    } else {
      await serveVenue(req, res, url);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else
        send(res, plainJson(500, { message: `simulator error: ${String(error)}` }), { kind: 'whole' }, later);
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${hostPart}:${address.port}`,
    requests,
    injectFault,
    clearFaults,
    resetRequests,
    resetRateLimits,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // Keep-alive and stalled (slowBody, delay) connections would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function loadMarkets(markets: SimMarketList, seed: number, startMs: number): Promise<MarketRuntime[]> {
  const seen = new Set<string>();
  return Promise.all(
    markets.map(async (market) => {
      const key = `${market.venue}:${market.symbol}`;
      if (seen.has(key)) throw new Error(`market ${key} is listed twice`);
      seen.add(key);
      return {
        market,
        generator: createBookGenerator(market, seed),
        recorded: market.recorded === undefined ? null : await readFile(market.recorded),
        tape: createTradeTape(market, seed, startMs),
      };
    }),
  );
}

type SimMarketList = NonNullable<SimulatorOptions['markets']>;

function parseUrl(target: string): URL | null {
  try {
    // Concatenate rather than resolve, so a target like '//x' stays a path instead of becoming a host.
    return new URL(target.startsWith('/') ? `http://simulator${target}` : target);
  } catch {
    return null;
  }
}

function plainJson(status: number, value: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/** The request body as text, or null once it passes `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Writes a reply as the delivery says; a client that has gone away is simply not written to. */
function send(
  res: ServerResponse,
  reply: Reply,
  delivery: Delivery,
  later: (ms: number, fn: () => void) => void,
): void {
  if (res.destroyed) return;
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  const length = delivery.kind === 'pad' ? delivery.bytes : body.length;
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(length) });
  const half = body.subarray(0, Math.floor(body.length / 2));
  switch (delivery.kind) {
    case 'whole':
      res.end(body);
      return;
    case 'slow':
      res.write(half);
      later(delivery.ms, () => {
        if (!res.destroyed) res.end(body.subarray(half.length));
      });
      return;
    case 'reset':
      // Reset a moment after the partial body is handed to the kernel: an RST discards what the client
      // has not read yet, and the point is a broken body (ECONNRESET mid-read), not a refused request.
      res.write(half, () => {
        later(1, () => {
          res.socket?.resetAndDestroy();
        });
      });
      return;
    case 'pad':
      writePadded(res, body, delivery.bytes);
      return;
  }
}

/** Streams `bytes` in all: the body (cut if longer) then spaces, respecting backpressure. */
function writePadded(res: ServerResponse, body: Buffer, bytes: number): void {
  let remaining = bytes - Math.min(body.length, bytes);
  res.write(body.subarray(0, bytes));
  const pump = (): void => {
    while (remaining > 0 && !res.destroyed) {
      const chunk = PAD_CHUNK.subarray(0, Math.min(remaining, PAD_CHUNK.length));
      remaining -= chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}
