/** Kraken Spot public REST: GET /0/public/Depth, /0/public/Trades and /0/public/AssetPairs. */
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
import { KRAKEN_DEPTH_COUNT } from './client.ts';
import { KRAKEN_DEPTH_DEFAULT, KRAKEN_REQUESTS_PER_SECOND } from './limits.ts';

const CONTENT_TYPE = 'application/json; charset=utf-8';
const DEFAULT_COUNT = KRAKEN_DEPTH_DEFAULT;

/** Kraken's pair key from the assets the other venues' names: BTC/USD → XXBTZUSD, as the venue keys it. */
const KRAKEN_CODE: Readonly<Record<string, string>> = {
  BTC: 'XXBT',
  ETH: 'XETH',
  LTC: 'XLTC',
  XRP: 'XXRP',
  USD: 'ZUSD',
  EUR: 'ZEUR',
  GBP: 'ZGBP',
};
const krakenCode = (asset: string): string => KRAKEN_CODE[asset] ?? asset;
export const krakenPairKey = (market: SimMarket): string =>
  `${krakenCode(market.base)}${krakenCode(market.quote)}`;

export function createKraken(options: VenueApiOptions): VenueApi {
  // A pair is asked by its altname (XBTUSD, the MARKETS symbol) or its key (XXBTZUSD).
  const byName = new Map<string, MarketRuntime>();
  for (const m of options.markets) {
    byName.set(m.market.symbol, m);
    byName.set(krakenPairKey(m.market), m);
  }
  const limiter = createRequestRateLimiter(KRAKEN_REQUESTS_PER_SECOND, 1000);
  const errors = (status: number, ...messages: string[]): Reply =>
    jsonReply(status, JSON.stringify({ error: messages }), CONTENT_TYPE);
  // Kraken answers a bad pair with HTTP 200 and the error in the body.
  const unknownPair = (): Reply => errors(200, 'EQuery:Unknown asset pair');

  const depth = (runtime: MarketRuntime, params: URLSearchParams, fault: BookFault | null): Reply => {
    const raw = params.get('count');
    if (raw !== null && !/^\d{1,9}$/.test(raw)) return errors(200, 'EGeneral:Invalid arguments');
    // Kraken gives at most 500 a side whatever `count` asks.
    const count = Math.min(raw === null ? DEFAULT_COUNT : Math.max(1, Number(raw)), KRAKEN_DEPTH_COUNT);
    if (runtime.recorded && !fault) return jsonReply(200, runtime.recorded, CONTENT_TYPE);
    let book = runtime.generator.next(Math.min(count, runtime.market.levels));
    if (fault?.kind === 'crossed') book = crossBook(book);
    if (fault?.kind === 'empty') book = emptyBook(book, fault.side ?? 'both');
    const body = depthJson(book, runtime.generator.format, {
      key: krakenPairKey(runtime.market),
      seconds: Math.floor(options.now() / 1000),
      schema: fault?.kind === 'schema',
    });
    return jsonReply(200, body, CONTENT_TYPE);
  };

  const trades = (runtime: MarketRuntime, fault: BookFault | null): Reply => {
    const list = fault?.kind === 'empty' ? [] : runtime.tape.recent(options.now(), 1000);
    const rows = list.map((t) => tradeJson(t, runtime, fault?.kind === 'schema')).join(',');
    const last = list.at(-1);
    const cursor = last ? `${String(last.timeMs)}${String(last.micros).padStart(3, '0')}000` : '0';
    return jsonReply(
      200,
      `{"error":[],"result":{"${krakenPairKey(runtime.market)}":[${rows}],"last":"${cursor}"}}`,
      CONTENT_TYPE,
    );
  };

  const assetPairs = (params: URLSearchParams, fault: BookFault | null): Reply => {
    const asked = params.get('pair');
    let listed = options.markets;
    if (asked !== null) {
      const found = asked.split(',').map((name) => byName.get(name));
      if (found.some((m) => m === undefined)) return unknownPair();
      listed = found.filter((m) => m !== undefined);
    }
    const result = Object.fromEntries(listed.map((m) => [krakenPairKey(m.market), assetPair(m.market)]));
    if (fault?.kind === 'schema')
      return jsonReply(200, JSON.stringify({ error: [], result: Object.values(result) }), CONTENT_TYPE);
    return jsonReply(200, JSON.stringify({ error: [], result }), CONTENT_TYPE);
  };

  return {
    venue: 'kraken',
    route(url) {
      const symbol = url.searchParams.get('pair');
      if (url.pathname === '/0/public/Depth') return { endpoint: 'book', symbol };
      if (url.pathname === '/0/public/Trades') return { endpoint: 'trades', symbol };
      if (url.pathname === '/0/public/AssetPairs') return { endpoint: 'AssetPairs', symbol };
      return { endpoint: 'unknown', symbol: null };
    },
    admit() {
      if (options.enforceRateLimits && !limiter.tryAcquire(options.now())) {
        return { rejection: errors(429, 'EGeneral:Too many requests'), headers: {} };
      }
      return { rejection: null, headers: {} };
    },
    respond(route, fault) {
      const params = route.url.searchParams;
      if (route.endpoint === 'AssetPairs') return assetPairs(params, fault);
      if (route.endpoint === 'unknown') return errors(404, 'EGeneral:Unknown method');
      if (route.symbol === null || route.symbol === '') return errors(200, 'EGeneral:Invalid arguments');
      const runtime = byName.get(route.symbol);
      if (!runtime) return unknownPair();
      if (route.endpoint === 'trades') return trades(runtime, fault);
      return depth(runtime, params, fault);
    },
    resetRateLimit() {
      limiter.reset();
    },
    errorReply(status) {
      if (status === 429) return errors(status, 'EGeneral:Too many requests');
      if (status >= 500) return errors(status, 'EService:Unavailable');
      return errors(status, 'EGeneral:Internal error');
    },
  };
}

