import { describe, expect, it } from 'vitest';
import { MigrationError, renderViewSql, viewPlaceholders } from '../../src/warehouse/migrate.ts';
import { loadConfig } from '../../src/config.ts';

/** DESIGN §3's defaults, from config.ts, the one place they are defined. */
const DEFAULTS = loadConfig({});

describe('settings written into views', () => {
  it('renders lists as numeric arrays and the window as integers', () => {
    const p = viewPlaceholders({
      ...DEFAULTS,
      notionalsUsd: ['50000', '2500.5'],
      forecastWindow: 7,
    });
    expect(p.NOTIONALS_USD).toBe('array[50000, 2500.5]::numeric[]');
    expect(p.FORECAST_WINDOW).toBe('7');
    expect(p.FORECAST_WINDOW_PRECEDING).toBe('6');
    expect(renderViewSql('v', 'rows between {{FORECAST_WINDOW_PRECEDING}} preceding', p)).toBe(
      'rows between 6 preceding',
    );
  });

  it('refuses anything that is not a plain decimal, so no SQL text can get in', () => {
    for (const bad of ['1); drop table x; --', '1e5', '-5', '', 'NaN']) {
      expect(() => viewPlaceholders({ ...DEFAULTS, costCurveUsd: [bad] })).toThrow(MigrationError);
    }
    expect(() => viewPlaceholders({ ...DEFAULTS, forecastWindow: 1 })).toThrow(/FORECAST_WINDOW/);
  });

  it('names the view and the placeholder when a view uses one that does not exist', () => {
    expect(() => renderViewSql('90_v_x', 'select {{NOPE}}', viewPlaceholders(DEFAULTS))).toThrow(
      'sql/views/90_v_x.sql uses unknown {{NOPE}}',
    );
  });
});
