/** The registry is the one list of venues: every part of every venue, and nothing else, comes from it. */
import { describe, expect, it } from 'vitest';
import { ConfigError, describeSettings, loadConfig } from '../../src/config.ts';
import { META_ENDPOINTS } from '../../src/raw/keys.ts';
import { allSimMarkets } from '../../src/simulator/index.ts';
import {
  allVenues,
  createVenueClients,
  defaultLimiters,
  REGISTRY,
  VENUE_NAMING,
  VENUES,
} from '../../src/venues/index.ts';
import { capturingLogger } from '../helpers/log.ts';

describe('the venue registry', () => {
  it('lists exactly the codes of codes.ts, in their order, each under its own code', () => {
    expect(Object.keys(REGISTRY)).toEqual(VENUES);
    expect(Object.keys(VENUE_NAMING)).toEqual(VENUES);
    expect(allVenues().map((v) => v.code)).toEqual(VENUES);
  });

  it('gives every venue each part: client, book, trades, metadata and simulator', () => {
    for (const v of allVenues()) {
      expect(v.name, v.code).toMatch(/\S/);
      expect(typeof v.createLimiter, v.code).toBe('function');
      expect(typeof v.createClient, v.code).toBe('function');
      expect(typeof v.book.normalize, v.code).toBe('function');
      expect(typeof v.trades.normalize, v.code).toBe('function');
      expect(v.metadata.endpoint, v.code).toBe(VENUE_NAMING[v.code].metadataEndpoint);
      expect(typeof v.metadata.parse, v.code).toBe('function');
      expect(typeof v.simulator.create, v.code).toBe('function');
      const markets = v.simulator.markets(10);
      expect(markets.length, v.code).toBeGreaterThan(0);
      expect(new Set(markets.map((m) => m.venue)), v.code).toEqual(new Set([v.code]));
      for (const m of markets) expect(m.symbol, v.code).toMatch(VENUE_NAMING[v.code].symbolPattern);
    }
  });

  it('makes one limiter and one client per venue, each speaking for its venue', () => {
    const config = loadConfig({});
    expect(Object.keys(defaultLimiters())).toEqual(VENUES);
    const clients = createVenueClients(config, capturingLogger().log);
    expect(Object.keys(clients)).toEqual(VENUES);
    for (const v of VENUES) {
      expect(clients[v].venue).toBe(v);
      expect(clients[v].metadataEndpoint).toBe(VENUE_NAMING[v].metadataEndpoint);
    }
  });

  it('names a real setting for each venue API URL, read into config.apiUrl', () => {
    const settings = describeSettings();
    const config = loadConfig({});
    expect(Object.keys(config.apiUrl).sort()).toEqual([...VENUES].sort());
    for (const v of allVenues()) {
      expect(settings[v.apiUrlSetting], v.apiUrlSetting).toBeDefined();
      const url = 'http://127.0.0.1:9/x';
      expect(loadConfig({ [v.apiUrlSetting]: url }).apiUrl[v.code]).toBe(url);
    }
  });

  it('is the list MARKETS accepts: every registry code, and nothing else', () => {
    const markets = VENUES.map((v) => `${v}:${VENUE_NAMING[v].exampleSymbol}`).join(',');
    expect(loadConfig({ MARKETS: markets }).markets.map((m) => m.venue)).toEqual(VENUES);
    let error: unknown;
    try {
      loadConfig({ MARKETS: 'nasdaq:AAPL' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`known venues: ${VENUES.join(', ')}`);
  });

  it('is the list raw keys and the simulator take their venues from', () => {
    expect(META_ENDPOINTS).toEqual([...new Set(VENUES.map((v) => VENUE_NAMING[v].metadataEndpoint))]);
    expect([...new Set(allSimMarkets(10).map((m) => m.venue))]).toEqual(VENUES);
  });
});
