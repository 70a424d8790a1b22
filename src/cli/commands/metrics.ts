/**
 * `portrait metrics` (growth metrics per period), `portrait lifecycle` (the lifecycle chart) and
 * `portrait lifecycle transitions` (stage moves between two days). Definitions: docs/metrics.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveGrouping } from '../../analytics/grouping.js';
import { computeMetrics, GRAINS, type Grain, type MetricChanges, type MetricsResult } from '../../analytics/metrics/index.js';
import { lifecycleChart, LIFECYCLE_STAGES, stageTransitions, type LifecycleResult, type TransitionResult } from '../../analytics/lifecycle/index.js';
import { formatNumber, renderTable, type Cell } from '../format.js';
import { output, withWorkspace } from '../context.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';

/** A day written YYYY-MM-DD, returned as written. */
export function parseDayOption(value: string): string {
  const text = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(`${text}T00:00:00Z`) : new Date(NaN);
  if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new InvalidArgumentError('expected a date YYYY-MM-DD.');
  }
  return text;
}

export function parseGrain(value: string): Grain {
  const v = value.trim().toLowerCase();
  if (!(GRAINS as readonly string[]).includes(v)) throw new InvalidArgumentError('expected day, week or month.');
  return v as Grain;
}

interface RangeFlags {
  from?: string;
  to?: string;
  grain: Grain;
  json?: boolean;
}

/** The data's first and last event days, for a range left open. */
async function dataDays(ws: Workspace): Promise<{ first: string | null; last: string | null }> {
  const r = await ws.wh.query<{ first: string | null; last: string | null }>(
    "SELECT strftime(min(ts), '%Y-%m-%d') AS first, strftime(max(ts), '%Y-%m-%d') AS last FROM events",
  );
  return { first: r[0]?.first ?? null, last: r[0]?.last ?? null };
}

function rangeOf(flags: RangeFlags, data: { first: string | null; last: string | null }): { from: string; to: string } {
  const from = flags.from ?? data.first;
  const to = flags.to ?? data.last;
  if (!from || !to) throw new PortraitError('there are no events to take the range from', 'import events, or give --from and --to');
  return { from, to };
}

export function registerMetricsCommands(program: Command): void {
  program
    .command('metrics')
    .description('growth metrics per day, week or month: new and active users, DAU/WAU/MAU, buyers, orders, GMV, conversion, repurchase...')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: the first event day)', parseDayOption)
    .option('--to <date>', 'last day, YYYY-MM-DD (default: the last event day)', parseDayOption)
    .option('--grain <grain>', 'day, week (Monday to Sunday) or month', parseGrain, 'day' as Grain)
    .option('--by <tag|segment:NAME>', 'break every metric down by a tag value or segment membership')
    .option('--json', 'machine-readable output')
    .action(async (flags: RangeFlags & { by?: string }, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => {
        const { from, to } = rangeOf(flags, flags.from && flags.to ? { first: null, last: null } : await dataDays(ws));
        const by = flags.by ? await resolveGrouping(ws, flags.by) : undefined;
        return computeMetrics(ws, { from, to, grain: flags.grain, by });
      });
      output(flags.json, result, () => renderMetrics(result));
    });

  const lifecycle = program
    .command('lifecycle')
    .description('the lifecycle chart: new, returning, resurrecting and dormant users per day, week or month')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: the first event day)', parseDayOption)
    .option('--to <date>', 'last day, YYYY-MM-DD (default: the last event day)', parseDayOption)
    .option('--grain <grain>', 'day, week (Monday to Sunday) or month', parseGrain, 'day' as Grain)
    .option('--json', 'machine-readable output')
    .action(async (flags: RangeFlags, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => {
        const { from, to } = rangeOf(flags, flags.from && flags.to ? { first: null, last: null } : await dataDays(ws));
        return lifecycleChart(ws, { from, to, grain: flags.grain });
      });
      output(flags.json, result, () => renderLifecycle(result));
    });

  lifecycle
    .command('transitions')
    .description('users per (stage on --from, stage on --to): new, won back, active, dormant, churned')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: 30 days before --to)', parseDayOption)
    .option('--to <date>', 'second day, YYYY-MM-DD (default: the last event day)', parseDayOption)
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      // --from, --to and --json may be taken by the parent `lifecycle` (same flag names): read every level.
      const flags = cmd.optsWithGlobals<{ from?: string; to?: string; json?: boolean }>();
      const result = await withWorkspace(cmd, async (ws) => {
        const to = flags.to ?? (await dataDays(ws)).last;
        if (!to) throw new PortraitError('there are no events to take the day from', 'import events, or give --from and --to');
        const from = flags.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
        return stageTransitions(ws, { from, to, thresholds: ws.config.lifecycle });
      });
      output(flags.json, result, () => renderTransitions(result));
    });
}

