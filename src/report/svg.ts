/**
 * Inline SVG charts for the HTML report: labelled axes, nice ticks, lines, steps and areas, a
 * legend — no library, no script, nothing fetched. Every text is escaped.
 *
 * Coordinates are the one place a warehouse decimal becomes a float: a pixel needs four
 * significant digits, not eighteen. Tick labels are built from integers (k × 10^e), and every
 * figure the report prints as a value comes from the view's decimal string through format.ts.
 */
import { groupThousands } from './format.ts';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number from a decimal string, for plotting only. */
export function plotValue(decimal: string): number {
  return Number(decimal);
}

export interface Tick {
  value: number;
  label: string;
}

export interface Axis {
  label: string;
  /** Log scales need positive values. */
  log?: boolean;
  /** Explicit ticks (a log axis has no automatic ones); otherwise about `tickCount` nice ones. */
  ticks?: Tick[];
  tickCount?: number;
  /**
   * Labels of automatic ticks, from each tick's exact decimal string, given with as many decimals
   * as the tick step has (so an axis of 0.5 steps reads 0.0, 0.5, 1.0: one precision throughout).
   */
  format?: (decimal: string) => string;
  /** Or all labels at once, e.g. compactLabels: one suffix and precision for the whole axis. */
  labels?: (decimals: string[]) => string[];
  /** Force the range to include these values (e.g. 0). */
  include?: number[];
  /** Automatic ticks on a time axis (values are epoch milliseconds, labels UTC). */
  time?: boolean;
  /** Widen the range to whole tick steps, so the lowest and highest gridlines are labelled. */
  nice?: boolean;
}

export type MarkerShape = 'circle' | 'triangle' | 'square' | 'diamond';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  /** Draw horizontal-then-vertical steps between points (a depth chart's cumulative sums). */
  step?: boolean;
  /** Shade the area between the line and y = 0. */
  area?: boolean;
  /** Mark each point (a circle unless `marker` says otherwise); `titles[i]` is its tooltip. */
  dots?: boolean;
  marker?: MarkerShape;
  titles?: string[];
  /** Leave out of the legend (e.g. the second half of a pair drawn in one colour). */
  hideInLegend?: boolean;
}

export interface Marker {
  x: number;
  label: string;
}

export interface ChartOptions {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  markers?: Marker[];
  width?: number;
  height?: number;
}

const MARGIN = { top: 52, right: 24, bottom: 52, left: 84 };
const NICE = [1, 2, 2.5, 5, 10];

