/**
 * `portrait funnel` (users reaching each step, conversion, time between steps), `portrait retention`
 * (the cohort matrix, D1/D7/D30) and `portrait activity` (weekday x hour heatmap, view-to-purchase time).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveGrouping } from '../../analytics/grouping.js';
import {
  funnel,
  FUNNEL_ORDERS,
  parseStepsList,
  readStepsFile,
  DEFAULT_FUNNEL_WINDOW,
  type FunnelOrder,
  type FunnelResult,
  type FunnelStep,
  type FunnelStepResult,
  type UserRelation,
} from '../../analytics/funnel/index.js';
import { retention, RETENTION_COHORTS, RETENTION_GRAINS, RETENTION_RETURNS, type RetentionResult, type RetentionTable } from '../../analytics/retention/index.js';
import { activityHeatmap, viewToPurchase, WEEKDAYS, type ActivityHeatmap, type ViewToPurchase } from '../../analytics/activity/index.js';
import { DURATION } from '../../conditions/schema.js';
import { formatNumber, renderPairs, renderTable, type Cell } from '../format.js';
import { output, withWorkspace } from '../context.js';
import { compileSegment } from '../../segments/registry.js';

/** The members of a segment, for `segment:NAME` on a funnel step. */
async function segmentMembers(ws: Workspace, name: string): Promise<UserRelation> {
  const { sql, params } = await compileSegment(ws, name);
  return { sql, params };
}

function parseWindow(value: string): string {
  const v = value.trim();
  if (!DURATION.safeParse(v).success) throw new InvalidArgumentError('expected a duration such as 30m, 12h, 1d or 2w.');
  return v;
}

function choice<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}.`);
    return value as T;
  };
}

/** A local date: the start of the day for --from, the end of it for --to. */
function parseDate(endOfDay: boolean) {
  return (value: string): Date => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
    const d = m ? new Date(`${value.trim()}T${endOfDay ? '23:59:59' : '00:00:00'}Z`) : new Date(NaN);
    if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value.trim()) throw new InvalidArgumentError('expected a date YYYY-MM-DD.');
    return d;
  };
}

function parsePeriods(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 400) throw new InvalidArgumentError('expected a whole number from 0 to 400.');
  return Number(value);
}

interface FunnelFlags {
  steps?: string;
  stepsFile?: string;
  window: string;
  order: FunnelOrder;
  by?: string;
  from?: Date;
  to?: Date;
  json?: boolean;
}

interface RetentionFlags {
  cohort: (typeof RETENTION_COHORTS)[number];
  return: (typeof RETENTION_RETURNS)[number];
  grain: (typeof RETENTION_GRAINS)[number];
  periods?: number;
  by?: string;
  from?: Date;
  to?: Date;
  json?: boolean;
}

export function registerFunnelCommands(program: Command): void {
  program
    .command('funnel')
    .description('users reaching each step of a funnel within a conversion window, conversion and time between steps')
    .option('--steps <list>', 'comma-separated steps: TYPE[:key=value[|value]&...], e.g. pv,cart:category=123,buy (keys: category, item, brand, content, live, place; segment:NAME)')
    .option('--steps-file <file>', 'steps as JSON: {"steps": [{"name": ..., "filter": {"event": "cart", "category": 123}, "segment": ...}]}')
    .option('--window <duration>', 'conversion window from the first step to the last: 30m, 12h, 1d, 2w', parseWindow, DEFAULT_FUNNEL_WINDOW)
    .option('--order <mode>', `ordered (other events may come between steps), strict (none may), unordered (any order)`, choice(FUNNEL_ORDERS), 'ordered')
    .option('--by <tag|segment:NAME>', 'break down by the value of a tag, or by membership of a segment')
    .option('--from <date>', 'only events on or after this day, YYYY-MM-DD', parseDate(false))
    .option('--to <date>', 'only events on or before this day, YYYY-MM-DD', parseDate(true))
    .option('--json', 'machine-readable output')
    .action(async (flags: FunnelFlags, cmd: Command) => {
      if ((flags.steps === undefined) === (flags.stepsFile === undefined)) {
        throw new PortraitError('give the steps with --steps or --steps-file (one of them)', 'e.g. portrait funnel --steps pv,cart,buy');
      }
      const parsed = flags.steps !== undefined ? parseStepsList(flags.steps) : readStepsFile(flags.stepsFile!);
      const result = await withWorkspace(cmd, async (ws) => {
        const steps: FunnelStep[] = [];
        for (const s of parsed) steps.push(s.segment !== undefined ? { ...s, users: await segmentMembers(ws, s.segment) } : s);
        const by = flags.by ? await resolveGrouping(ws, flags.by) : undefined;
        return funnel(ws, { steps, order: flags.order, window: flags.window, by, from: flags.from, to: flags.to });
      });
      output(flags.json, result, () => renderFunnel(result));
    });

  program
    .command('retention')
    .description('cohort retention: users first seen (or first buying) in a period, and who returns in each later period')
    .option('--cohort <kind>', 'first-seen or first-buy', choice(RETENTION_COHORTS), 'first-seen')
    .option('--return <action>', 'any (any event) or buy', choice(RETENTION_RETURNS), 'any')
    .option('--grain <grain>', 'day, week (from Monday) or month', choice(RETENTION_GRAINS), 'day')
    .option('--periods <n>', 'periods after the cohort period to show (default 7 days, 4 weeks or 3 months)', parsePeriods)
    .option('--by <tag|segment:NAME>', 'break down by the value of a tag, or by membership of a segment')
    .option('--from <date>', 'only cohorts starting on or after this day, YYYY-MM-DD', parseDate(false))
    .option('--to <date>', 'only cohorts starting on or before this day, YYYY-MM-DD', parseDate(true))
    .option('--json', 'machine-readable output')
    .action(async (flags: RetentionFlags, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => {
        const by = flags.by ? await resolveGrouping(ws, flags.by) : undefined;
        return retention(ws, { cohort: flags.cohort, returnOn: flags.return, grain: flags.grain, periods: flags.periods, by, from: flags.from, to: flags.to });
      });
      output(flags.json, result, () => renderRetention(result));
    });

  program
    .command('activity')
    .description('when users are active (weekday x hour of day) and the time from first view of an item to buying it')
    .option('--from <date>', 'only events on or after this day, YYYY-MM-DD', parseDate(false))
    .option('--to <date>', 'only events on or before this day, YYYY-MM-DD', parseDate(true))
    .option('--users', 'show distinct users per cell instead of events')
    .option('--json', 'machine-readable output')
    .action(async (flags: { from?: Date; to?: Date; users?: boolean; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => ({
        heatmap: await activityHeatmap(ws, { from: flags.from, to: flags.to }),
        viewToPurchase: await viewToPurchase(ws, { from: flags.from, to: flags.to }),
      }));
      output(flags.json, result, () => renderActivity(result.heatmap, result.viewToPurchase, Boolean(flags.users)));
    });
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(100 * v).toFixed(1)}%`);

