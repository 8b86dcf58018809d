/** OKX public REST v5: GET /api/v5/market/books-full, /books, /trades and /api/v5/public/instruments. */
import type { Book, BookShape, PriceFormat, Side } from '../../simulator/books.ts';
import { crossBook, emptyBook } from '../../simulator/books.ts';
import { SIZE_SCALE } from '../../simulator/catalog.ts';
import { fixedToString } from '../../simulator/decimal.ts';
import { createRequestRateLimiter } from '../../simulator/ratelimit.ts';
import type { SimTrade } from '../../simulator/trades.ts';
import type { BookFault, Reply, SimMarket } from '../../simulator/types.ts';
import { jsonReply, type MarketRuntime, type VenueApi, type VenueApiOptions } from '../../simulator/venue.ts';
import { ByteWriter, levelPunctuation } from '../../simulator/writer.ts';
import type { VenueSimulator } from '../types.ts';
import {
  OKX_BOOKS_DEPTH,
  OKX_DEPTH,
  OKX_DEPTH_DEFAULT,
  OKX_REQUESTS_PER_WINDOW,
  OKX_TRADES_LIMIT,
  OKX_WINDOW_MS,
} from './limits.ts';

const CONTENT_TYPE = 'application/json';
/** `/books` gives at most 400 a side, books-full 5000; both default to 1. */
const BOOKS_MAX = OKX_BOOKS_DEPTH;

export function createOkx(options: VenueApiOptions): VenueApi {
  const byId = new Map(options.markets.map((m) => [m.market.symbol, m]));
  const limiter = createRequestRateLimiter(OKX_REQUESTS_PER_WINDOW, OKX_WINDOW_MS);
  const error = (status: number, code: string, msg: string): Reply =>
    jsonReply(status, JSON.stringify({ code, msg, data: [] }), CONTENT_TYPE);
  // OKX answers an unknown instrument with HTTP 200 and the error code in the body.
  const unknown = (): Reply =>
    error(200, '51001', "Instrument ID, Instrument ID code, or Spread ID doesn't exist.");

  const book = (runtime: MarketRuntime, route: URL, full: boolean, fault: BookFault | null): Reply => {
    const raw = route.searchParams.get('sz');
    const max = full ? OKX_DEPTH : BOOKS_MAX;
    if (raw !== null && !/^\d{1,9}$/.test(raw)) return error(200, '51000', 'Parameter sz error');
    const size = raw === null ? OKX_DEPTH_DEFAULT : Number(raw);
    if (size < 1 || size > max) return error(200, '51000', 'Parameter sz error');
    if (runtime.recorded && !fault) return jsonReply(200, runtime.recorded, CONTENT_TYPE);
    let b = runtime.generator.next(Math.min(size, runtime.market.levels));
    if (fault?.kind === 'crossed') b = crossBook(b);
    if (fault?.kind === 'empty') b = emptyBook(b, fault.side ?? 'both');
    const body = booksJson(b, runtime.generator.format, {
      ts: options.now(),
      seqId: full ? null : b.sequence,
      schema: fault?.kind === 'schema',
    });
    return jsonReply(200, body, CONTENT_TYPE);
  };

  const trades = (runtime: MarketRuntime, params: URLSearchParams, fault: BookFault | null): Reply => {
    const raw = params.get('limit');
    if (raw !== null && !/^\d{1,9}$/.test(raw)) return error(200, '51000', 'Parameter limit error');
    const limit = Math.min(raw === null ? 100 : Math.max(1, Number(raw)), OKX_TRADES_LIMIT);
    const list = fault?.kind === 'empty' ? [] : runtime.tape.recent(options.now(), limit);
    const rows = [...list].reverse().map((t) => tradeJson(t, runtime, fault?.kind === 'schema'));
    return jsonReply(200, `{"code":"0","msg":"","data":[${rows.join(',')}]}`, CONTENT_TYPE);
  };

  const instruments = (params: URLSearchParams, fault: BookFault | null): Reply => {
    if (params.get('instType') === null) return error(200, '50014', 'Parameter instType can not be empty.');
    if (params.get('instType') !== 'SPOT')
      return jsonReply(200, '{"code":"0","msg":"","data":[]}', CONTENT_TYPE);
    const one = params.get('instId');
    let listed = options.markets;
    if (one !== null) {
      const found = byId.get(one);
      if (!found) return unknown();
      listed = [found];
    }
    const data = listed.map((m) => instrument(m.market));
    if (fault?.kind === 'schema')
      return jsonReply(
        200,
        JSON.stringify({ code: '0', msg: '', data: { count: data.length } }),
        CONTENT_TYPE,
      );
    return jsonReply(200, JSON.stringify({ code: '0', msg: '', data }), CONTENT_TYPE);
  };

  return {
    venue: 'okx',
    route(url) {
      const symbol = url.searchParams.get('instId');
      if (url.pathname === '/api/v5/market/books-full' || url.pathname === '/api/v5/market/books')
        return { endpoint: 'book', symbol };
      if (url.pathname === '/api/v5/market/trades') return { endpoint: 'trades', symbol };
      if (url.pathname === '/api/v5/public/instruments') return { endpoint: 'instruments', symbol };
      return { endpoint: 'unknown', symbol: null };
    },
    admit() {
      if (options.enforceRateLimits && !limiter.tryAcquire(options.now())) {
        return { rejection: error(429, '50011', 'Too Many Requests'), headers: {} };
      }
      return { rejection: null, headers: {} };
    },
    respond(route, fault) {
      if (route.endpoint === 'instruments') return instruments(route.url.searchParams, fault);
      if (route.endpoint === 'unknown') return error(404, '50000', 'Not Found');
      if (route.symbol === null || route.symbol === '')
        return error(200, '50014', 'Parameter instId can not be empty.');
      const runtime = byId.get(route.symbol);
      if (!runtime) return unknown();
      if (route.endpoint === 'trades') return trades(runtime, route.url.searchParams, fault);
      return book(runtime, route.url, route.url.pathname.endsWith('books-full'), fault);
    },
    resetRateLimit() {
      limiter.reset();
    },
    errorReply(status) {
      if (status === 429) return error(status, '50011', 'Too Many Requests');
      if (status >= 500)
        return error(status, '50001', 'Service temporarily unavailable. Please try again later.');
      return error(status, '50000', 'Body can not be empty.');
    },
  };
}