const num = (v: number | null, digits = 0): Cell => (v === null ? null : Number.isInteger(v) && digits === 0 ? v : formatNumber(v, digits));
const pct = (v: number | null): Cell => (v === null ? null : `${(100 * v).toFixed(1)}%`);
const signed = (v: number | null): Cell => (v === null ? null : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`);

export function renderMetrics(r: MetricsResult): string {
  const grouped = r.by !== null;
  const head = `metrics per ${r.grain}, ${r.from} to ${r.to}${grouped ? `, by ${r.by}` : ''} (orders from ${r.orderSource})`;
  const key = (row: MetricsResult['rows'][number]) => (grouped ? [row.period, row.group] : [row.period]);
  const values = renderTable(
    [...(grouped ? ['period', 'group'] : ['period']), 'new', 'active', 'DAU', 'WAU', 'MAU', 'active%', 'visitors', 'buyers', 'orders', 'GMV', 'AOV', 'conv', 'repurch', 'ARPU', 'growth'],
    r.rows.map((row) => {
      const v = row.values;
      return [
        ...key(row),
        v.newUsers, v.activeUsers, v.dau, v.wau, v.mau, pct(v.activeRatio), v.visitors, v.buyers, v.orders,
        num(v.gmv, 2), num(v.aov, 2), pct(v.conversionRate), pct(v.repurchaseRate), num(v.arpu, 2), pct(v.userGrowthRate),
      ];
    }),
  );
  const compared: (keyof MetricChanges)[] = ['newUsers', 'activeUsers', 'buyers', 'orders', 'gmv', 'conversionRate', 'arpu'];
  const changeTable = (title: string, pick: (row: MetricsResult['rows'][number]) => MetricChanges | null) => {
    const rows = r.rows.filter((row) => pick(row) !== null);
    if (rows.length === 0) return [];
    return [
      '',
      title,
      renderTable(
        [...(grouped ? ['period', 'group'] : ['period']), 'new', 'active', 'buyers', 'orders', 'GMV', 'conv', 'ARPU'],
        rows.map((row) => [...key(row), ...compared.map((m) => signed(pick(row)![m]))]),
      ),
    ];
  };
  return [
    head,
    values,
    ...changeTable(`change against the previous ${r.grain}`, (row) => row.change),
    ...changeTable(`change against a year earlier${r.grain === 'week' ? ' (52 weeks)' : ''}`, (row) => row.yoy),
  ].join('\n');
}

export function renderLifecycle(r: LifecycleResult): string {
  return [
    `lifecycle per ${r.grain}, ${r.from} to ${r.to} ("new" = first event in the period; dormant shown negative)`,
    renderTable(
      ['period', 'new', 'returning', 'resurrecting', 'dormant', 'active'],
      r.rows.map((x) => [x.period, x.new, x.returning, x.resurrecting, x.dormant, x.active]),
    ),
  ].join('\n');
}

export function renderTransitions(r: TransitionResult): string {
  const t = r.thresholds;
  const label = (s: string) => s.replace('_', ' ');
  const fromStages = ['unseen', ...LIFECYCLE_STAGES] as const;
  const cell = (f: string, to: string) => r.rows.find((x) => x.from === f && x.to === to)?.users ?? 0;
  return [
    `lifecycle stages on ${r.from} (rows) and ${r.to} (columns)`,
    `new: first event within ${t.newDays} days; active: an event within ${t.activeDays} days; dormant: last event ${t.activeDays}-${t.churnedAfterDays} days ago; churned: over ${t.churnedAfterDays}; won back: returned within ${t.wonBackDays} days after being dormant or churned`,
    renderTable(
      ['from \\ to', ...LIFECYCLE_STAGES.map(label), 'total'],
      fromStages
        .map((f) => [label(f), ...LIFECYCLE_STAGES.map((s) => cell(f, s)), LIFECYCLE_STAGES.reduce((a, s) => a + cell(f, s), 0)] as Cell[])
        .filter((row) => (row[row.length - 1] as number) > 0),
    ),
  ].join('\n');
}
