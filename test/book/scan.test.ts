import { describe, expect, it } from 'vitest';
import { BookError, parseBook, parseGeneral, scanBook } from '../../src/venues/index.ts';
import type { Venue } from '../../src/markets.ts';
import { mulberry32, randomInt } from '../../src/simulator/random.ts';
import { fixtureText } from '../helpers/fixtures.ts';

/** What the general way makes of the text, or the error kind it throws. */
function general(venue: Venue, text: string) {
  try {
    return parseGeneral(venue, 'X', text);
  } catch (error) {
    return (error as BookError).kind;
  }
}

const RECORDED: [Venue, string][] = [
  ['coinbase', 'coinbase-book-l2-BTC-USD-senken.json'],
  ['coinbase', 'coinbase-book-l2-BTC-USD-bennycode.json'],
  ['coinbase', 'coinbase-book-l2-BTC-USD-ldalonzo.json'],
  ['coinbase', 'coinbase-book-l2-BTC-EUR-bennycode.json'],
  ['coinbase', 'coinbase-book-l2-ETH-USDT-openbb.json'],
  ['binance', 'binance-depth-BTCUSDT-5-soworks.json'],
  ['binance', 'binance-depth-BTCUSDT-10-nautilus.json'],
  ['binance', 'binance-depth-BTCUSDT-20-mdolmen.json'],
];

const COINBASE =
  '{"bids":[["100.5","0.1",3],["100","2",1]],"asks":[["101","1.5",2]],"sequence":123456789012,' +
  '"auction_mode":false,"time":"2026-11-21T10:00:00.123456789Z"}';
const BINANCE =
  '{"lastUpdateId":1152921504606846976,"bids":[["84705.63000000","5.70639000"]],"asks":[["84705.64000000","0.53003000"]]}';

describe('scanBook, the fast path of parseBook', () => {
  it.each(RECORDED)(
    'reads the recorded %s book %s itself, exactly as the general way does',
    (venue, name) => {
      const text = fixtureText(name);
      const fast = scanBook(venue, 'X', text);
      expect(fast).not.toBeNull();
      expect(fast).toEqual(general(venue, text));
    },
  );

  it.each([
    ['coinbase', COINBASE],
    ['binance', BINANCE],
    [
      'coinbase',
      ' \n{ "time" : "2026-11-21T10:00:00Z" , "sequence":0,"extra":{"a":[1,-2.5e3,"\\u00e9",null,true]},"asks":[ ["1","2",0] ],"bids":[["0.5","1",20]] }\r\n',
    ],
    ['coinbase', '{"bids":[["1","1",1]],"asks":[["2","1",1]],"sequence":5,"auction_mode":null}'],
    ['binance', '{"lastUpdateId":0,"bids":[],"asks":[],"E":1}'],
  ] as [Venue, string][])('reads %s %j', (venue, text) => {
    const fast = scanBook(venue, 'X', text);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(general(venue, text));
  });

  it.each([
    ['an escaped price', '{"lastUpdateId":1,"bids":[["8\\u0034","1"]],"asks":[]}'],
    ['a repeated key', '{"lastUpdateId":1,"bids":[],"bids":[["1","2"]],"asks":[]}'],
    ['a number with a fraction', '{"lastUpdateId":1.0,"bids":[],"asks":[]}'],
    ['a negative sequence', '{"lastUpdateId":-1,"bids":[],"asks":[]}'],
    ['a leading zero', '{"lastUpdateId":01,"bids":[],"asks":[]}'],
    ['a missing key', '{"lastUpdateId":1,"bids":[]}'],
    ['a tuple too long', '{"lastUpdateId":1,"bids":[["1","2","3"]],"asks":[]}'],
    ['a number for a price', '{"lastUpdateId":1,"bids":[[1,"2"]],"asks":[]}'],
    ['trailing text', `${BINANCE}x`],
    ['a BOM', `\ufeff${BINANCE}`],
    ['truncation', BINANCE.slice(0, 50)],
    ['an array', '[]'],
    ['a bad escape in an unused key', '{"lastUpdateId":1,"bids":[],"asks":[],"x":"\\q"}'],
  ])('declines %s and leaves it to the general way', (_what, text) => {
    expect(scanBook('binance', 'X', text)).toBeNull();
  });

  it('agrees with the general way on 20,000 random variations of a body, most of them broken', () => {
    const random = mulberry32(6);
    const noise = [
      ...Array.from('{}[]",:\\ \n0123456789-.eEtrufalsn'),
      'é',
      '"bids"',
      '"asks"',
      '"sequence"',
      '"time"',
    ];
    let read = 0;
    let declined = 0;
    for (let n = 0; n < 20_000; n++) {
      const venue: Venue = random() < 0.5 ? 'coinbase' : 'binance';
      let text = venue === 'coinbase' ? COINBASE : BINANCE;
      for (let k = randomInt(random, 0, 2); k > 0; k--) {
        const at = randomInt(random, 0, text.length);
        const bit = noise[randomInt(random, 0, noise.length - 1)] ?? ' ';
        const op = randomInt(random, 0, 2);
        text =
          op === 0
            ? text.slice(0, at) + text.slice(at + 1)
            : op === 1
              ? text.slice(0, at) + bit + text.slice(at)
              : text.slice(0, at) + bit + text.slice(at + 1);
      }
      const fast = scanBook(venue, 'X', text);
      if (fast === null) {
        declined++;
        continue;
      }
      read++;
      const expected = general(venue, text);
      if (
        JSON.stringify(fast, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) !==
        JSON.stringify(expected, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
      ) {
        expect.fail(`scanBook read ${JSON.stringify(text)} differently from the general way`);
      }
    }
    expect(read).toBeGreaterThan(2000);
    expect(declined).toBeGreaterThan(2000);
  });

  it('parseBook still names what is wrong with a body the scan declines', () => {
    expect(() => parseBook('binance', 'X', '{"lastUpdateId":1,"bids":[[1,"2"]],"asks":[]}')).toThrow(
      /bids\.0\.0/,
    );
    expect(() => parseBook('binance', 'X', BINANCE.slice(0, 50))).toThrow(BookError);
  });
});