/** The taker's side; px at the tick's decimals, sz with at most 8. */
function tradeJson(t: SimTrade, runtime: MarketRuntime, schema: boolean): string {
  const { priceScale, tickUnits } = runtime.generator.format;
  const px = fixedToString({ units: BigInt(t.priceTicks * tickUnits), scale: priceScale });
  const sz = fixedToString({ units: BigInt(t.sizeUnits), scale: SIZE_SCALE });
  // The wrong shape: price and size as JSON numbers.
  const [p, s] = schema ? [px, sz] : [`"${px}"`, `"${sz}"`];
  return `{"instId":"${runtime.market.symbol}","side":"${t.takerBuy ? 'buy' : 'sell'}","sz":${s},"px":${p},"source":"0","tradeId":"${t.id.toString()}","ts":"${String(t.timeMs)}"}`;
}

interface BooksJsonOptions {
  ts: number;
  /** `/books` sends a seqId; books-full does not. */
  seqId: bigint | null;
  schema: boolean;
}

/** Compact, as OKX sends it: asks before bids, `[px, sz, "0", orders]` with no trailing zeros. */
export function booksJson(book: Book, format: PriceFormat, opts: BooksJsonOptions): Buffer {
  const out = new ByteWriter(96 + (book.bids.length + book.asks.length) * 44);
  out.text('{"code":"0","msg":"","data":[{"asks":');
  writeSide(out, book.asks, format, opts.schema);
  out.text(',"bids":');
  writeSide(out, book.bids, format, opts.schema);
  out.text(`,"ts":"${String(opts.ts)}"`);
  if (opts.seqId !== null) out.text(`,"seqId":${opts.seqId.toString()}`);
  out.text('}]}');
  return out.toBuffer();
}

