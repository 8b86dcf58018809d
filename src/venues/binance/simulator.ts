/** Binance Spot public REST: GET /api/v3/depth, /api/v3/trades and /api/v3/exchangeInfo, with request-weight accounting. */
import type { Book, BookShape, PriceFormat, Side } from '../../simulator/books.ts';
import { crossBook, emptyBook } from '../../simulator/books.ts';
import { SIZE_SCALE } from '../../simulator/catalog.ts';
import { fixedToString, parseDecimal } from '../../simulator/decimal.ts';
import { ByteWriter, levelPunctuation } from '../../simulator/writer.ts';
import { createWeightMeter } from '../../simulator/ratelimit.ts';
import type { SimTrade } from '../../simulator/trades.ts';
import type { BookFault, Reply, SimMarket } from '../../simulator/types.ts';
import {
  jsonReply,
  type MarketRuntime,
  type Route,
  type VenueApi,
  type VenueApiOptions,
} from '../../simulator/venue.ts';
import type { VenueSimulator } from '../types.ts';
import { BINANCE_DEPTH_DEFAULT, BINANCE_DEPTH_MAX } from './limits.ts';
import { depthWeight, EXCHANGE_INFO_WEIGHT, TRADES_WEIGHT, WEIGHT_LIMIT_PER_MINUTE } from './weights.ts';

const CONTENT_TYPE = 'application/json;charset=UTF-8';
const DEFAULT_LIMIT = BINANCE_DEPTH_DEFAULT;
const MAX_LIMIT = BINANCE_DEPTH_MAX;
const TRADES_DEFAULT_LIMIT = 500;
const TRADES_MAX_LIMIT = 1000;
const SYMBOL_PATTERN = /^[A-Z0-9-_.]{1,20}$/;

type Parsed<T> = { ok: true; value: T } | { ok: false; reply: Reply };

