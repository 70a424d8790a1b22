/**
 * Evaluation on a synthetic world (it reads truth.*; build stages never do): build cycles as of a cut-off
 * that leaves a holdout at the end of the window, then compare
 *  - the estimated interval with truth.cycles' cycle_days, for predicted pairs that are true cycles;
 *  - the predicted next due date with the first actual purchase day of that user and category after the
 *    cut-off, for true-cycle pairs that bought again in the holdout.
 * Nothing is written to the workspace. See docs/cycles.md.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { checkMinPurchases, purchaseCyclesSelectSql } from './build.js';

export const DEFAULT_HOLDOUT_DAYS = 20;

export interface CyclesEvaluationOptions {
  /** Days at the end of the window kept out of the build (default 20). */
  holdoutDays?: number;
  minPurchases?: number;
}

export interface ErrorSummary {
  count: number;
  /** Mean absolute error in days. */
  mae: number | null;
  /** Median absolute error in days. */
  medianAe: number | null;
  /** Share with an absolute error of 3 days or less. */
  within3: number | null;
}

export interface CyclesEvaluation {
  windowStart: string;
  windowDays: number;
  /** Last day of the build; purchases after it are the holdout. */
  cutoff: string;
  holdoutDays: number;
  minPurchases: number;
  /** Pairs (user, category) with a cycle found as of the cut-off. */
  predicted: number;
  /** Pairs in truth.cycles. */
  trueCycles: number;
  /** Predicted pairs that are true cycles. */
  matched: number;
  /** matched / predicted. */
  precision: number | null;
  /** matched / true cycles with at least minPurchases purchase days before the cut-off. */
  recall: number | null;
  /** Estimated interval against cycle_days, over matched pairs. */
  interval: ErrorSummary;
  /** next_due against the first purchase after the cut-off, over matched pairs that bought again in the holdout. */
  nextDate: ErrorSummary;
  /** Matched pairs with no purchase in the holdout. */
  noHoldoutPurchase: number;
}

async function truthWindow(ws: Workspace): Promise<{ start: string; days: number }> {
  const t = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'truth' AND table_name IN ('cycles', 'world')",
  );
  if (Number(t[0]?.n ?? 0) < 2) {
    throw new PortraitError('due evaluate: this workspace has no ground truth (truth.cycles, truth.world)', 'evaluate on a synthetic world: portrait synth --users 20k into an empty workspace');
  }
  const rows = await ws.wh.query<{ key: string; value: string }>("SELECT key, value FROM truth.world WHERE key IN ('start', 'days')");
  const start = rows.find((r) => r.key === 'start')?.value;
  const days = Number(rows.find((r) => r.key === 'days')?.value);
  if (!start || !/^\d{4}-\d{2}-\d{2}$/.test(start) || !Number.isSafeInteger(days)) {
    throw new PortraitError('due evaluate: truth.world lacks a valid start and days');
  }
  return { start, days };
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export async function evaluateCycles(ws: Workspace, options: CyclesEvaluationOptions = {}): Promise<CyclesEvaluation> {
  const holdoutDays = options.holdoutDays ?? DEFAULT_HOLDOUT_DAYS;
  const minPurchases = checkMinPurchases(options.minPurchases);
  const { start, days } = await truthWindow(ws);
  if (!Number.isSafeInteger(holdoutDays) || holdoutDays < 1 || holdoutDays >= days) {
    throw new PortraitError(`due evaluate: holdout must be 1 to ${days - 1} days (got ${holdoutDays})`);
  }
  const cutoff = addDays(start, days - 1 - holdoutDays);
  const asOf = new Date(`${cutoff}T23:59:59Z`); // end of the cut-off day, local wall clock
  const summary = (expr: string, filter: string) => `
    count(*) FILTER (WHERE ${filter}) AS ${expr}_n,
    avg(${expr}) FILTER (WHERE ${filter}) AS ${expr}_mae,
    median(${expr}) FILTER (WHERE ${filter}) AS ${expr}_med,
    avg(CASE WHEN ${expr} <= 3 THEN 1.0 ELSE 0.0 END) FILTER (WHERE ${filter}) AS ${expr}_w3`;
  const rows = await ws.wh.query<Record<string, number | null>>(
    `WITH p AS MATERIALIZED (${purchaseCyclesSelectSql(1, 2)}),
    nxt AS (
      SELECT e.user_id, COALESCE(e.category_id, it.category_id) AS category_id, min(CAST(e.ts AS DATE)) AS actual_next
      FROM events e LEFT JOIN items it ON it.item_id = e.item_id
      WHERE e.type = 'buy' AND e.ts > CAST($1 AS TIMESTAMP)
      GROUP BY ALL
    ), before AS (
      SELECT t.user_id, t.category_id, count(DISTINCT CAST(e.ts AS DATE)) AS days_bought
      FROM truth.cycles t
      LEFT JOIN events e ON e.user_id = t.user_id AND e.type = 'buy' AND e.ts <= CAST($1 AS TIMESTAMP)
      LEFT JOIN items it ON it.item_id = e.item_id
      WHERE COALESCE(e.category_id, it.category_id) = t.category_id
      GROUP BY ALL
    ), j AS (
      SELECT p.*, t.cycle_days, n.actual_next,
        abs(p.interval_days - t.cycle_days) AS interval_ae,
        abs(n.actual_next - p.next_due) AS next_ae
      FROM p
      LEFT JOIN truth.cycles t ON t.user_id = p.user_id AND t.category_id = p.category_id
      LEFT JOIN nxt n ON n.user_id = p.user_id AND n.category_id = p.category_id
    )
    SELECT count(*) AS predicted,
      count(cycle_days) AS matched,
      (SELECT count(*) FROM truth.cycles) AS true_cycles,
      (SELECT count(*) FROM before WHERE days_bought >= CAST($2 AS BIGINT)) AS findable,
      count(*) FILTER (WHERE cycle_days IS NOT NULL AND actual_next IS NULL) AS no_holdout,
      ${summary('interval_ae', 'cycle_days IS NOT NULL')},
      ${summary('next_ae', 'cycle_days IS NOT NULL AND actual_next IS NOT NULL')}
    FROM j`,
    [asOf, minPurchases],
  );
  const r = rows[0] ?? {};
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const errors = (k: string): ErrorSummary => ({
    count: Number(r[`${k}_n`] ?? 0),
    mae: num(r[`${k}_mae`]),
    medianAe: num(r[`${k}_med`]),
    within3: num(r[`${k}_w3`]),
  });
  const predicted = Number(r.predicted ?? 0);
  const matched = Number(r.matched ?? 0);
  const findable = Number(r.findable ?? 0);
  return {
    windowStart: start,
    windowDays: days,
    cutoff,
    holdoutDays,
    minPurchases,
    predicted,
    trueCycles: Number(r.true_cycles ?? 0),
    matched,
    precision: predicted > 0 ? matched / predicted : null,
    recall: findable > 0 ? matched / findable : null,
    interval: errors('interval_ae'),
    nextDate: errors('next_ae'),
    noHoldoutPurchase: Number(r.no_holdout ?? 0),
  };
}
