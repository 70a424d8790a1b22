/** `portrait report`: the offline HTML report (KPIs, lifecycle, funnel, retention, RFM, roles, activity, segments). */
import { InvalidArgumentError, type Command } from 'commander';
import { REPORT_LANGS, writeReport, type Lang, type ReportResult } from '../../report/index.js';
import { formatNumber, renderTable } from '../format.js';
import { output, withWorkspace } from '../context.js';

function parseLang(value: string): Lang {
  const v = value.trim();
  if (!(REPORT_LANGS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${REPORT_LANGS.join(', ')}.`);
  return v as Lang;
}

function parseOut(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a file name such as report.html.');
  return value;
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('write one self-contained HTML report that opens offline: KPI trends, lifecycle, funnel, retention, RFM, roles, activity, segments, orders through content, live streams, spread (fission) and KOLs (run portrait build first)')
    .option('--out <file>', 'the HTML file to write', parseOut, 'report.html')
    .option('--lang <lang>', `language of labels and readings: ${REPORT_LANGS.join(' or ')}`, parseLang, 'en' as Lang)
    .option('--json', 'machine-readable output')
    .action(async (flags: { out: string; lang: Lang; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => writeReport(ws, { out: flags.out, lang: flags.lang }));
      output(flags.json, result, () => renderReportResult(result));
    });
}

export function renderReportResult(r: ReportResult): string {
  const lines = [
    `wrote ${r.out} (${formatNumber(r.bytes)} bytes, ${r.charts.length} charts, ${r.lang}) in ${formatNumber(r.seconds.total, 1)} s`,
    `workspace ${r.workspace}, data as of ${r.asOf ?? '-'}, ${r.from ?? '-'} to ${r.to ?? '-'} per ${r.grain}`,
    '',
    renderTable(
      ['chart', 'reading'],
      r.charts.map((c) => [c.title, c.reading]),
    ),
  ];
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