export function createBinance(options: VenueApiOptions): VenueApi {
  const bySymbol = new Map(options.markets.map((m) => [m.market.symbol, m]));
  const meter = createWeightMeter();
  const error = (status: number, code: number, msg: string): Reply =>
    jsonReply(status, JSON.stringify({ code, msg }), CONTENT_TYPE);
  const invalidSymbol = (): Reply => error(400, -1121, 'Invalid symbol.');

  // Binance clamps a depth limit above 5000 to 5000 rather than refusing it; trades are taken to
  // do the same at their 1000.
  const parseLimit = (raw: string | null, fallback = DEFAULT_LIMIT, max = MAX_LIMIT): Parsed<number> => {
    if (raw === null) return { ok: true, value: fallback };
    if (!/^[0-9]{1,20}$/.test(raw)) {
      return {
        ok: false,
        reply: error(
          400,
          -1100,
          "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.",
        ),
      };
    }
    const value = Number(raw);
    if (value < 1)
      return {
        ok: false,
        reply: error(400, -1100, `Illegal value found in parameter 'limit'; legal range is '[1, ${max}]'.`),
      };
    return { ok: true, value: Math.min(value, max) };
  };

  const checkSymbol = (raw: string | null): Parsed<MarketRuntime> => {
    if (raw === null || raw === '') {
      return {
        ok: false,
        reply: error(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."),
      };
    }
    if (!SYMBOL_PATTERN.test(raw)) {
      return {
        ok: false,
        reply: error(
          400,
          -1100,
          "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
        ),
      };
    }
    const runtime = bySymbol.get(raw);
    return runtime ? { ok: true, value: runtime } : { ok: false, reply: invalidSymbol() };
  };

  const weightOf = (route: Route): number => {
    if (route.endpoint === 'exchangeInfo') return EXCHANGE_INFO_WEIGHT;
    if (route.endpoint === 'trades') return TRADES_WEIGHT;
    if (route.endpoint !== 'book') return 0;
    const limit = parseLimit(route.url.searchParams.get('limit'));
    return depthWeight(limit.ok ? limit.value : DEFAULT_LIMIT);
  };

  const depth = (route: Route, fault: BookFault | null): Reply => {
    const limit = parseLimit(route.url.searchParams.get('limit'));
    if (!limit.ok) return limit.reply;
    const symbol = checkSymbol(route.symbol);
    if (!symbol.ok) return symbol.reply;
    const runtime = symbol.value;
    if (runtime.recorded && !fault) return jsonReply(200, runtime.recorded, CONTENT_TYPE);
    let book = runtime.generator.next(Math.min(limit.value, runtime.market.levels));
    if (fault?.kind === 'crossed') book = crossBook(book);
    if (fault?.kind === 'empty') book = emptyBook(book, fault.side ?? 'both');
    return jsonReply(200, depthJson(book, runtime.generator.format, fault?.kind === 'schema'), CONTENT_TYPE);
  };

  const trades = (route: Route, fault: BookFault | null): Reply => {
    const limit = parseLimit(route.url.searchParams.get('limit'), TRADES_DEFAULT_LIMIT, TRADES_MAX_LIMIT);
    if (!limit.ok) return limit.reply;
    const symbol = checkSymbol(route.symbol);
    if (!symbol.ok) return symbol.reply;
    const runtime = symbol.value;
    const list = fault?.kind === 'empty' ? [] : runtime.tape.recent(options.now(), limit.value);
    const body = `[${list.map((t) => tradeJson(t, runtime, fault?.kind === 'schema')).join(',')}]`;
    return jsonReply(200, body, CONTENT_TYPE);
  };

  const exchangeInfo = (route: Route, fault: BookFault | null): Reply => {
    const params = route.url.searchParams;
    const one = params.get('symbol');
    const many = params.get('symbols');
    if (one !== null && many !== null)
      return error(400, -1128, 'Combination of optional parameters invalid.');
    let listed = options.markets;
    if (one !== null) {
      const symbol = checkSymbol(one);
      if (!symbol.ok) return symbol.reply;
      listed = [symbol.value];
    } else if (many !== null) {
      const names = parseSymbols(many);
      if (!names) {
        return error(
          400,
          -1100,
          'Illegal characters found in parameter \'symbols\'; legal range is \'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
        );
      }
      const found = names.map((name) => bySymbol.get(name));
      if (found.some((m) => m === undefined)) return invalidSymbol();
      listed = found.filter((m) => m !== undefined);
    }
    const info = {
      timezone: 'UTC',
      serverTime: options.now(),
      rateLimits: RATE_LIMITS,
      exchangeFilters: [],
      symbols: listed.map((m) => symbolInfo(m)),
    };
    if (fault?.kind === 'schema')
      return jsonReply(200, JSON.stringify({ ...info, symbols: { count: listed.length } }), CONTENT_TYPE);
    return jsonReply(200, JSON.stringify(info), CONTENT_TYPE);
  };

  return {
    venue: 'binance',
    route(url) {
      if (url.pathname === '/api/v3/depth')
        return { endpoint: 'book', symbol: url.searchParams.get('symbol') };
      if (url.pathname === '/api/v3/trades')
        return { endpoint: 'trades', symbol: url.searchParams.get('symbol') };
      if (url.pathname === '/api/v3/exchangeInfo')
        return { endpoint: 'exchangeInfo', symbol: url.searchParams.get('symbol') };
      return { endpoint: 'unknown', symbol: null };
    },
    admit(route) {
      const limit = options.enforceRateLimits ? WEIGHT_LIMIT_PER_MINUTE : null;
      const charged = meter.charge(weightOf(route), options.now(), limit);
      const headers = {
        'X-MBX-USED-WEIGHT': String(charged.used),
        'X-MBX-USED-WEIGHT-1M': String(charged.used),
      };
      if (charged.ok) return { rejection: null, headers };
      const rejection = error(
        429,
        -1003,
        `Too much request weight used; current limit is ${WEIGHT_LIMIT_PER_MINUTE} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
      );
      rejection.headers['Retry-After'] = String(charged.retryAfterSeconds);
      return { rejection, headers };
    },
    respond(route, fault) {
      if (route.endpoint === 'book') return depth(route, fault);
      if (route.endpoint === 'exchangeInfo') return exchangeInfo(route, fault);
      if (route.endpoint === 'trades') return trades(route, fault);
      return error(404, -1000, `Unknown path ${route.url.pathname}.`);
    },
    resetRateLimit() {
      meter.reset();
    },
    errorReply(status) {
      if (status === 429) {
        return error(
          status,
          -1003,
          `Too much request weight used; current limit is ${WEIGHT_LIMIT_PER_MINUTE} request weight per 1 MINUTE.`,
        );
      }
      if (status === 418)
        return error(status, -1003, 'Way too much request weight used; IP banned until further notice.');
      if (status >= 500)
        return error(status, -1001, 'Internal error; unable to process your request. Please try again.');
      return error(status, -1000, 'An unknown error occurred while processing the request.');
    },
  };
}

/** `symbols=["BTCUSDT","ETHUSDT"]`; null when it is not a JSON array of symbol strings. */
function parseSymbols(raw: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const names = parsed.filter((v): v is string => typeof v === 'string' && SYMBOL_PATTERN.test(v));
  return names.length === parsed.length ? names : null;
}

/**
 * Oldest first, fields in the venue's order; price and qty with 8 decimals, quoteQty (price × qty)
 * exact without trailing zeros, as in the API's example. isBuyerMaker: the taker sold.
 */
function tradeJson(t: SimTrade, runtime: MarketRuntime, schema: boolean): string {
  const { priceScale, tickUnits } = runtime.generator.format;
  const priceUnits = BigInt(t.priceTicks * tickUnits);
  const price = fixedToString({ units: priceUnits, scale: priceScale }, 8);
  const qty = fixedToString({ units: BigInt(t.sizeUnits), scale: SIZE_SCALE }, 8);
  const quoteQty = fixedToString({ units: priceUnits * BigInt(t.sizeUnits), scale: priceScale + SIZE_SCALE });
  // The wrong shape: quantities as JSON numbers.
  const q = schema ? qty : `"${qty}"`;
  return `{"id":${t.id.toString()},"price":"${price}","qty":${q},"quoteQty":"${quoteQty}","time":${t.timeMs},"isBuyerMaker":${String(!t.takerBuy)},"isBestMatch":true}`;
}

/** Compact, fields in the venue's order, every price and quantity with 8 decimals. */
export function depthJson(book: Book, format: PriceFormat, schema: boolean): Buffer {
  const out = new ByteWriter(64 + (book.bids.length + book.asks.length) * 40);
  out.text(schema ? '{"bids":' : `{"lastUpdateId":${book.sequence.toString()},"bids":`);
  writeSide(out, book.bids, format, schema);
  out.text(',"asks":');
  writeSide(out, book.asks, format, schema);
  out.text('}');
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
    out.decimal((side.ticks[i] ?? 0) * tickUnits, priceScale, 8);
    out.bytes(p.mid);
    out.decimal(side.sizes[i] ?? 0, SIZE_SCALE, 8);
    out.bytes(p.after);
  }
  out.text(']');
}

const RATE_LIMITS = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: WEIGHT_LIMIT_PER_MINUTE },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
];

const eight = (text: string): string => fixedToString(parseDecimal(text), 8);

/** The symbol entry as Binance lists it today (field set of 2025–26, filters with 8-decimal strings). */
function symbolInfo(runtime: MarketRuntime): Record<string, unknown> {
  const { market } = runtime;
  const step = fixedToString({ units: BigInt(sizeStepUnits(market)), scale: SIZE_SCALE }, 8);
  return {
    symbol: market.symbol,
    status: market.status ?? 'TRADING',
    baseAsset: market.base,
    baseAssetPrecision: 8,
    quoteAsset: market.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: [
      'LIMIT',
      'LIMIT_MAKER',
      'MARKET',
      'STOP_LOSS',
      'STOP_LOSS_LIMIT',
      'TAKE_PROFIT',
      'TAKE_PROFIT_LIMIT',
    ],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: eight(market.tickSize),
        maxPrice: '1000000.00000000',
        tickSize: eight(market.tickSize),
      },
      { filterType: 'LOT_SIZE', minQty: step, maxQty: '9000.00000000', stepSize: step },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
      {
        filterType: 'TRAILING_DELTA',
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: 'PERCENT_PRICE_BY_SIDE',
        bidMultiplierUp: '5',
        bidMultiplierDown: '0.2',
        askMultiplierUp: '5',
        askMultiplierDown: '0.2',
        avgPriceMins: 5,
      },
      {
        filterType: 'NOTIONAL',
        minNotional: '5.00000000',
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

/**
 * Fitted to the recorded books. Binance BTCUSDT (mdolmen, soworks, nautilus; 20, 5 and 10 a
 * side): 13-17 ticks (0.018 bps) at the touch, 30-45% one tick, many 0.00007-0.00014 BTC dust
 * levels, 0.5-7.6 BTC at the best level; its 5,000 levels thin out to about 2% from mid.
 */
export const BINANCE_BOOK_SHAPE: BookShape = {
  touchGapBps: 0.018,
  farGapBps: 0.06,
  rampLevels: 5000,
  adjacentShare: 0.4,
  dustShare: 0.4,
  dustMaxQuote: 20,
  sizeLog10: 3.4,
  sizeScale: 0.36,
  touchLog10: 4.7,
  maxLevelQuote: 1_000_000,
  roundShare: 0.15,
};

/**
 * The size increment in 10^-8 units. Binance uses a coarser LOT_SIZE stepSize the pricier the
 * asset is (BTCUSDT 0.00001, ETHUSDT 0.0001), which this approximates from the number of integer
 * digits of the price.
 */
export function sizeStepUnits(market: SimMarket): number {
  const { units, scale } = parseDecimal(market.startMid);
  const integerDigits = units < 10n ** BigInt(scale) ? 0 : (units / 10n ** BigInt(scale)).toString().length;
  const exponent =
    integerDigits >= 5 ? 3 : integerDigits >= 3 ? 4 : integerDigits === 2 ? 5 : integerDigits === 1 ? 6 : 8;
  return 10 ** exponent;
}

/** The default markets at prices and ticks of the real venue; Binance serves at most 5000 levels per side. */
function markets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'binance',
      symbol: 'BTCUSDT',
      base: 'BTC',
      quote: 'USDT',
      startMid: '84705.63',
      tickSize: '0.01',
      levels: levels ?? 5000,
    },
    {
      venue: 'binance',
      symbol: 'ETHUSDT',
      base: 'ETH',
      quote: 'USDT',
      startMid: '3200.91',
      tickSize: '0.01',
      levels: levels ?? 5000,
    },
  ];
}

export const binanceSimulator: VenueSimulator = {
  // /api/v3/ only: OKX's /api/v5/ shares the port.
  claims: (pathname) => pathname.startsWith('/api/v3/'),
  create: createBinance,
  markets,
  traits: {
    bookShape: BINANCE_BOOK_SHAPE,
    sizeStepUnits,
    // BTCUSDT's lastUpdateId is around 1.0e11 and its trade ids are past 2^32.
    sequenceBase: 100_000_000_000n,
    tradeIdBase: 5_000_000_000n,
  },
};
