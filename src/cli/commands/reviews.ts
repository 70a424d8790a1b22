/**
 * `portrait reviews report`: review rate after delivery, quality reviews, dimension scores and their
 * distributions by category, and conversion around quality reviews (observational). Definitions:
 * docs/content.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_QUALITY_LENGTH, reviewsReport, SCORE_DIMENSIONS, type ConversionCell, type ReviewsReport, type ReviewStats } from '../../reviews/index.js';
import { formatNumber, renderTable, type Cell } from '../format.js';
import { output, parseId, withWorkspace } from '../context.js';
import { pct, periodOptions, periodText } from './content.js';

interface ReviewFlags {
  asOf?: Date;
  days: number;
  window: string;
  category?: number;
  minLength: number;
  json?: boolean;
}

function parseLength(value: string): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000) throw new InvalidArgumentError('expected a whole number of characters, 1 to 100000.');
  return Number(v);
}

export function registerReviewCommands(program: Command): void {
  const reviews = program.command('reviews').description('review analytics');
  periodOptions(
    reviews
      .command('report')
      .description('review rate after delivery, quality reviews, product/service/logistics scores by category, conversion around quality reviews'),
    'before/after window of the conversion comparison',
    '7d',
  )
    .option('--category <id>', 'only items in this category or below it; rows are its child categories', parseId('category'))
    .option('--min-length <n>', 'a quality review has at least n characters of text, or an image or video', parseLength, DEFAULT_QUALITY_LENGTH)
    .option('--json', 'machine-readable output')
    .action(async (flags: ReviewFlags, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) =>
        reviewsReport(ws, { asOf: flags.asOf, days: flags.days, window: flags.window, category: flags.category, minLength: flags.minLength }),
      );
      output(flags.json, report, () => renderReviewsReport(report));
    });
}

const mean = (v: number | null): Cell => (v === null ? null : formatNumber(v, 2));

const statCells = (s: ReviewStats): Cell[] => [
  s.deliveredLines, s.reviewedLines, pct(s.reviewRate), s.reviews, pct(s.qualityShare), ...SCORE_DIMENSIONS.map((d) => mean(s.scores[d].mean)),
];

const cell = (c: ConversionCell): Cell[] => [c.items, c.viewers, c.converted, pct(c.conversion)];
const points = (v: number | null): Cell => (v === null ? null : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} pt`);

export function renderReviewsReport(r: ReviewsReport): string {
  const t = r.total;
  const lines = [
    `reviews report: ${periodText(r)}${r.category ? `, category ${r.category.id}${r.category.name ? ` (${r.category.name})` : ''}` : ''}`,
    `review rate = delivered order lines of the period reviewed by as-of / delivered lines; quality = at least ${formatNumber(r.minLength)} characters, or image or video`,
    '',
    renderTable(
      ['category', 'name', 'delivered', 'reviewed', 'rate', 'reviews', 'quality', 'product', 'service', 'logistics'],
      [
        ...r.byCategory.map((c) => [c.categoryId === null ? 'unknown' : String(c.categoryId), c.name, ...statCells(c)]),
        ['all', null, ...statCells(t)],
      ],
    ),
    '',
    `score distributions (share of reviews giving 1..5; media: text ${formatNumber(t.media.text)}, image ${formatNumber(t.media.image)}, video ${formatNumber(t.media.video)})`,
    renderTable(
      ['dimension', 'scored', 'mean', '1', '2', '3', '4', '5'],
      SCORE_DIMENSIONS.map((d) => [d, t.scores[d].scored, mean(t.scores[d].mean), ...t.scores[d].shares.map(pct)]),
    ),
    '',
    `conversion of viewers to buyers around quality reviews (${r.effect.window} windows; reviewers left out)`,
    renderTable(
      ['comparison', 'group', 'items', 'viewers', 'bought', 'conversion', 'difference'],
      [
        ['first quality review', 'before', ...cell(r.effect.beforeAfter.before), null],
        ['', 'after', ...cell(r.effect.beforeAfter.after), points(r.effect.beforeAfter.difference)],
        ['items sold before', 'without', ...cell(r.effect.withWithout.without), null],
        ['', 'with', ...cell(r.effect.withWithout.with), points(r.effect.withWithout.difference)],
      ],
    ),
    `note: ${r.effect.note}`,
  ];
  return lines.join('\n');
}
