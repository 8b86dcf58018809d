/**
 * `npm run report`: the newest book of every market and the venue to prefer, as terminal tables,
 * JSON, or one HTML page. The readers (warehouse/readers/) read only the analysts' views; the
 * renderers (report/) draw what they return.
 */
import { writeFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { renderHtmlReport } from '../report/html.ts';
import { renderReport, renderReportJson, type RenderOptions } from '../report/terminal.ts';
import {
  type Database,
  type HtmlReportData,
  loadHtmlReport,
  loadReport,
  type StorageSettings,
} from '../warehouse/index.ts';

/** The report as terminal tables, or as JSON with `json`. */
export async function reportText(
  db: Kysely<Database>,
  options: RenderOptions & { json?: boolean },
): Promise<string> {
  const data = await loadReport(db);
  return options.json ? renderReportJson(data) : renderReport(data, options);
}

/** Writes the HTML report to `file`; returns what it drew, for callers that summarize it. */
export async function writeHtmlReport(
  db: Kysely<Database>,
  storage: StorageSettings | null,
  file: string,
): Promise<HtmlReportData> {
  const data = await loadHtmlReport(db, storage);
  await writeFile(file, renderHtmlReport(data));
  return data;
}