const STRINGS = levelPunctuation('"', ',"0","');
const NUMBERS = levelPunctuation('', ',"0","');
const END = Buffer.from('"]', 'latin1');

function writeSide(out: ByteWriter, side: Side, format: PriceFormat, schema: boolean): void {
  const { priceScale, tickUnits } = format;
  const p = schema ? NUMBERS : STRINGS;
  if (side.length === 0) out.text('[');
  for (let i = 0; i < side.length; i++) {
    out.bytes(i === 0 ? p.first : p.next);
    out.decimal((side.ticks[i] ?? 0) * tickUnits, priceScale, null);
    out.bytes(p.mid);
    out.decimal(side.sizes[i] ?? 0, SIZE_SCALE, null);
    out.bytes(p.after);
    out.uint(side.orders[i] ?? 1);
    out.bytes(END);
  }
  out.text(']');
}

/** The instrument with the current SPOT field set (2025–26). */
function instrument(market: SimMarket): Record<string, unknown> {
  return {
    alias: '',
    auctionEndTime: '',
    baseCcy: market.base,
    category: '1',
    ctMult: '',
    ctType: '',
    ctVal: '',
    ctValCcy: '',
    expTime: '',
    instFamily: '',
    instId: market.symbol,
    instType: 'SPOT',
    lever: '10',
    listTime: '1548133413000',
    lotSz: '0.00000001',
    maxIcebergSz: '9999999999.0000000000000000',
    maxLmtAmt: '20000000',
    maxLmtSz: '9999999999',
    maxMktAmt: '1000000',
    maxMktSz: '',
    maxStopSz: '',
    maxTriggerSz: '9999999999.0000000000000000',
    maxTwapSz: '9999999999.0000000000000000',
    minSz: '0.00001',
    optType: '',
    quoteCcy: market.quote,
    ruleType: 'normal',
    settleCcy: '',
    state: market.status ?? 'live',
    stk: '',
    tickSz: market.tickSize,
    uly: '',
  };
}

/**
 * Fitted to the recorded books (senken 2026-09 and salimov BTC-USDT, 5 and 3 a side): a 0.1 tick,
 * mostly one-tick gaps near the touch with a few of 20-40 ticks, dust of 0.00001 BTC, 0.4-1.5 BTC
 * and 5-24 orders at the best level. Deeper levels are not recorded; they are taken to thin out
 * like Binance's over its 5000.
 */
export const OKX_BOOK_SHAPE: BookShape = {
  touchGapBps: 0.05,
  farGapBps: 0.06,
  rampLevels: 5000,
  adjacentShare: 0.5,
  dustShare: 0.35,
  dustMaxQuote: 20,
  sizeLog10: 3.5,
  sizeScale: 0.36,
  touchLog10: 4.8,
  maxLevelQuote: 1_000_000,
  roundShare: 0.15,
};

function markets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'okx',
      symbol: 'BTC-USDT',
      base: 'BTC',
      quote: 'USDT',
      startMid: '84706.1',
      tickSize: '0.1',
      levels: levels ?? OKX_DEPTH,
    },
    {
      venue: 'okx',
      symbol: 'ETH-USDT',
      base: 'ETH',
      quote: 'USDT',
      startMid: '3200.85',
      tickSize: '0.01',
      levels: levels ?? OKX_DEPTH,
    },
  ];
}

export const okxSimulator: VenueSimulator = {
  claims: (pathname) => pathname.startsWith('/api/v5/'),
  create: createOkx,
  markets,
  traits: {
    bookShape: OKX_BOOK_SHAPE,
    sizeStepUnits: () => 1,
    // BTC-USDT's seqId is around 8e10 and its trade ids near 7e8 (2025-26 recordings).
    sequenceBase: 80_000_000_000n,
    tradeIdBase: 700_000_000n,
  },
};
