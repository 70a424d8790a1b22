/**
 * The lifecycle chart (as PostHog's lifecycle insight): per period, how many users are new, returning,
 * resurrecting and dormant. "New" is anchored on the user's first event ever, not on a registration date
 * (users table), so a user imported with an old account but first seen this week is new this week.
 * Dormant counts are reported negative, as the chart draws them below the axis. See docs/metrics.md.
 */
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { addDays, bucketEnd, checkGrain, dayRange, GRAIN_SQL, requestedBucketsSql, type DayInput, type Grain } from '../metrics/periods.js';

export interface LifecycleOptions {
  from: DayInput;
  to: DayInput;
  grain: Grain;
}

export interface LifecycleRow {
  /** First and last day of the period. */
  period: string;
  periodEnd: string;
  /** First event ever in this period. */
  new: number;
  /** Active in this period and in the previous one (including users new in the previous one). */
  returning: number;
  /** Active in this period, not in the previous one, and seen before. */
  resurrecting: number;
  /** Active in the previous period but not in this one; negative (drawn below the axis). */
  dormant: number;
  /** new + returning + resurrecting: every user with an event in the period. */
  active: number;
}

export interface LifecycleResult {
  from: string;
  to: string;
  grain: Grain;
  /** What "new" is anchored on: always the first event. */
  newAnchor: 'first event';
  rows: LifecycleRow[];
}

export function lifecycleSql(grain: Grain, from: string, to: string): { sql: string; params: SqlParams } {
  const g = GRAIN_SQL[grain];
  const params = new SqlParams();
  const f = params.bind(from);
  const t = params.bind(to);
  const end = params.bind(addDays(bucketEnd(to, grain), 1));
  const sql = `
WITH
req AS (${requestedBucketsSql(grain, f, t)}),
act AS (SELECT DISTINCT user_id, CAST(date_trunc(${g.trunc}, ts) AS DATE) AS p FROM events WHERE ts < CAST(${end} AS TIMESTAMP)),
l AS (
  SELECT p, min(p) OVER w AS first_p, lag(p) OVER w AS prev_p, lead(p) OVER w AS next_p
  FROM act WINDOW w AS (PARTITION BY user_id ORDER BY p)),
cnt AS (
  SELECT p, count(*) FILTER (WHERE p = first_p) AS n_new,
         count(*) FILTER (WHERE p <> first_p AND prev_p = CAST(p - ${g.step} AS DATE)) AS n_returning,
         count(*) FILTER (WHERE p <> first_p AND prev_p < CAST(p - ${g.step} AS DATE)) AS n_resurrecting
  FROM l WHERE p IN (SELECT p FROM req) GROUP BY p),
dorm AS (
  SELECT CAST(p + ${g.step} AS DATE) AS p, count(*) AS n_dormant FROM l
  WHERE (next_p IS NULL OR next_p > CAST(p + ${g.step} AS DATE)) AND CAST(p + ${g.step} AS DATE) IN (SELECT p FROM req)
  GROUP BY 1)
SELECT strftime(r.p, '%Y-%m-%d') AS period, strftime(CAST(r.p + ${g.step} - INTERVAL 1 DAY AS DATE), '%Y-%m-%d') AS period_end,
       CAST(coalesce(c.n_new, 0) AS BIGINT) AS n_new, CAST(coalesce(c.n_returning, 0) AS BIGINT) AS n_returning,
       CAST(coalesce(c.n_resurrecting, 0) AS BIGINT) AS n_resurrecting, CAST(coalesce(d.n_dormant, 0) AS BIGINT) AS n_dormant
FROM req r LEFT JOIN cnt c ON c.p = r.p LEFT JOIN dorm d ON d.p = r.p
ORDER BY r.p`;
  return { sql, params };
}

export async function lifecycleChart(ws: Workspace, options: LifecycleOptions): Promise<LifecycleResult> {
  const grain = checkGrain(options.grain, 'lifecycle');
  const { from, to } = dayRange(options.from, options.to, 'lifecycle');
  const { sql, params } = lifecycleSql(grain, from, to);
  const raw = await ws.wh.query<{ period: string; period_end: string; n_new: number; n_returning: number; n_resurrecting: number; n_dormant: number }>(
    sql,
    params.values,
  );
  return {
    from,
    to,
    grain,
    newAnchor: 'first event',
    rows: raw.map((r) => ({
      period: r.period,
      periodEnd: r.period_end,
      new: r.n_new,
      returning: r.n_returning,
      resurrecting: r.n_resurrecting,
      dormant: r.n_dormant === 0 ? 0 : -r.n_dormant,
      active: r.n_new + r.n_returning + r.n_resurrecting,
    })),
  };
}
