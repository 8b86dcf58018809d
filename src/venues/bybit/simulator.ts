/** Bybit v5 public REST: GET /v5/market/orderbook, /v5/market/recent-trade and /v5/market/instruments-info (spot). */
import type { Book, BookShape, PriceFormat, Side } from '../../simulator/books.ts';
import { crossBook, emptyBook } from '../../simulator/books.ts';
import { SIZE_SCALE } from '../../simulator/catalog.ts';
import { fixedToString, parseDecimal } from '../../simulator/decimal.ts';
import { createRequestRateLimiter } from '../../simulator/ratelimit.ts';
import type { SimTrade } from '../../simulator/trades.ts';
import type { BookFault, Reply, SimMarket } from '../../simulator/types.ts';
import { jsonReply, type MarketRuntime, type VenueApi, type VenueApiOptions } from '../../simulator/venue.ts';
import { ByteWriter, levelPunctuation } from '../../simulator/writer.ts';
import type { VenueSimulator } from '../types.ts';
import {
  BYBIT_DEPTH,
  BYBIT_DEPTH_DEFAULT,
  BYBIT_REQUESTS_PER_WINDOW,
  BYBIT_TRADES_LIMIT,
  BYBIT_WINDOW_MS,
} from './limits.ts';

const CONTENT_TYPE = 'application/json; charset=utf-8';
const DEFAULT_DEPTH = BYBIT_DEPTH_DEFAULT;

export function createBybit(options: VenueApiOptions): VenueApi {
  const bySymbol = new Map(options.markets.map((m) => [m.market.symbol, m]));
  const limiter = createRequestRateLimiter(BYBIT_REQUESTS_PER_WINDOW, BYBIT_WINDOW_MS);
  const error = (status: number, retCode: number, retMsg: string): Reply =>
    jsonReply(
      status,
      JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: options.now() }),
      CONTENT_TYPE,
    );
  // Bybit answers a bad symbol or parameter with HTTP 200 and the retCode in the body.
  const unknownSymbol = (): Reply => error(200, 10001, 'Not supported symbols');
  const wrap = (result: string): string =>
    `{"retCode":0,"retMsg":"OK","result":${result},"retExtInfo":{},"time":${String(options.now())}}`;

  const intParam = (params: URLSearchParams, name: string, fallback: number, max: number): number | Reply => {
    const raw = params.get(name);
    if (raw === null) return fallback;
    if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
      return error(200, 10001, `Param error: ${name}`);
    return Number(raw);
  };

  const orderbook = (runtime: MarketRuntime, params: URLSearchParams, fault: BookFault | null): Reply => {
    const limit = intParam(params, 'limit', DEFAULT_DEPTH, BYBIT_DEPTH);
    if (typeof limit !== 'number') return limit;
    if (runtime.recorded && !fault) return jsonReply(200, runtime.recorded, CONTENT_TYPE);
    let book = runtime.generator.next(Math.min(limit, runtime.market.levels));
    if (fault?.kind === 'crossed') book = crossBook(book);
    if (fault?.kind === 'empty') book = emptyBook(book, fault.side ?? 'both');
    const now = options.now();
    const body = orderbookJson(book, runtime.generator.format, {
      symbol: runtime.market.symbol,
      ts: now,
      schema: fault?.kind === 'schema',
    });
    return jsonReply(200, body, CONTENT_TYPE);
  };

  const trades = (runtime: MarketRuntime, params: URLSearchParams, fault: BookFault | null): Reply => {
    const limit = intParam(params, 'limit', BYBIT_TRADES_LIMIT, BYBIT_TRADES_LIMIT);
    if (typeof limit !== 'number') return limit;
    const list = fault?.kind === 'empty' ? [] : runtime.tape.recent(options.now(), limit);
    const rows = [...list].reverse().map((t) => tradeJson(t, runtime, fault?.kind === 'schema'));
    return jsonReply(200, wrap(`{"category":"spot","list":[${rows.join(',')}]}`), CONTENT_TYPE);
  };

  const instruments = (params: URLSearchParams, fault: BookFault | null): Reply => {
    const one = params.get('symbol');
    let listed = options.markets;
    if (one !== null) {
      const found = bySymbol.get(one);
      // Bybit lists nothing, rather than failing, for a symbol it does not have.
      listed = found ? [found] : [];
    }
    const list = listed.map((m) => instrument(m.market));
    const result =
      fault?.kind === 'schema'
        ? { category: 'spot', list: { count: list.length } }
        : { category: 'spot', list };
    return jsonReply(200, wrap(JSON.stringify(result)), CONTENT_TYPE);
  };

  return {
    venue: 'bybit',
    route(url) {
      const symbol = url.searchParams.get('symbol');
      if (url.pathname === '/v5/market/orderbook') return { endpoint: 'book', symbol };
      if (url.pathname === '/v5/market/recent-trade') return { endpoint: 'trades', symbol };
      if (url.pathname === '/v5/market/instruments-info') return { endpoint: 'instruments-info', symbol };
      return { endpoint: 'unknown', symbol: null };
    },
    admit() {
      if (options.enforceRateLimits && !limiter.tryAcquire(options.now())) {
        return { rejection: error(429, 10006, 'Too many visits!'), headers: {} };
      }
      return { rejection: null, headers: {} };
    },
    respond(route, fault) {
      const params = route.url.searchParams;
      if (route.endpoint === 'unknown') return error(404, 10001, 'Not Found');
      const category = params.get('category');
      if (category === null)
        return error(200, 10001, 'Missing some parameters that must be filled in, category');
      if (category !== 'spot') return error(200, 10001, 'Illegal category');
      if (route.endpoint === 'instruments-info') return instruments(params, fault);
      if (route.symbol === null || route.symbol === '')
        return error(200, 10001, 'Missing some parameters that must be filled in, symbol');
      const runtime = bySymbol.get(route.symbol);
      if (!runtime) return unknownSymbol();
      if (route.endpoint === 'trades') return trades(runtime, params, fault);
      return orderbook(runtime, params, fault);
    },
    resetRateLimit() {
      limiter.reset();
    },
    errorReply(status) {
      if (status === 429) return error(status, 10006, 'Too many visits!');
      if (status >= 500) return error(status, 10016, 'Server error.');
      return error(status, 10000, 'Server Timeout');
    },
  };
}

