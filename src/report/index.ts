/**
 * The offline HTML report: `writeReport(ws, { out, lang })` gathers the data (./data.ts), builds every
 * chart's option (./charts.ts), renders them to SVG on the server (./svg.ts), writes one self-contained
 * page (./html.ts) with a one-line reading per chart (./readings.ts). See docs/report.md.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { reportCharts } from './charts.js';
import { gatherReportData } from './data.js';
import { renderHtml } from './html.js';
import { kpiCards, reportReadings } from './readings.js';
import { renderSvg } from './svg.js';
import { REPORT_LANGS, type ChartKind, type Lang, type ReportData } from './types.js';

export * from './types.js';
export * from './charts.js';
export * from './readings.js';
export { LABELS, stepLabel, rfmLabel } from './labels.js';
export {
  gatherReportData,
  reportPeriods,
  DAILY_MAX_DAYS,
  REPORT_FUNNEL,
  REPORT_FUNNEL_WINDOW,
  REPORT_KOL_REACHED,
  REPORT_KOLS,
  REPORT_RECENT_DAYS,
} from './data.js';
export { renderHtml, escapeHtml, type ReportPage, type RenderedChart } from './html.js';
export { renderSvg } from './svg.js';

export interface ReportOptions {
  /** Where to write the HTML file. */
  out: string;
  /** Language of every label and reading (default en). */
  lang?: Lang | undefined;
}

export interface ReportChartSummary {
  kind: ChartKind;
  title: string;
  reading: string;
  /** Characters of the chart's SVG. */
  svgChars: number;
}

export interface ReportResult {
  /** The file written (absolute path). */
  out: string;
  lang: Lang;
  bytes: number;
  workspace: string;
  asOf: string | null;
  grain: ReportData['grain'];
  from: string | null;
  to: string | null;
  charts: ReportChartSummary[];
  notes: string[];
  /** Seconds spent gathering the data and rendering the page. */
  seconds: { data: number; render: number; total: number };
}

export function checkLang(lang: string): Lang {
  if (!(REPORT_LANGS as readonly string[]).includes(lang)) throw new PortraitError(`unknown report language "${lang}"`, `one of ${REPORT_LANGS.join(', ')}`);
  return lang as Lang;
}

/** The page for `data` in `lang`, with each chart's title, reading and SVG. Needs no workspace. */
export function renderReport(data: ReportData, lang: Lang): { html: string; charts: ReportChartSummary[] } {
  const readings = reportReadings(data, lang);
  const charts = reportCharts(data, lang).map((c) => ({ kind: c.kind, title: c.title, reading: readings[c.kind], svg: renderSvg(c.option, c.width, c.height) }));
  const { period, cards } = kpiCards(data.metrics, lang);
  const html = renderHtml({
    lang,
    workspace: data.workspace,
    asOf: data.asOf,
    tagsAsOf: data.tagsAsOf,
    socialAsOf: data.kol.builtAsOf,
    from: data.from,
    to: data.to,
    grain: data.grain,
    cardsPeriod: period,
    cards,
    charts,
    notes: data.notes,
  });
  return { html, charts: charts.map((c) => ({ kind: c.kind, title: c.title, reading: c.reading, svgChars: c.svg.length })) };
}

/** Writes the report for `ws` to `out` (through a temporary file beside it, renamed when complete). */
export async function writeReport(ws: Workspace, options: ReportOptions): Promise<ReportResult> {
  const started = Date.now();
  const lang = checkLang(options.lang ?? 'en');
  const out = resolve(options.out);
  const data = await gatherReportData(ws);
  const gathered = Date.now();
  const { html, charts } = renderReport(data, lang);
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, html, 'utf8');
    renameSync(tmp, out);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new PortraitError(`cannot write the report to ${out}: ${code}`, 'choose a file in a folder that exists and that you can write to');
    }
    throw error;
  }
  const done = Date.now();
  return {
    out,
    lang,
    bytes: Buffer.byteLength(html, 'utf8'),
    workspace: data.workspace,
    asOf: data.asOf,
    grain: data.grain,
    from: data.from,
    to: data.to,
    charts,
    notes: data.notes,
    seconds: { data: (gathered - started) / 1000, render: (done - gathered) / 1000, total: (done - started) / 1000 },
  };
}