/** `[price, volume, time, side, type, misc, id]`, time in seconds with microseconds, as Kraken prints them. */
function tradeJson(t: SimTrade, runtime: MarketRuntime, schema: boolean): string {
  const { priceScale, tickUnits } = runtime.generator.format;
  const price = fixedToString({ units: BigInt(t.priceTicks * tickUnits), scale: priceScale }, 5);
  const size = fixedToString({ units: BigInt(t.sizeUnits), scale: SIZE_SCALE }, 8);
  const ms = t.timeMs % 1000;
  const time = `${String(Math.floor(t.timeMs / 1000))}.${String(ms).padStart(3, '0')}${String(t.micros).padStart(3, '0')}`;
  // The wrong shape: price and volume as JSON numbers.
  const [p, s] = schema ? [price, size] : [`"${price}"`, `"${size}"`];
  return `[${p},${s},${time},"${t.takerBuy ? 'b' : 's'}","m","",${t.id.toString()}]`;
}

interface DepthJsonOptions {
  key: string;
  /** Each level's timestamp (whole seconds): the second of the book, as a busy book's levels mostly are. */
  seconds: number;
  /** The wrong-shape variant: prices and volumes as numbers. */
  schema: boolean;
}

/** Compact, as Kraken sends it: asks before bids, prices with 5 decimals and volumes as given. */
export function depthJson(book: Book, format: PriceFormat, opts: DepthJsonOptions): Buffer {
  const out = new ByteWriter(64 + (book.bids.length + book.asks.length) * 40);
  out.text(`{"error":[],"result":{"${opts.key}":{"asks":`);
  writeSide(out, book.asks, format, opts);
  out.text(',"bids":');
  writeSide(out, book.bids, format, opts);
  out.text('}}}');
  return out.toBuffer();
}

const CLOSE_BRACKET = 0x5d;
const STRINGS = levelPunctuation('"', ',');
const NUMBERS = levelPunctuation('', ',');

