/** How users moved between lifecycle stages from one day to another (stage definitions in stage.ts). */
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { addDays, dayRange, type DayInput } from '../metrics/periods.js';
import { activeDaysSql, bindStage, LIFECYCLE_STAGES, resolveThresholds, returnedSql, stageCaseSql, type LifecycleStage, type StageThresholds } from './stage.js';

export interface TransitionOptions {
  from: DayInput;
  to: DayInput;
  thresholds?: Partial<StageThresholds>;
}

/** A stage, or 'unseen' for a user with no event yet on the from day. */
export type FromStage = LifecycleStage | 'unseen';

export interface TransitionRow {
  from: FromStage;
  to: LifecycleStage;
  users: number;
}

export interface TransitionResult {
  from: string;
  to: string;
  thresholds: StageThresholds;
  /** Users per stage on each day (users without an event by then are left out). */
  atFrom: Record<LifecycleStage, number>;
  atTo: Record<LifecycleStage, number>;
  /** Every (stage at from, stage at to) pair with at least one user, in stage order. */
  rows: TransitionRow[];
}

export function transitionsSql(from: string, to: string, thresholds: StageThresholds): { sql: string; params: SqlParams } {
  const params = new SqlParams();
  const b1 = bindStage(params, from, thresholds);
  const b2 = bindStage(params, to, thresholds);
  const end = params.bind(addDays(to, 1));
  const sql = `SELECT ${stageCaseSql(b1, 'first_d', 'last1', 'ret1')} AS from_stage, ${stageCaseSql(b2, 'first_d', 'last2', 'ret2')} AS to_stage,
      count(*) AS users
    FROM (
      SELECT user_id, min(d) AS first_d,
             max(d) FILTER (WHERE d <= ${b1.day}) AS last1, bool_or(${returnedSql(b1, 'd', 'since_prev')}) AS ret1,
             max(d) AS last2, bool_or(${returnedSql(b2, 'd', 'since_prev')}) AS ret2
      FROM (${activeDaysSql(end)}) GROUP BY user_id)
    GROUP BY ALL`;
  return { sql, params };
}

export async function stageTransitions(ws: Workspace, options: TransitionOptions): Promise<TransitionResult> {
  const { from, to } = dayRange(options.from, options.to, 'lifecycle transitions');
  const thresholds = resolveThresholds(options.thresholds);
  const { sql, params } = transitionsSql(from, to, thresholds);
  const raw = await ws.wh.query<{ from_stage: LifecycleStage | null; to_stage: LifecycleStage; users: number }>(sql, params.values);
  const zero = () => Object.fromEntries(LIFECYCLE_STAGES.map((s) => [s, 0])) as Record<LifecycleStage, number>;
  const atFrom = zero();
  const atTo = zero();
  const order = (s: FromStage) => (s === 'unseen' ? -1 : LIFECYCLE_STAGES.indexOf(s));
  const rows = raw
    .map((r) => ({ from: (r.from_stage ?? 'unseen') as FromStage, to: r.to_stage, users: r.users }))
    .sort((a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to));
  for (const r of rows) {
    if (r.from !== 'unseen') atFrom[r.from] += r.users;
    atTo[r.to] += r.users;
  }
  return { from, to, thresholds, atFrom, atTo, rows };
}
