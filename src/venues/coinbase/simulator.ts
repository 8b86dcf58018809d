/** Coinbase Exchange public REST: GET /products, /products/{id}, /products/{id}/book?level=1|2|3, /products/{id}/trades. */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Book, BookShape, PriceFormat, Side } from '../../simulator/books.ts';
import { crossBook, emptyBook } from '../../simulator/books.ts';
import { SIZE_SCALE } from '../../simulator/catalog.ts';
import { fixedToString, parseDecimal, rescale } from '../../simulator/decimal.ts';
import { ByteWriter, levelPunctuation } from '../../simulator/writer.ts';
import { createRequestRateLimiter } from '../../simulator/ratelimit.ts';
import type { SimTrade } from '../../simulator/trades.ts';
import type { BookFault, Reply, SimMarket } from '../../simulator/types.ts';
import { jsonReply, type MarketRuntime, type VenueApi, type VenueApiOptions } from '../../simulator/venue.ts';
import type { VenueSimulator } from '../types.ts';

const CONTENT_TYPE = 'application/json; charset=utf-8';
/** Coinbase's documented public limit. */
const REQUESTS_PER_SECOND = 10;

export function createCoinbase(options: VenueApiOptions): VenueApi {
  const byId = new Map(options.markets.map((m) => [m.market.symbol.toUpperCase(), m]));
  const limiter = createRequestRateLimiter(REQUESTS_PER_SECOND, 1000);
  const message = (status: number, text: string): Reply =>
    jsonReply(status, JSON.stringify({ message: text }), CONTENT_TYPE);

  // Coinbase matches product ids case-insensitively (clients such as CoinbasePro-Powershell send them lower-cased).
  const find = (id: string | null): MarketRuntime | undefined =>
    id === null ? undefined : byId.get(id.toUpperCase());

  return {
    venue: 'coinbase',
    route(url) {
      const parts = url.pathname.split('/').filter((p) => p !== '');
      if (parts[0] !== 'products' || parts.length > 3) return { endpoint: 'unknown', symbol: null };
      const id = parts[1] === undefined ? null : safeDecode(parts[1]);
      if (parts.length === 3) {
        const endpoint = parts[2] === 'book' ? 'book' : parts[2] === 'trades' ? 'trades' : 'unknown';
        return { endpoint, symbol: id };
      }
      return { endpoint: 'products', symbol: id };
    },
    admit(route) {
      if (route.userAgent === null)
        return { rejection: message(400, 'User-Agent header is required.'), headers: {} };
      if (options.enforceRateLimits && !limiter.tryAcquire(options.now())) {
        return { rejection: message(429, 'Public rate limit exceeded'), headers: {} };
      }
      return { rejection: null, headers: {} };
    },
    respond(route, fault) {
      if (route.endpoint === 'products' && route.symbol === null) {
        const list = options.markets.map((m) => product(m, fault?.kind === 'schema'));
        return jsonReply(200, `[${list.join(',')}]`, CONTENT_TYPE);
      }
      const runtime = find(route.symbol);
      if (route.endpoint === 'unknown' || !runtime) return message(404, 'NotFound');
      if (route.endpoint === 'products')
        return jsonReply(200, product(runtime, fault?.kind === 'schema'), CONTENT_TYPE);
      if (route.endpoint === 'trades') return trades(runtime, route.url.searchParams, fault, options.now());
      const level = route.url.searchParams.get('level') ?? '1';
      if (level !== '1' && level !== '2' && level !== '3') return message(400, 'Invalid level');
      if (runtime.recorded && !fault) return jsonReply(200, runtime.recorded, CONTENT_TYPE);
      let book = runtime.generator.next(level === '1' ? 1 : runtime.market.levels);
      if (fault?.kind === 'crossed') book = crossBook(book);
      if (fault?.kind === 'empty') book = emptyBook(book, fault.side ?? 'both');
      const body = bookJson(book, runtime.generator.format, {
        level3: level === '3',
        schema: fault?.kind === 'schema',
        time: nanoTime(options.now()),
        auctionMode: runtime.market.auctionMode === true,
      });
      return jsonReply(200, body, CONTENT_TYPE);
    },
    resetRateLimit() {
      limiter.reset();
    },
    errorReply(status) {
      return message(
        status,
        status === 429 ? 'Public rate limit exceeded' : (STATUS_CODES[status] ?? 'Error'),
      );
    },
  };
}