/** Exact decimal string of k × 10^e (e may be negative). */
function decimalOf(k: bigint, e: number): string {
  if (k === 0n) return '0';
  const negative = k < 0n;
  let digits = (negative ? -k : k).toString();
  if (e >= 0) digits += '0'.repeat(e);
  else {
    digits = digits.padStart(-e + 1, '0');
    const cut = digits.length + e;
    digits = `${digits.slice(0, cut)}.${digits.slice(cut)}`.replace(/\.?0+$/, '');
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** `decimal` with at least `places` fraction digits ("1.5", 2 → "1.50"). */
function padDecimals(decimal: string, places: number): string {
  if (places <= 0) return decimal;
  const [int = '0', frac = ''] = decimal.split('.');
  return `${int}.${frac.padEnd(places, '0')}`;
}

/**
 * About `count` round ticks across [min, max]: steps of 1, 2, 2.5 or 5 × 10^e. Every label has the
 * step's decimals, so the ticks of one axis share one precision.
 */
export function niceTicks(
  min: number,
  max: number,
  count: number,
  format: (d: string) => string,
  labels?: (decimals: string[]) => string[],
): Tick[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [];
  const { mantissa, exponent, step } = niceStep(min, max, count);
  const places = Math.max(0, -exponent);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const values: number[] = [];
  const exact: string[] = [];
  for (let i = first; i <= last && values.length < 50; i++) {
    values.push(i * step);
    exact.push(padDecimals(decimalOf(BigInt(i) * mantissa, exponent), places));
  }
  const text = labels ? labels(exact) : exact.map(format);
  return values.map((value, i) => ({ value, label: text[i] ?? '' }));
}

/** The round step of about `count` ticks across [min, max]: mantissa × 10^exponent. */
function niceStep(
  min: number,
  max: number,
  count: number,
): { mantissa: bigint; exponent: number; step: number } {
  const rough = (max - min) / Math.max(1, count);
  let e = Math.floor(Math.log10(rough));
  let pick = NICE.find((n) => n * 10 ** e >= rough) ?? 10;
  if (pick === 10) {
    pick = 1;
    e += 1;
  }
  // A step of 2.5 × 10^e is 25 × 10^(e−1): keep the mantissa whole.
  const [mantissa, exponent] = pick === 2.5 ? [25n, e - 1] : [BigInt(pick), e];
  return { mantissa, exponent, step: Number(mantissa) * 10 ** exponent };
}

/** [min, max] widened to whole steps of its own ticks. */
function niceRange(min: number, max: number, count: number): [number, number] {
  if (!(max > min)) return [min, max];
  const { step } = niceStep(min, max, count);
  return [Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step];
}

/**
 * Labels for large amounts with one suffix and one precision for the whole axis, chosen by the
 * largest: 0 · 500k · 1,000k, or 0 · 0.5M · 1.0M · 1.5M. Built on the exact strings.
 */
export function compactLabels(decimals: string[]): string[] {
  const magnitude = Math.max(...decimals.map((d) => d.replace(/^-/, '').split('.')[0]?.length ?? 0));
  const [shift, suffix] = magnitude > 6 ? [6, 'M'] : magnitude > 3 ? [3, 'k'] : [0, ''];
  const scaled = decimals.map((d) => shiftDecimal(d, shift));
  const places = Math.max(0, ...scaled.map((d) => d.split('.')[1]?.length ?? 0));
  return scaled.map((d) =>
    /^-?0(\.0*)?$/.test(d) ? '0' : `${groupThousands(padDecimals(d, places))}${suffix}`,
  );
}

/** The exact decimal divided by 10^places, without trailing zeros. */
function shiftDecimal(decimal: string, places: number): string {
  const negative = decimal.startsWith('-');
  const [int = '0', frac = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  const digits = (int + frac).replace(/^0+(?=\d)/, '');
  const point = digits.length - frac.length - places;
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits;
  const at = point <= 0 ? 1 : point;
  const whole = padded.slice(0, at).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(at).replace(/0+$/, '');
  return `${negative && /[1-9]/.test(whole + fraction) ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

const TIME_STEPS_MS = [
  1000,
  5000,
  10_000,
  30_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  7 * 86_400_000,
];

/** Round UTC times across [min, max] ms: "13:05" ("13:05:30" in seconds), "11-21 13:00" across days. */
export function timeTicks(min: number, max: number, count: number): Tick[] {
  if (!(max > min)) return [];
  const rough = (max - min) / Math.max(1, count);
  const step = TIME_STEPS_MS.find((s) => s >= rough) ?? 30 * 86_400_000;
  const days = max - min > 86_400_000;
  const ticks: Tick[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max && ticks.length < 50; t += step) {
    const iso = new Date(t).toISOString();
    const label = days
      ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
      : step < 60_000
        ? iso.slice(11, 19)
        : iso.slice(11, 16);
    ticks.push({ value: t, label });
  }
  return ticks;
}

interface Scale {
  (value: number): number;
  min: number;
  max: number;
}

/** A time axis with one point spans a minute either side of it. */
const TIME_PAD_MS = 60_000;

function extent(values: number[], include: number[] = [], log = false, time = false): [number, number] {
  const all = [...values, ...include].filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (all.length === 0) return log ? [1, 10] : [0, 1];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    const pad = log ? 2 : time ? TIME_PAD_MS : Math.abs(min) * 0.001 || 1;
    if (log) {
      min /= pad;
      max *= pad;
    } else {
      min -= pad;
      max += pad;
    }
  }
  return [min, max];
}

function scale(min: number, max: number, from: number, to: number, log = false): Scale {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(min);
  const b = f(max);
  const s = ((value: number) => from + ((f(value) - a) / (b - a)) * (to - from)) as Scale;
  s.min = min;
  s.max = max;
  return s;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

/**
 * Drops points that land on the same pixel column as the next one (keeping the last): a
 * cumulative depth of thousands of levels needs one point per pixel, not one per level.
 */
function thin(points: [number, number][], sx: Scale): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    const next = points[i + 1];
    if (!point) continue;
    if (i > 0 && next && Math.round(sx(next[0])) === Math.round(sx(point[0]))) continue;
    out.push(point);
  }
  return out;
}

function pathOf(points: [number, number][], sx: Scale, sy: Scale, step: boolean): string {
  const parts: string[] = [];
  let previousY: number | undefined;
  for (const [x, y] of points) {
    const px = fmt(sx(x));
    const py = fmt(sy(y));
    if (parts.length === 0) parts.push(`M${px},${py}`);
    else if (step && previousY !== undefined) parts.push(`L${px},${fmt(sy(previousY))}`, `L${px},${py}`);
    else parts.push(`L${px},${py}`);
    previousY = y;
  }
  return parts.join(' ');
}

/** A complete `<svg class="chart">` with axes, gridlines, series, markers and legend. */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 320;
  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right;
  const plotTop = MARGIN.top;
  const plotBottom = height - MARGIN.bottom;
  const xs = options.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = options.series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1] = extent(
    [...xs, ...(options.markers ?? []).map((m) => m.x), ...(options.x.ticks ?? []).map((t) => t.value)],
    options.x.include,
    options.x.log,
    options.x.time,
  );
  const [yMin, yMax] = extent(ys, options.y.include, options.y.log);
  // A little headroom above the highest value so the line does not run along the frame.
  const headroom = options.y.log ? yMax : yMax + (yMax - yMin) * 0.05;
  const [y0, yTop] =
    options.y.nice && !options.y.log ? niceRange(yMin, headroom, options.y.tickCount ?? 5) : [yMin, headroom];
  const sx = scale(x0, x1, plotLeft, plotRight, options.x.log);
  const sy = scale(y0, yTop, plotBottom, plotTop, options.y.log);
  const identity = (d: string) => groupThousands(d);
  const xTicks =
    options.x.ticks ??
    (options.x.time
      ? timeTicks(x0, x1, options.x.tickCount ?? 6)
      : niceTicks(x0, x1, options.x.tickCount ?? 6, options.x.format ?? identity, options.x.labels));
  const yTicks =
    options.y.ticks ??
    niceTicks(y0, yTop, options.y.tickCount ?? 5, options.y.format ?? identity, options.y.labels);

  const out: string[] = [];
  const plotted = options.series.filter((s) => s.points.length > 0).length;
  out.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}" data-series="${plotted}">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<text class="chart-title" x="${plotLeft}" y="20">${escapeXml(options.title)}</text>`,
  );

  // Gridlines and tick labels.
  out.push('<g class="grid">');
  for (const t of yTicks) {
    const y = fmt(sy(t.value));
    out.push(
      `<line x1="${plotLeft}" x2="${plotRight}" y1="${y}" y2="${y}"/>`,
      `<text class="tick" x="${plotLeft - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = fmt(sx(t.value));
    out.push(
      `<line x1="${x}" x2="${x}" y1="${plotTop}" y2="${plotBottom}"/>`,
      `<text class="tick" x="${x}" y="${plotBottom + 16}" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  out.push('</g>');
  out.push(
    `<rect class="frame" x="${plotLeft}" y="${plotTop}" width="${plotRight - plotLeft}" height="${plotBottom - plotTop}"/>`,
    `<text class="axis-label" x="${(plotLeft + plotRight) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.x.label)}</text>`,
    `<text class="axis-label" transform="translate(16 ${(plotTop + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.y.label)}</text>`,
  );

  for (const marker of options.markers ?? []) {
    const x = fmt(sx(marker.x));
    out.push(
      `<line class="marker" x1="${x}" x2="${x}" y1="${plotTop}" y2="${plotBottom}"/>`,
      `<text class="marker-label" x="${x}" y="${plotTop - 4}" text-anchor="middle">${escapeXml(marker.label)}</text>`,
    );
  }

  out.push(`<g class="plot">`);
  for (const s of options.series) {
    if (s.points.length === 0) continue;
    const points = s.step ? thin(s.points, sx) : s.points;
    const d = pathOf(points, sx, sy, s.step === true);
    const color = escapeXml(s.color);
    if (s.area) {
      const first = points[0];
      const last = points[points.length - 1];
      if (first && last) {
        const base = fmt(sy(Math.max(y0, 0)));
        out.push(
          `<path class="area" d="${d} L${fmt(sx(last[0]))},${base} L${fmt(sx(first[0]))},${base} Z" fill="${color}"/>`,
        );
      }
    }
    out.push(
      `<path class="series" d="${d}" stroke="${color}"${s.dashed ? ' stroke-dasharray="6 4"' : ''} data-name="${escapeXml(s.name)}" data-points="${points.length}"><title>${escapeXml(s.name)}</title></path>`,
    );
    if (s.dots) {
      s.points.forEach(([x, y], i) => {
        const title = s.titles?.[i];
        out.push(markerAt(s.marker ?? 'circle', sx(x), sy(y), color, title, 'dot'));
      });
    }
  }
  if (plotted === 0) {
    out.push(
      `<text class="empty" x="${(plotLeft + plotRight) / 2}" y="${(plotTop + plotBottom) / 2}" text-anchor="middle">no data</text>`,
    );
  }
  out.push('</g>');

  // Legend, right-aligned on the title line.
  const legend = options.series.filter((s) => !s.hideInLegend && s.points.length > 0);
  let lx = plotRight;
  const items: string[] = [];
  for (const s of [...legend].reverse()) {
    const textWidth = s.name.length * 6.6;
    lx -= textWidth + 34;
    const sample = s.dots
      ? markerAt(s.marker ?? 'circle', lx + 11, 40, escapeXml(s.color), undefined, 'key')
      : '';
    items.push(
      `<g class="legend-item" data-name="${escapeXml(s.name)}">`,
      `<line x1="${fmt(lx)}" x2="${fmt(lx + 22)}" y1="40" y2="40" stroke="${escapeXml(s.color)}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      sample,
      `<text class="legend" x="${fmt(lx + 26)}" y="40" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
      '</g>',
    );
  }
  out.push(`<g class="legend">${items.join('')}</g>`, '</svg>');
  return out.join('\n');
}

/** A point's mark: a shape centred on (x, y), `color` already escaped. */
function markerAt(
  shape: MarkerShape,
  x: number,
  y: number,
  color: string,
  title: string | undefined,
  cls: string,
): string {
  const tip = title ? `<title>${escapeXml(title)}</title>` : '';
  const attrs = `class="${cls} marker-${shape}" fill="${color}" data-marker="${shape}"`;
  const r = 3.5;
  const points = (pairs: [number, number][]) =>
    pairs.map(([px, py]) => `${fmt(x + px)},${fmt(y + py)}`).join(' ');
  switch (shape) {
    case 'circle':
      return `<circle ${attrs} cx="${fmt(x)}" cy="${fmt(y)}" r="3">${tip}</circle>`;
    case 'square':
      return `<rect ${attrs} x="${fmt(x - 3)}" y="${fmt(y - 3)}" width="6" height="6">${tip}</rect>`;
    case 'triangle':
      return `<polygon ${attrs} points="${points([
        [0, -r - 0.8],
        [r + 0.6, r - 0.4],
        [-r - 0.6, r - 0.4],
      ])}">${tip}</polygon>`;
    case 'diamond':
      return `<polygon ${attrs} points="${points([
        [0, -r - 0.5],
        [r + 0.5, 0],
        [0, r + 0.5],
        [-r - 0.5, 0],
      ])}">${tip}</polygon>`;
  }
}

/** A horizontal bar split into coloured parts (shares that sum to at most 100). */
export function shareBar(parts: { share: number; color: string; title: string }[], width = 160): string {
  let x = 0;
  const rects = parts
    .filter((p) => p.share > 0)
    .map((p) => {
      const w = (Math.min(100, p.share) / 100) * width;
      const rect = `<rect x="${fmt(x)}" y="0" width="${fmt(w)}" height="12" fill="${escapeXml(p.color)}"><title>${escapeXml(p.title)}</title></rect>`;
      x += w;
      return rect;
    });
  return `<svg class="share" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 12" width="${width}" height="12"><rect class="share-bg" x="0" y="0" width="${width}" height="12"/>${rects.join('')}</svg>`;
}
