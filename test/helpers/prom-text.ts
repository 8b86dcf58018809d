/**
 * A strict parser of the Prometheus text exposition format (0.0.4), what node_exporter's textfile
 * collector reads: written from the format's description, independent of prom-client, so a test
 * can tell a file is one a scraper accepts. It refuses what Prometheus' own parser refuses: bad
 * names, unquoted or badly escaped label values, duplicate labels, values that are not floats, a
 * TYPE after its samples or twice, a family split in two, a series given twice, a last line
 * without its line feed.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number | null;
}

export interface PromFamily {
  name: string;
  type: MetricType;
  help: string | null;
  samples: PromSample[];
}

export class PromParseError extends Error {
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'PromParseError';
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseFloatStrict(text: string, line: number): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!FLOAT.test(text)) throw new PromParseError(line, `value ${JSON.stringify(text)} is not a float`);
  return Number(text);
}

/** The family a sample belongs to: histogram and summary samples carry suffixes. */
function familyOf(name: string, types: Map<string, MetricType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (types.get(base) === 'histogram' || types.get(base) === 'summary'))
      return base;
  }
  return name;
}

/** `{a="x",b="y"}` from position `at` (the brace); returns the labels and the position after `}`. */
function parseLabels(
  text: string,
  at: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new PromParseError(line, 'label without "="');
    const name = text.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new PromParseError(line, `bad label name ${JSON.stringify(name)}`);
    if (name.startsWith('__')) throw new PromParseError(line, `label name ${name} is reserved`);
    if (Object.hasOwn(labels, name)) throw new PromParseError(line, `label ${name} given twice`);
    i = eq + 1;
    if (text[i] !== '"') throw new PromParseError(line, `label ${name}: value not quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PromParseError(line, `label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\' || next === '"') value += next;
        else if (next === 'n') value += '\n';
        else throw new PromParseError(line, `label ${name}: bad escape \\${next ?? ''}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new PromParseError(line, `expected "," or "}" after label ${name}`);
  }
}

export function parsePromText(text: string): Map<string, PromFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new PromParseError(0, 'the last line has no line feed');
  const families = new Map<string, PromFamily>();
  const types = new Map<string, MetricType>();
  const helps = new Map<string, string>();
  const seenSeries = new Set<string>();
  const closed = new Set<string>();
  let current: string | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
      if (!m) return; // a comment
      const [, keyword, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new PromParseError(line, `bad metric name ${JSON.stringify(name)}`);
      if (keyword === 'TYPE') {
        if (types.has(name)) throw new PromParseError(line, `second TYPE for ${name}`);
        if (families.get(name)?.samples.length)
          throw new PromParseError(line, `TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim())) throw new PromParseError(line, `unknown type ${JSON.stringify(rest)}`);
        types.set(name, rest.trim() as MetricType);
      } else {
        if (helps.has(name)) throw new PromParseError(line, `second HELP for ${name}`);
        helps.set(
          name,
          rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')),
        );
      }
      return;
    }
    const nameEnd = raw.search(/[{\s]/);
    const name = nameEnd === -1 ? raw : raw.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new PromParseError(line, `bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let pos = name.length;
    if (raw[pos] === '{') ({ labels, end: pos } = parseLabels(raw, pos, line));
    const fields = raw.slice(pos).trim().split(/\s+/);
    if (raw[pos] !== ' ' && raw[pos] !== '\t') throw new PromParseError(line, 'no space before the value');
    if (fields.length < 1 || fields.length > 2 || fields[0] === '')
      throw new PromParseError(
        line,
        `expected a value and an optional timestamp, got ${JSON.stringify(fields)}`,
      );
    const value = parseFloatStrict(fields[0] ?? '', line);
    const ts = fields[1];
    if (ts !== undefined && !/^-?\d+$/.test(ts))
      throw new PromParseError(line, `timestamp ${ts} is not an integer`);
    const family = familyOf(name, types);
    if (family !== current) {
      if (closed.has(family)) throw new PromParseError(line, `samples of ${family} are not together`);
      if (current !== null) closed.add(current);
      current = family;
    }
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seenSeries.has(series)) throw new PromParseError(line, `series ${series} given twice`);
    seenSeries.add(series);
    const entry = families.get(family) ?? {
      name: family,
      type: types.get(family) ?? 'untyped',
      help: helps.get(family) ?? null,
      samples: [],
    };
    entry.samples.push({ name, labels, value, timestampMs: ts === undefined ? null : Number(ts) });
    families.set(family, entry);
  });
  for (const family of families.values()) {
    if (family.type === 'counter' && family.samples.some((s) => !(s.value >= 0)))
      throw new PromParseError(0, `counter ${family.name} has a negative or NaN value`);
  }
  return families;
}