/** Coinbase's cursor pagination: `limit` (at most 1000, the default), `before`/`after` a trade id. */
function trades(
  runtime: MarketRuntime,
  params: URLSearchParams,
  fault: BookFault | null,
  now: number,
): Reply {
  const numeric = (name: string): bigint | undefined | null => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    return /^\d{1,19}$/.test(raw) ? BigInt(raw) : null;
  };
  const limit = numeric('limit');
  const beforeId = numeric('before');
  const afterId = numeric('after');
  if (limit === null || limit === 0n || beforeId === null || afterId === null) {
    return jsonReply(400, JSON.stringify({ message: 'Invalid pagination parameters' }), CONTENT_TYPE);
  }
  const n = limit === undefined || limit > 1000n ? 1000 : Number(limit);
  const list = fault?.kind === 'empty' ? [] : runtime.tape.recent(now, n, { beforeId, afterId });
  const newestFirst = [...list].reverse();
  const body = `[${newestFirst.map((t) => tradeJson(t, runtime, fault?.kind === 'schema')).join(',')}]`;
  const reply = jsonReply(200, body, CONTENT_TYPE);
  const [newest] = newestFirst;
  const oldest = newestFirst.at(-1);
  if (newest && oldest) {
    reply.headers['Cb-Before'] = newest.id.toString();
    reply.headers['Cb-After'] = oldest.id.toString();
  }
  return reply;
}

/** `side` is the maker's: a taker buy lifted a resting sell. Decimals padded to 8 places. */
function tradeJson(t: SimTrade, runtime: MarketRuntime, schema: boolean): string {
  const { priceScale, tickUnits } = runtime.generator.format;
  const price = fixedToString({ units: BigInt(t.priceTicks * tickUnits), scale: priceScale }, 8);
  const size = fixedToString({ units: BigInt(t.sizeUnits), scale: SIZE_SCALE }, 8);
  const time = `${new Date(t.timeMs).toISOString().slice(0, -1)}${String(t.micros).padStart(3, '0')}Z`;
  // The wrong shape: sizes and prices as JSON numbers.
  const [p, s] = schema ? [price, size] : [`"${price}"`, `"${size}"`];
  return `{"trade_id":${t.id.toString()},"side":"${t.takerBuy ? 'sell' : 'buy'}","size":${s},"price":${p},"time":"${time}"}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface BookJsonOptions {
  level3: boolean;
  /** The wrong-shape variant: numbers instead of decimal strings and no sequence. */
  schema: boolean;
  time: string;
  /** An auction's indicative quote rather than a live book (default false). */
  auctionMode?: boolean;
}

/** Compact JSON, fields in the venue's order: bids, asks, sequence, auction_mode, auction, time. */
export function bookJson(book: Book, format: PriceFormat, opts: BookJsonOptions): Buffer {
  const out = new ByteWriter(64 + (book.bids.length + book.asks.length) * 40);
  out.text('{"bids":');
  writeSide(out, book.bids, format, opts);
  out.text(',"asks":');
  writeSide(out, book.asks, format, opts);
  if (!opts.schema) out.text(`,"sequence":${book.sequence.toString()}`);
  out.text(`,"auction_mode":${String(opts.auctionMode === true)},"auction":null,"time":"${opts.time}"}`);
  return out.toBuffer();
}

const CLOSE_BRACKET = 0x5d;
const STRINGS = levelPunctuation('"', ',');
const NUMBERS = levelPunctuation('', ',');

function writeSide(out: ByteWriter, side: Side, format: PriceFormat, opts: BookJsonOptions): void {
  const { priceScale, tickUnits } = format;
  const p = opts.schema ? NUMBERS : STRINGS;
  if (side.length === 0) out.text('[');
  for (let i = 0; i < side.length; i++) {
    out.bytes(i === 0 ? p.first : p.next);
    out.decimal((side.ticks[i] ?? 0) * tickUnits, priceScale, null);
    out.bytes(p.mid);
    out.decimal(side.sizes[i] ?? 0, SIZE_SCALE, null);
    out.bytes(p.after);
    if (opts.level3) out.text(`"${randomUUID()}"`);
    else out.uint(side.orders[i] ?? 1);
    out.byte(CLOSE_BRACKET);
  }
  out.text(']');
}

/** Coinbase stamps books with nanoseconds; the clock gives ms, the monotonic timer the rest. */
function nanoTime(ms: number): string {
  const subMs = (process.hrtime.bigint() % 1_000_000n).toString().padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, -1)}${subMs}Z`;
}