/** The taker's side, capitalised; time in ms as a string, as Bybit prints it. */
function tradeJson(t: SimTrade, runtime: MarketRuntime, schema: boolean): string {
  const { priceScale, tickUnits } = runtime.generator.format;
  const price = fixedToString({ units: BigInt(t.priceTicks * tickUnits), scale: priceScale });
  const size = fixedToString({ units: BigInt(t.sizeUnits), scale: SIZE_SCALE }, 6);
  const [p, s] = schema ? [price, size] : [`"${price}"`, `"${size}"`];
  return `{"execId":"${t.id.toString()}","symbol":"${runtime.market.symbol}","price":${p},"size":${s},"side":"${t.takerBuy ? 'Buy' : 'Sell'}","time":"${String(t.timeMs)}","isBlockTrade":false,"isRPITrade":false,"seq":"${t.id.toString()}"}`;
}

interface OrderbookJsonOptions {
  symbol: string;
  ts: number;
  schema: boolean;
}

/** Compact, fields in the venue's order: s, a (asks) before b, ts, u, seq, cts. */
export function orderbookJson(book: Book, format: PriceFormat, opts: OrderbookJsonOptions): Buffer {
  const out = new ByteWriter(160 + (book.bids.length + book.asks.length) * 36);
  out.text(`{"retCode":0,"retMsg":"OK","result":{"s":"${opts.symbol}","a":`);
  writeSide(out, book.asks, format, opts.schema);
  out.text(',"b":');
  writeSide(out, book.bids, format, opts.schema);
  // `u` counts updates since the service started; `seq` is the cross sequence (larger, never resets).
  const u = book.sequence % 100_000_000n;
  out.text(
    `,"ts":${String(opts.ts)},"u":${u.toString()},"seq":${book.sequence.toString()},"cts":${String(opts.ts - 3)}}`,
  );
  out.text(`,"retExtInfo":{},"time":${String(opts.ts)}}`);
  return out.toBuffer();
}

const STRINGS = levelPunctuation('"', ']');
const NUMBERS = levelPunctuation('', ']');

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
  }
  out.text(']');
}

/** The spot instrument with the current field set (2025 docs). */
function instrument(market: SimMarket): Record<string, unknown> {
  const tick = parseDecimal(market.tickSize);
  return {
    symbol: market.symbol,
    baseCoin: market.base,
    quoteCoin: market.quote,
    innovation: '0',
    status: market.status ?? 'Trading',
    marginTrading: 'utaOnly',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: '0.000001',
      quotePrecision: '0.0000001',
      minOrderQty: '0.000011',
      maxOrderQty: '83',
      minOrderAmt: '5',
      maxOrderAmt: '8000000',
      maxLimitOrderQty: '83',
      maxMarketOrderQty: '41.5',
      postOnlyMaxLimitOrderSize: '60000',
    },
    priceFilter: { tickSize: fixedToString(tick) },
    riskParameters: { priceLimitRatioX: '0.005', priceLimitRatioY: '0.01' },
    symbolType: '',
  };
}

/**
 * Fitted to the recorded books (salimov BTCUSDT 3 a side, 2026-09; XChange 2 a side, 2023): a
 * 0.1 tick, gaps of 1-18 ticks, sizes in 0.000001 BTC steps, 1.5 BTC at the best ask and dust
 * of 0.001 BTC. Deeper levels are not recorded; they are taken to thin out like Binance's.
 */
export const BYBIT_BOOK_SHAPE: BookShape = {
  touchGapBps: 0.04,
  farGapBps: 0.08,
  rampLevels: 1000,
  adjacentShare: 0.45,
  dustShare: 0.35,
  dustMaxQuote: 40,
  sizeLog10: 3.5,
  sizeScale: 0.36,
  touchLog10: 4.6,
  maxLevelQuote: 800_000,
  roundShare: 0.15,
};

function markets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'bybit',
      symbol: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
      startMid: '84704.3',
      tickSize: '0.1',
      levels: levels ?? BYBIT_DEPTH,
    },
    {
      venue: 'bybit',
      symbol: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      startMid: '3200.66',
      tickSize: '0.01',
      levels: levels ?? BYBIT_DEPTH,
    },
  ];
}

export const bybitSimulator: VenueSimulator = {
  claims: (pathname) => pathname.startsWith('/v5/'),
  create: createBybit,
  markets,
  traits: {
    bookShape: BYBIT_BOOK_SHAPE,
    // Spot BTC trades in 0.000001 steps (basePrecision).
    sizeStepUnits: () => 100,
    // BTCUSDT's seq is around 1.1e11; spot execIds run to 19 digits.
    sequenceBase: 114_000_000_000n,
    tradeIdBase: 2_100_000_000_000_000_000n,
  },
};
