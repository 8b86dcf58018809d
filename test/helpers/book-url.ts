/**
 * The URL a venue's client asks for a market's book, with the default settings (or these): what a
 * run's raw envelope keeps, so a test load records the depth limit a real run would. Taken from
 * the client itself, so it follows whatever the client asks.
 */
import type { GetRequest, HttpResponse, VenueHttp } from '../../src/http/get.ts';
import { loadConfig } from '../../src/config.ts';
import { venueOf, type Venue } from '../../src/venues/index.ts';

export function bookUrl(venue: Venue, symbol: string, env: Record<string, string> = {}): string {
  const settings = loadConfig(env);
  let asked: string | undefined;
  // Only get() is called by fetchBook; it records the request instead of sending it.
  const http = {
    get(request: GetRequest): Promise<HttpResponse> {
      asked = request.url;
      return Promise.reject(new Error('not sent'));
    },
    blocked: null,
  } as unknown as VenueHttp;
  const client = venueOf(venue).createClient(settings.apiUrl[venue], http, settings);
  void client.fetchBook(symbol).catch(() => undefined);
  if (asked === undefined) throw new Error(`${venue} client asked for no URL for ${symbol}'s book`);
  return asked;
}
