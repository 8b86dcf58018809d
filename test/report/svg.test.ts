import { describe, expect, it } from 'vitest';
import { compactLabels, lineChart, niceTicks } from '../../src/report/svg.ts';

const decimals = (label: string) => label.replace(/[^\d.]/g, '').split('.')[1]?.length ?? 0;

describe('niceTicks', () => {
  it('gives every label of an axis the decimals of its step', () => {
    const labels = (min: number, max: number) => niceTicks(min, max, 5, (d) => d).map((t) => t.label);
    expect(labels(10, 12.2)).toEqual(['10.0', '10.5', '11.0', '11.5', '12.0']);
    expect(labels(0, 0.011)).toEqual(['0.0000', '0.0025', '0.0050', '0.0075', '0.0100']);
    expect(labels(84_700, 84_716)).toEqual(['84700', '84705', '84710', '84715']);
    for (const [min, max] of [
      [0.1, 0.93],
      [3190.5, 3212.25],
      [0, 1.5e7],
    ] as const) {
      const ticks = labels(min, max);
      expect(new Set(ticks.map(decimals)).size, ticks.join(' ')).toBe(1);
    }
  });
});

describe('compactLabels', () => {
  it('uses one suffix and one precision for the whole axis, from the exact strings', () => {
    expect(compactLabels(['0', '500000', '1000000', '1500000', '2000000'])).toEqual([
      '0',
      '0.5M',
      '1.0M',
      '1.5M',
      '2.0M',
    ]);
    expect(compactLabels(['0', '25000', '50000', '75000'])).toEqual(['0', '25k', '50k', '75k']);
    expect(compactLabels(['0', '2500', '5000', '7500', '10000'])).toEqual([
      '0',
      '2.5k',
      '5.0k',
      '7.5k',
      '10.0k',
    ]);
    expect(compactLabels(['0', '0.5', '1'])).toEqual(['0', '0.5', '1.0']);
    expect(compactLabels(['20000000', '40000000'])).toEqual(['20M', '40M']);
  });
});

describe('lineChart', () => {
  const chart = (dots: boolean) =>
    lineChart({
      title: 'two series',
      x: { label: 'order size (USD)' },
      y: { label: 'cost (bps)', nice: true },
      series: [
        {
          name: 'a buy',
          color: '#1f77b4',
          dots,
          marker: 'circle',
          points: [
            [1, 10.02],
            [2, 10.4],
          ],
        },
        {
          name: 'a sell',
          color: '#0b3d66',
          dots,
          marker: 'triangle',
          dashed: true,
          points: [
            [1, 10.05],
            [2, 11.9],
          ],
        },
      ],
    });

  it('marks points by shape and shows line, dash and marker of each series in its legend', () => {
    const svg = chart(true);
    expect(svg.match(/<circle class="dot marker-circle"/g)).toHaveLength(2);
    expect(svg.match(/<polygon class="dot marker-triangle"/g)).toHaveLength(2);
    const legend = /<g class="legend">([\s\S]*?)<\/svg>/.exec(svg)?.[1] ?? '';
    const item = (name: string) =>
      new RegExp(`<g class="legend-item" data-name="${name}">([\\s\\S]*?)</g>`).exec(legend)?.[1] ?? '';
    expect(item('a buy')).toMatch(/<line [^>]*stroke="#1f77b4"(?![^>]*dasharray)[^>]*\/>/);
    expect(item('a buy')).toContain('data-marker="circle"');
    expect(item('a sell')).toMatch(/<line [^>]*stroke="#0b3d66"[^>]*stroke-dasharray="6 4"/);
    expect(item('a sell')).toContain('data-marker="triangle"');
    // Without dots there is no marker to show, in the plot or the legend.
    expect(chart(false)).not.toContain('data-marker');
  });

  it('widens a nice axis to whole steps, so its lowest and highest gridlines are labelled', () => {
    const svg = chart(true);
    const yTicks = [...svg.matchAll(/<text class="tick"[^>]*text-anchor="end"[^>]*>([^<]*)</g)].map(
      (m) => m[1],
    );
    expect(yTicks[0]).toBe('10.0');
    expect(Number(yTicks.at(-1))).toBeGreaterThanOrEqual(11.9);
  });

  it('spreads a time axis with one point over two minutes, not months', () => {
    const at = Date.UTC(2026, 11, 2, 5, 3, 59);
    const svg = lineChart({
      title: 'one',
      x: { label: 'capture time (UTC)', time: true },
      y: { label: 'mid price (USD)' },
      series: [{ name: 'mid', color: '#1f77b4', dots: true, points: [[at, 84_712.49]] }],
    });
    const xTicks = [...svg.matchAll(/<text class="tick"[^>]*text-anchor="middle">([^<]*)</g)].map(
      (m) => m[1],
    );
    expect(xTicks.length).toBeGreaterThan(1);
    for (const label of xTicks) expect(label).toMatch(/^05:0[2-5](:\d\d)?$/);
  });
});