function writeSide(out: ByteWriter, side: Side, format: PriceFormat, opts: DepthJsonOptions): void {
  const { priceScale, tickUnits } = format;
  const p = opts.schema ? NUMBERS : STRINGS;
  if (side.length === 0) out.text('[');
  for (let i = 0; i < side.length; i++) {
    out.bytes(i === 0 ? p.first : p.next);
    out.decimal((side.ticks[i] ?? 0) * tickUnits, priceScale, 5);
    out.bytes(p.mid);
    out.decimal(side.sizes[i] ?? 0, SIZE_SCALE, null);
    out.bytes(p.after);
    // Older levels rest longer: a level's second goes back with its depth.
    out.uint(Math.max(0, opts.seconds - (i % 60)));
    out.byte(CLOSE_BRACKET);
  }
  out.text(']');
}

/** The AssetPairs entry with the current field set (2025–26). */
function assetPair(market: SimMarket): Record<string, unknown> {
  const tick = parseDecimal(market.tickSize);
  return {
    altname: market.symbol,
    wsname: `${market.base === 'BTC' ? 'XBT' : market.base}/${market.quote}`,
    aclass_base: 'currency',
    base: krakenCode(market.base),
    aclass_quote: 'currency',
    quote: krakenCode(market.quote),
    lot: 'unit',
    cost_decimals: 5,
    pair_decimals: tick.scale,
    lot_decimals: 8,
    lot_multiplier: 1,
    leverage_buy: [2, 3, 4, 5],
    leverage_sell: [2, 3, 4, 5],
    fees: [
      [0, 0.4],
      [10000, 0.35],
      [50000, 0.24],
    ],
    fees_maker: [
      [0, 0.25],
      [10000, 0.2],
      [50000, 0.14],
    ],
    fee_volume_currency: 'ZUSD',
    margin_call: 80,
    margin_stop: 40,
    ordermin: '0.00005',
    costmin: '0.5',
    tick_size: market.tickSize,
    status: market.status ?? 'online',
  };
}

/**
 * Fitted to the recorded book (senken XBTUSD, 5 a side, 2026-09): a 0.1 tick at $77,586, gaps of
 * 1-26 ticks (0.01-0.34 bps), many 0.001 BTC dust levels and 0.6-0.9 BTC at the touch. Deeper
 * levels are not recorded; they are taken to thin out like Binance's.
 */
export const KRAKEN_BOOK_SHAPE: BookShape = {
  touchGapBps: 0.15,
  farGapBps: 0.5,
  rampLevels: 500,
  adjacentShare: 0.3,
  dustShare: 0.45,
  dustMaxQuote: 80,
  sizeLog10: 3.6,
  sizeScale: 0.35,
  touchLog10: 4.7,
  maxLevelQuote: 800_000,
  roundShare: 0.2,
};

/** Kraken gives at most 500 levels a side (`count`). */
function markets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'kraken',
      symbol: 'XBTUSD',
      base: 'BTC',
      quote: 'USD',
      startMid: '84708.4',
      tickSize: '0.1',
      levels: levels ?? KRAKEN_DEPTH_COUNT,
    },
    {
      venue: 'kraken',
      symbol: 'ETHUSD',
      base: 'ETH',
      quote: 'USD',
      startMid: '3201.12',
      tickSize: '0.01',
      levels: levels ?? KRAKEN_DEPTH_COUNT,
    },
  ];
}

export const krakenSimulator: VenueSimulator = {
  claims: (pathname) => pathname.startsWith('/0/public/'),
  create: createKraken,
  markets,
  traits: {
    bookShape: KRAKEN_BOOK_SHAPE,
    // Kraken lots are 10^-8 of the base.
    sizeStepUnits: () => 1,
    // Kraken has no book sequence (the time stands in); its trade ids were in the tens of millions in 2025.
    sequenceBase: 0n,
    tradeIdBase: 10_000_000n,
  },
};
