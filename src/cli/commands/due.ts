/** `portrait due` (who is due for what, from purchase cycles) and `portrait due evaluate` (against truth). */
import { InvalidArgumentError, type Command } from 'commander';
import { dueWithin, evaluateCycles, type CyclesEvaluation, type DueResult, type ErrorSummary } from '../../analytics/cycles/index.js';
import { formatNumber, renderPairs, renderTable } from '../format.js';
import { output, parseDay, parseId, parsePositive, withWorkspace } from '../context.js';

const parseCategoryId = parseId('category');

/** Days written as 7, 7d or 2w. */
export function parseWithin(value: string): number {
  const m = /^(\d{1,5})\s*([dDwW]?)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a number of days such as 7, 7d or 2w (weeks).');
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'w' ? 7 : 1);
  if (n > 3660) throw new InvalidArgumentError('at most 3660 days.');
  return n;
}

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : '-');

export function registerDueCommands(program: Command): void {
  const due = program
    .command('due')
    .description('who is due to buy what again, from purchase cycles (run portrait build first)')
    .option('--within <days>', 'due within this many days of as-of: 7, 7d or 2w (overdue by up to one interval included)', parseWithin, 7)
    .option('--as-of <date>', 'day to measure from, YYYY-MM-DD (default: the as-of of the last build)', parseDay)
    .option('--category <id>', 'only this category', parseCategoryId)
    .option('--limit <n>', 'at most this many rows (readable output shows 50 unless set)', parsePositive)
    .option('--json', 'machine-readable output')
    .action(async (flags: { within: number; asOf?: Date; category?: number; limit?: number; json?: boolean }, cmd: Command) => {
      const limit = flags.limit ?? (flags.json ? undefined : 50);
      const result = await withWorkspace(cmd, (ws) => dueWithin(ws, { within: flags.within, asOf: flags.asOf, categoryId: flags.category, limit }));
      output(flags.json, result, () => renderDue(result));
    });

  due
    .command('evaluate')
    .description('compare predicted intervals and next purchase dates with the ground truth of a synthetic world')
    .option('--holdout <days>', 'days at the end of the window kept out of the build', parsePositive, 20)
    .option('--json', 'machine-readable output')
    .action(async (flags: { holdout: number }, cmd: Command) => {
      // --json may be taken by the parent `due` (same flag name): read it from every level.
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, (ws) => evaluateCycles(ws, { holdoutDays: flags.holdout }));
      output(json, result, () => renderEvaluation(result));
    });
}

export function renderDue(r: DueResult): string {
  const head = `due within ${r.within} day(s) of ${day(r.asOf)} (cycles built as of ${day(r.builtAsOf)}): ${formatNumber(r.total)}`;
  if (r.rows.length === 0) return head;
  const lines = [
    head,
    renderTable(
      ['user', 'category', 'due', 'days', 'interval', 'spread', 'last bought', 'purchases'],
      r.rows.map((x) => [String(x.user_id), String(x.category_id), day(x.next_due), x.days_until_due, x.interval_days, x.interval_spread_days, day(x.last_purchase), x.purchases]),
    ),
  ];
  if (r.rows.length < r.total) lines.push(`... ${formatNumber(r.total - r.rows.length)} more (use --limit or --json)`);
  return lines.join('\n');
}

const fmt = (v: number | null, digits = 2) => (v === null ? '-' : formatNumber(v, digits));
const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

export function renderEvaluation(e: CyclesEvaluation): string {
  const row = (name: string, s: ErrorSummary) => [name, s.count, fmt(s.mae), fmt(s.medianAe), pct(s.within3)];
  return [
    `window ${e.windowStart} + ${e.windowDays} days; built as of ${e.cutoff}, holdout ${e.holdoutDays} days`,
    renderPairs([
      ['predicted cycles', e.predicted],
      ['true cycles', e.trueCycles],
      ['predicted that are true', e.matched],
      ['precision', pct(e.precision)],
      ['recall (findable)', pct(e.recall)],
      ['true, no holdout buy', e.noHoldoutPurchase],
    ]),
    '',
    renderTable(['error (days)', 'count', 'MAE', 'median', 'within 3'], [row('interval', e.interval), row('next date', e.nextDate)]),
  ].join('\n');
}
