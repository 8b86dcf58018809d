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
  /** Labels of automatic ticks: from the tick's exact decimal string. */
  format?: (decimal: string) => string;
  /** Force the range to include these values (e.g. 0). */
  include?: number[];
  /** Automatic ticks on a time axis (values are epoch milliseconds, labels UTC). */
  time?: boolean;
}

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
  /** Draw horizontal-then-vertical steps between points (a depth chart's cumulative sums). */
  step?: boolean;
  /** Shade the area between the line and y = 0. */
  area?: boolean;
  /** Mark each point with a dot; `titles[i]` is its tooltip. */
  dots?: boolean;
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

/** About `count` round ticks across [min, max]: steps of 1, 2, 2.5 or 5 × 10^e. */
export function niceTicks(min: number, max: number, count: number, format: (d: string) => string): Tick[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return [];
  const rough = (max - min) / Math.max(1, count);
  let e = Math.floor(Math.log10(rough));
  let pick = NICE.find((n) => n * 10 ** e >= rough) ?? 10;
  if (pick === 10) {
    pick = 1;
    e += 1;
  }
  // A step of 2.5 × 10^e is 25 × 10^(e−1): keep the mantissa whole.
  const [mantissa, exponent] = pick === 2.5 ? [25n, e - 1] : [BigInt(pick), e];
  const step = Number(mantissa) * 10 ** exponent;
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: Tick[] = [];
  for (let i = first; i <= last && ticks.length < 50; i++) {
    const exact = decimalOf(BigInt(i) * mantissa, exponent);
    ticks.push({ value: i * step, label: format(exact) });
  }
  return ticks;
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

/** "1500000" → "1.5M", "25000" → "25k", "12.5" → "12.5": compact, from the exact string. */
export function compactDecimal(decimal: string): string {
  const negative = decimal.startsWith('-');
  const [int = '0', frac = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  const shift = (places: number, suffix: string) => {
    const head = int.slice(0, int.length - places);
    const tail = `${int.slice(int.length - places)}${frac}`.replace(/0+$/, '');
    return `${negative ? '-' : ''}${groupThousands(head)}${tail ? `.${tail}` : ''}${suffix}`;
  };
  if (int.length > 6) return shift(6, 'M');
  if (int.length > 3) return shift(3, 'k');
  return decimal;
}

interface Scale {
  (value: number): number;
  min: number;
  max: number;
}

function extent(values: number[], include: number[] = [], log = false): [number, number] {
  const all = [...values, ...include].filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (all.length === 0) return log ? [1, 10] : [0, 1];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (min === max) {
    const pad = log ? 2 : Math.abs(min) * 0.01 || 1;
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
  );
  const [y0, y1] = extent(ys, options.y.include, options.y.log);
  // A little headroom above the highest value so the line does not run along the frame.
  const yTop = options.y.log ? y1 : y1 + (y1 - y0) * 0.05;
  const sx = scale(x0, x1, plotLeft, plotRight, options.x.log);
  const sy = scale(y0, yTop, plotBottom, plotTop, options.y.log);
  const identity = (d: string) => groupThousands(d);
  const xTicks =
    options.x.ticks ??
    (options.x.time
      ? timeTicks(x0, x1, options.x.tickCount ?? 6)
      : niceTicks(x0, x1, options.x.tickCount ?? 6, options.x.format ?? identity));
  const yTicks =
    options.y.ticks ?? niceTicks(y0, yTop, options.y.tickCount ?? 5, options.y.format ?? identity);

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
        out.push(
          `<circle class="dot" cx="${fmt(sx(x))}" cy="${fmt(sy(y))}" r="3" fill="${color}">${title ? `<title>${escapeXml(title)}</title>` : ''}</circle>`,
        );
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
    lx -= textWidth + 26;
    items.push(
      `<line x1="${fmt(lx)}" x2="${fmt(lx + 16)}" y1="40" y2="40" stroke="${escapeXml(s.color)}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text class="legend" x="${fmt(lx + 20)}" y="40" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  }
  out.push(`<g class="legend">${items.join('')}</g>`, '</svg>');
  return out.join('\n');
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