/** Seconds as a short duration: 45s, 12m, 3.5h, 2.1d. */
export function formatSeconds(s: number | null): string {
  if (s === null) return '-';
  if (s < 60) return `${formatNumber(s, s % 1 === 0 ? 0 : 1)}s`;
  if (s < 3600) return `${formatNumber(s / 60, 1)}m`;
  if (s < 86400) return `${formatNumber(s / 3600, 1)}h`;
  return `${formatNumber(s / 86400, 1)}d`;
}

const stepRows = (steps: FunnelStepResult[], group?: string): Cell[][] =>
  steps.map((s) => [
    ...(group === undefined ? [] : [group]),
    `${s.step}. ${s.name}`,
    s.users,
    pct(s.conversionFromPrevious),
    pct(s.conversionFromStart),
    formatSeconds(s.medianSecondsFromPrevious),
    formatSeconds(s.medianSecondsFromStart),
  ]);

export function renderFunnel(r: FunnelResult): string {
  const header = ['step', 'users', 'from previous', 'from start', 'median from previous', 'median from start'];
  const lines = [
    `funnel ${r.steps.join(' -> ')} (${r.order}, window ${r.window}): overall conversion ${pct(r.overallConversion)}`,
    renderTable(header, stepRows(r.total)),
  ];
  if (r.by) {
    lines.push('', `by ${r.by}:`, renderTable(['group', ...header], r.groups.flatMap((g) => stepRows(g.steps, g.group))));
  }
  return lines.join('\n');
}

function retentionTable(t: RetentionTable, periods: number, grain: string): string {
  const head = ['cohort', 'users', ...Array.from({ length: periods + 1 }, (_, k) => `${grain[0]}${k}`)];
  const rows: Cell[][] = t.cohorts.map((c) => [c.cohort, c.size, ...c.rates.map(pct)]);
  rows.push(['all', t.pooled.size, ...t.pooled.rates.map(pct)]);
  const lines = [renderTable(head, rows)];
  if (t.classic) {
    lines.push(
      renderPairs(
        t.classic.map((c) => [`D${c.day} (exactly day ${c.day} / within)`, `${pct(c.exact)} / ${pct(c.within)} of ${formatNumber(c.cohortUsers)} users`]),
      ),
    );
  }
  return lines.join('\n');
}

export function renderRetention(r: RetentionResult): string {
  const lines = [
    `retention: cohorts by ${r.cohortBy} ${r.grain}, returning with ${r.returnOn === 'any' ? 'any event' : 'a purchase'}; period 0 is the cohort's own ${r.grain}; as of ${r.asOf ? r.asOf.toISOString().slice(0, 19).replace('T', ' ') : '-'}`,
    retentionTable(r, r.periods, r.grain),
  ];
  for (const g of r.groups) lines.push('', `${r.by} = ${g.group}:`, retentionTable(g, r.periods, r.grain));
  return lines.join('\n');
}

export function renderActivity(h: ActivityHeatmap, v: ViewToPurchase, users: boolean): string {
  const grid = users ? h.users : h.events;
  const max = Math.max(1, ...grid.flat());
  const shades = ' .:-=+*#%@';
  const lines = [
    `${users ? 'distinct users' : 'events'} by weekday and hour (local time); ${formatNumber(h.totalEvents)} events, ${formatNumber(h.totalUsers)} users; darker = more (max ${formatNumber(max)})`,
    `     ${Array.from({ length: 24 }, (_, i) => String(i).padStart(2, '0')).join(' ')}`,
    ...grid.map((row, d) => `${WEEKDAYS[d]}  ${row.map((n) => ` ${shades[Math.min(9, Math.ceil((9 * n) / max))]!}`).join(' ')}`),
    '',
    `time from first view of an item to buying it: ${formatNumber(v.pairs)} bought items (${formatNumber(v.boughtWithoutView)} more bought without a view first)`,
    renderPairs([
      ['median', formatSeconds(v.median)],
      ['quartiles', `${formatSeconds(v.q1)} - ${formatSeconds(v.q3)}`],
      ['mean', formatSeconds(v.mean)],
    ]),
    renderTable(['time', 'items', 'share'], v.histogram.map((b) => [b.label, b.pairs, pct(v.pairs > 0 ? b.pairs / v.pairs : null)])),
  ];
  return lines.join('\n');
}