/** The product object, with the current field set (2026) plus the size limits older clients read. */
function product(runtime: MarketRuntime, schema: boolean): string {
  const { market } = runtime;
  const tick = parseDecimal(market.tickSize);
  const mid = parseDecimal(market.startMid);
  const midAt8 = rescale(mid, SIZE_SCALE);
  const minSize = (10n ** BigInt(2 * SIZE_SCALE) + midAt8 - 1n) / midAt8; // $1 of base, rounded up
  const maxSize = (20_000_000n * 10n ** BigInt(SIZE_SCALE)) / midAt8; // $20M of base
  const fields = {
    id: market.symbol,
    base_currency: market.base,
    quote_currency: market.quote,
    base_min_size: fixedToString({ units: minSize, scale: SIZE_SCALE }),
    base_max_size: maxSize.toString(),
    quote_increment: fixedToString(tick),
    base_increment: '0.00000001',
    display_name: market.symbol,
    min_market_funds: '1',
    max_market_funds: '20000000',
    margin_enabled: false,
    fx_stablecoin: false,
    max_slippage_percentage: '0.02000000',
    post_only: false,
    limit_only: false,
    cancel_only: false,
    trading_disabled: false,
    status: market.status ?? 'online',
    status_message: '',
    auction_mode: market.auctionMode === true,
    high_bid_limit_percentage: '',
  };
  if (!schema) return JSON.stringify(fields);
  // Wrong shape: no id, and increments as JSON numbers rather than decimal strings.
  return JSON.stringify({ ...fields, id: undefined }).replace(
    /"(quote_increment|base_increment)":"([\d.]+)"/g,
    '"$1":$2',
  );
}

/**
 * Fitted to the recorded books. Coinbase BTC-USD (senken, 2026-09, best 30 a side of 21,572 /
 * 22,528): gaps of 57-65 ticks on average at $77,588 (0.075 bps), 28% of them one tick; sizes
 * 0.0005 / 0.07-0.10 / 0.5 BTC at the 10th / 50th / 90th percentile, one in seven a round amount
 * (0.0001, 0.01, 0.06, 0.125, 1), no large touch; 22,000 levels then reach about 10% from mid.
 */
export const COINBASE_BOOK_SHAPE: BookShape = {
  touchGapBps: 0.075,
  farGapBps: 0.045,
  rampLevels: 3000,
  adjacentShare: 0.28,
  dustShare: 0.12,
  dustMaxQuote: 60,
  sizeLog10: 3.82,
  sizeScale: 0.3,
  touchLog10: null,
  maxLevelQuote: 400_000,
  roundShare: 0.15,
};

/**
 * The default markets at prices and ticks of the real venue. Coinbase BTC-USD answered ~22,000
 * levels per side in 2026 (see the senken fixture's note).
 */
function markets(levels?: number): SimMarket[] {
  return [
    {
      venue: 'coinbase',
      symbol: 'BTC-USD',
      base: 'BTC',
      quote: 'USD',
      startMid: '84712.35',
      tickSize: '0.01',
      levels: levels ?? 22_000,
    },
    {
      venue: 'coinbase',
      symbol: 'ETH-USD',
      base: 'ETH',
      quote: 'USD',
      startMid: '3201.47',
      tickSize: '0.01',
      levels: levels ?? 12_000,
    },
  ];
}

/**
 * Coinbase's paths live at the host's root, under /products; as the first venue of the registry it
 * also answers (404) paths no venue claims.
 */
export const coinbaseSimulator: VenueSimulator = {
  claims: (pathname) => pathname.startsWith('/products'),
  create: createCoinbase,
  markets,
  traits: {
    bookShape: COINBASE_BOOK_SHAPE,
    // Every product trades in satoshi-like 0.00000001 steps.
    sizeStepUnits: () => 1,
    // BTC-USD's sequence is around 1.3e11 and its trade ids in the high hundreds of millions.
    sequenceBase: 110_000_000_000n,
    tradeIdBase: 900_000_000n,
  },
};
