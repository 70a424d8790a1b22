/**
 * The report page: one self-contained HTML document (inline CSS, the charts as inline SVG, no script and
 * no external URL), KPI cards at the top, then each chart with its title and one-line reading.
 */
import { LABELS } from './labels.js';
import type { KpiCard } from './readings.js';
import type { ChartKind, Lang, ReportGrain } from './types.js';

export interface RenderedChart {
  kind: ChartKind;
  title: string;
  reading: string;
  svg: string;
}

export interface ReportPage {
  lang: Lang;
  workspace: string;
  asOf: string | null;
  tagsAsOf: string | null;
  /** When the social graph was built as of; null when it was never built. */
  socialAsOf: string | null;
  from: string | null;
  to: string | null;
  grain: ReportGrain;
  cardsPeriod: string | null;
  cards: KpiCard[];
  charts: RenderedChart[];
  notes: string[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:960px;margin:0 auto;padding:24px 16px 40px}
header h1{margin:0 0 4px;font-size:26px}
.meta{margin:0;color:#52606d;font-size:13px}
.meta b{color:#1f2933}
.cards-title{margin:22px 0 8px;font-size:13px;color:#52606d}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card .label{font-size:12px;color:#52606d}
.card .value{font-size:22px;font-weight:600;margin-top:2px}
.card .change{font-size:12px;color:#52606d}
.card .change.up{color:#2f9e6e}
.card .change.down{color:#c9473d}
section.chart{background:#fff;border-radius:8px;margin-top:18px;padding:16px 18px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section.chart h2{margin:0;font-size:18px}
.reading{margin:4px 0 10px;color:#323f4b}
.figure svg{display:block;width:100%;height:auto}
.notes{margin-top:18px;font-size:13px;color:#52606d}
footer{margin-top:24px;font-size:12px;color:#7b8794}
@media print{body{background:#fff}section.chart,.card{box-shadow:none;border:1px solid #d9e2ec;break-inside:avoid}}
`;

function card(c: KpiCard): string {
  const dir = c.change === null ? '' : c.change.startsWith('-') ? ' down' : c.change.startsWith('+0.0%') ? '' : ' up';
  return `<div class="card"><div class="label">${escapeHtml(c.label)}</div><div class="value">${escapeHtml(c.value)}</div>${
    c.change === null ? '' : `<div class="change${dir}">${escapeHtml(c.change)}</div>`
  }</div>`;
}

/** The SVG as ECharts wrote it, without an XML declaration (not allowed inside HTML). */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

export function renderHtml(page: ReportPage): string {
  const L = LABELS[page.lang];
  const meta = [
    `${L.workspace} <b>${escapeHtml(page.workspace)}</b>`,
    `${L.asOf} <b>${escapeHtml(page.asOf ?? '-')}</b>`,
    `${L.tagsAsOf} <b>${escapeHtml(page.tagsAsOf ?? L.notBuilt)}</b>`,
    `${L.socialAsOf} <b>${escapeHtml(page.socialAsOf ?? L.socialNotBuilt)}</b>`,
    `${L.range} <b>${escapeHtml(page.from && page.to ? `${page.from} – ${page.to}` : '-')}</b> (${L.per[page.grain]})`,
  ].join(' · ');
  const charts = page.charts
    .map(
      (c) => `<section class="chart" id="chart-${c.kind}">
<h2>${escapeHtml(c.title)}</h2>
<p class="reading">${escapeHtml(c.reading)}</p>
<div class="figure">${inlineSvg(c.svg)}</div>
</section>`,
    )
    .join('\n');
  const notes = page.notes.length
    ? `<div class="notes"><b>${L.notes}</b><ul>${page.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></div>`
    : '';
  return `<!DOCTYPE html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${L.report}: ${page.workspace}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(L.report)}</h1>
<p class="meta">${meta}</p>
</header>
${page.cardsPeriod ? `<p class="cards-title">${escapeHtml(page.cardsPeriod)}</p>` : ''}
<div class="cards">${page.cards.map(card).join('')}</div>
${charts}
${notes}
<footer>${escapeHtml(L.footer)}</footer>
</main>
</body>
</html>
`;
}
