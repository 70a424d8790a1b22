/** Runs a funnel: users reaching each step, conversion, median times between steps; optionally by group. */
import { PortraitError } from '../../errors.js';
import { SqlParams } from '../../conditions/params.js';
import { DURATION, durationSeconds } from '../../conditions/schema.js';
import type { Workspace } from '../../workspace/workspace.js';
import type { UserGrouping } from '../grouping.js';
import { embedSql, type UserRelation } from './relation.js';
import { funnelAttemptsSql, FUNNEL_ORDERS, type FunnelOrder } from './sql.js';
import type { FunnelStep } from './steps.js';

export const DEFAULT_FUNNEL_WINDOW = '1d';
export const MAX_FUNNEL_STEPS = 12;

export interface FunnelOptions {
  steps: FunnelStep[];
  /** ordered (default), strict or unordered. */
  order?: FunnelOrder | undefined;
  /** Conversion window: "1d", "30m", "12h", "2w" (default 1d). */
  window?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only these users count at all (a segment's members). */
  users?: UserRelation | undefined;
  /** Break the funnel down by these groups (`resolveGrouping`). */
  by?: UserGrouping | undefined;
}

export interface FunnelStepResult {
  step: number;
  name: string;
  /** Users whose counted attempt reached this step. */
  users: number;
  /** users / users at the previous step (null for step 1 or when the previous step has none). */
  conversionFromPrevious: number | null;
  /** users / users at step 1. */
  conversionFromStart: number | null;
  /** Median seconds from the previous step to this one, over the users reaching it (null for step 1). */
  medianSecondsFromPrevious: number | null;
  /** Median seconds from step 1 to this one. */
  medianSecondsFromStart: number | null;
}

export interface FunnelGroupResult {
  group: string;
  steps: FunnelStepResult[];
  overallConversion: number | null;
}

export interface FunnelResult {
  steps: string[];
  order: FunnelOrder;
  window: string;
  windowSeconds: number;
  from: Date | null;
  to: Date | null;
  total: FunnelStepResult[];
  /** Users at the last step / users at the first. */
  overallConversion: number | null;
  by: string | null;
  groups: FunnelGroupResult[];
}

export function validateFunnelOptions(o: FunnelOptions): { order: FunnelOrder; window: string; windowSeconds: number } {
  if (o.steps.length < 1) throw new PortraitError('a funnel needs at least one step', 'e.g. --steps pv,cart,buy');
  if (o.steps.length > MAX_FUNNEL_STEPS) throw new PortraitError(`a funnel has at most ${MAX_FUNNEL_STEPS} steps`);
  const order = o.order ?? 'ordered';
  if (!(FUNNEL_ORDERS as readonly string[]).includes(order)) throw new PortraitError(`unknown funnel order "${order}"`, `one of ${FUNNEL_ORDERS.join(', ')}`);
  const window = o.window ?? DEFAULT_FUNNEL_WINDOW;
  if (!DURATION.safeParse(window).success) throw new PortraitError(`funnel window "${window}" is not a duration`, 'e.g. 30m, 12h, 1d or 2w');
  for (const s of o.steps) {
    if (s.segment !== undefined && s.users === undefined) {
      throw new PortraitError(`funnel step "${s.name}" names segment "${s.segment}", which was not resolved to its members`);
    }
  }
  return { order, window, windowSeconds: durationSeconds(window) };
}

/** The funnel over the workspace's events; see docs/funnels.md for the exact definitions. */
export async function funnel(ws: Workspace, options: FunnelOptions): Promise<FunnelResult> {
  const { order, window, windowSeconds } = validateFunnelOptions(options);
  const n = options.steps.length;
  const p = new SqlParams();
  const attempts = funnelAttemptsSql({ steps: options.steps, order, windowSeconds, from: options.from, to: options.to, users: options.users }, p);
  const aggs = [
    ...Array.from({ length: n }, (_, i) => `count(*) FILTER (WHERE d >= ${i + 1}) AS u${i + 1}`),
    ...Array.from({ length: n - 1 }, (_, i) => {
      const k = i + 2;
      return `quantile_cont((t${k} - t${k - 1}) / 1e3, 0.5) FILTER (WHERE d >= ${k}) AS mp${k}, quantile_cont((t${k} - t1) / 1e3, 0.5) FILTER (WHERE d >= ${k}) AS ms${k}`;
    }),
  ].join(', ');
  let sql = `WITH a AS MATERIALIZED (${attempts}) SELECT NULL::VARCHAR AS grp, TRUE AS total, ${aggs} FROM a`;
  if (options.by) {
    sql = `WITH a AS MATERIALIZED (${attempts}), g AS (${embedSql(options.by.sql, options.by.params, p)})
      SELECT NULL::VARCHAR AS grp, TRUE AS total, ${aggs} FROM a
      UNION ALL SELECT CAST(g.grp AS VARCHAR), FALSE, ${aggs} FROM a JOIN g USING (user_id) WHERE g.grp IS NOT NULL GROUP BY g.grp`;
  }
  const rows = await ws.wh.query<Record<string, unknown>>(sql, p.values);
  const stepsOf = (r: Record<string, unknown>): FunnelStepResult[] => {
    const users = Array.from({ length: n }, (_, i) => Number(r[`u${i + 1}`] ?? 0));
    return options.steps.map((s, i) => ({
      step: i + 1,
      name: s.name,
      users: users[i]!,
      conversionFromPrevious: i === 0 ? null : ratio(users[i]!, users[i - 1]!),
      conversionFromStart: ratio(users[i]!, users[0]!),
      medianSecondsFromPrevious: i === 0 ? null : num(r[`mp${i + 1}`]),
      medianSecondsFromStart: i === 0 ? null : num(r[`ms${i + 1}`]),
    }));
  };
  const totalRow = rows.find((r) => r.total === true);
  const total = totalRow ? stepsOf(totalRow) : stepsOf({});
  const groups = rows
    .filter((r) => r.total !== true)
    .map((r) => {
      const steps = stepsOf(r);
      return { group: String(r.grp), steps, overallConversion: ratio(steps[n - 1]!.users, steps[0]!.users) };
    })
    .sort((a, b) => b.steps[0]!.users - a.steps[0]!.users || a.group.localeCompare(b.group));
  return {
    steps: options.steps.map((s) => s.name),
    order,
    window,
    windowSeconds,
    from: options.from ?? null,
    to: options.to ?? null,
    total,
    overallConversion: ratio(total[n - 1]!.users, total[0]!.users),
    by: options.by?.label ?? null,
    groups,
  };
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
