/**
 * The one query behind `computeMetrics`: raw counts per (group, bucket) for the requested buckets, the
 * bucket before the first, and the buckets a year earlier. Set-based: events are scanned once into one
 * row per user and active day (plus one filtered scan of buy events when orders come from events), and
 * everything else is computed from those user-days. Definitions: docs/metrics.md.
 */
import { SqlParams } from '../../conditions/params.js';
import type { UserGrouping } from '../grouping.js';
import { GRAIN_SQL, requestedBucketsSql, type Grain } from './periods.js';

/** Where orders, buyers and GMV come from. */
export type OrderSource = 'orders' | 'buy events';

export interface MetricsQueryInput {
  from: string;
  to: string;
  /** Exclusive upper bound of everything read: the day after the last requested bucket. */
  endExclusive: string;
  grain: Grain;
  orderSource: OrderSource;
  by?: UserGrouping;
}

/** One row of the query: raw counts, before ratios. */
export interface RawMetricsRow {
  period: string;
  period_end: string;
  prev_period: string;
  year_ago_period: string;
  requested: boolean;
  grp: string;
  new_users: number;
  known_start: number;
  known_end: number;
  active: number;
  user_days: number;
  visitors: number;
  buyers: number;
  orders: number;
  gmv: number | null;
  priced: number;
  repeat_buyers: number;
  returning_buyers: number;
  dau: number;
  wau: number;
  mau: number;
}

/** Order facts per user and day: orders, their paid amount, and how many orders carried an amount. */
function purchasesSql(source: OrderSource, end: string): string {
  if (source === 'orders') {
    // An order counts once, on the day of its first line, for the user of that line.
    return `SELECT user_id, d, count(*) AS orders, sum(amount) AS gmv, count(amount) AS priced
      FROM (SELECT order_id, arg_min(user_id, ts) AS user_id, CAST(min(ts) AS DATE) AS d, CAST(sum(amount) AS DOUBLE) AS amount
            FROM orders WHERE ts < CAST(${end} AS TIMESTAMP) GROUP BY order_id)
      GROUP BY ALL`;
  }
  // Every buy event is one order; its amount, else the item's list price times the quantity (as `portrait stats`).
  return `SELECT e.user_id, CAST(e.ts AS DATE) AS d, count(*) AS orders,
      CAST(sum(coalesce(e.amount, i.price * coalesce(e.quantity, 1))) AS DOUBLE) AS gmv,
      count(coalesce(e.amount, i.price)) AS priced
    FROM events e LEFT JOIN items i ON i.item_id = e.item_id
    WHERE e.type = 'buy' AND e.ts < CAST(${end} AS TIMESTAMP)
    GROUP BY ALL`;
}

export function metricsSql(input: MetricsQueryInput): { sql: string; params: SqlParams } {
  const params = new SqlParams();
  // The grouping's own placeholders are $1..$k: its values go first and ours are numbered after them.
  if (input.by) params.values.push(...input.by.params);
  const g = GRAIN_SQL[input.grain];
  const from = params.bind(input.from);
  const to = params.bind(input.to);
  const end = params.bind(input.endExclusive);
  const grouped = input.by
    ? `g AS (SELECT DISTINCT user_id, CAST(grp AS VARCHAR) AS grp FROM (${input.by.sql}) grouping_rel WHERE grp IS NOT NULL),
       udg AS (SELECT ud.*, g.grp FROM ud JOIN g USING (user_id)),`
    : `udg AS (SELECT ud.*, '' AS grp FROM ud),`;
  const sql = `
WITH
req AS (${requestedBucketsSql(input.grain, from, to)}),
bk AS (
  SELECT p, CAST(p + ${g.step} - INTERVAL 1 DAY AS DATE) AS e, CAST(p - ${g.step} AS DATE) AS prev_p, CAST(p - ${g.yearAgo} AS DATE) AS yoy_p
  FROM (SELECT p FROM req UNION SELECT CAST(p - ${g.step} AS DATE) FROM req UNION SELECT CAST(p - ${g.yearAgo} AS DATE) FROM req)),
-- one row per user and day with an event: the single scan of events
act AS (
  SELECT user_id, CAST(ts AS DATE) AS d, true AS active, bool_or(type IN ('pv', 'content_view')) AS visited
  FROM events WHERE ts < CAST(${end} AS TIMESTAMP) GROUP BY ALL),
pur AS (${purchasesSql(input.orderSource, end)}),
ud AS (
  SELECT user_id, d, coalesce(a.active, false) AS active, coalesce(a.visited, false) AS visited,
         coalesce(o.orders, 0) AS orders, o.gmv, coalesce(o.priced, 0) AS priced
  FROM act a FULL JOIN pur o USING (user_id, d)),
${grouped}
usr AS (
  SELECT grp, user_id, min(d) FILTER (WHERE active) AS first_d, min(d) FILTER (WHERE orders > 0) AS first_buy
  FROM udg GROUP BY ALL),
grps AS (${input.by ? 'SELECT DISTINCT grp FROM usr' : "SELECT '' AS grp"}),
grid AS (SELECT b.*, s.grp FROM bk b CROSS JOIN grps s),
ub AS (
  SELECT grp, user_id, CAST(date_trunc(${g.trunc}, d) AS DATE) AS p, count(*) FILTER (WHERE active) AS active_days,
         bool_or(visited) AS visited, sum(orders) AS orders, sum(gmv) AS gmv, sum(priced) AS priced,
         count(*) FILTER (WHERE orders > 0) AS buy_days
  FROM udg WHERE d >= (SELECT min(p) FROM bk) GROUP BY ALL),
per AS (
  SELECT ub.grp, ub.p, count(*) FILTER (WHERE ub.active_days > 0) AS active, sum(ub.active_days) AS user_days,
         count(*) FILTER (WHERE ub.visited) AS visitors, count(*) FILTER (WHERE ub.orders > 0) AS buyers,
         sum(ub.orders) AS orders, sum(ub.gmv) AS gmv, sum(ub.priced) AS priced,
         count(*) FILTER (WHERE ub.buy_days >= 2) AS repeat_buyers,
         count(*) FILTER (WHERE ub.orders > 0 AND u.first_buy < ub.p) AS returning_buyers
  FROM ub JOIN usr u USING (grp, user_id)
  WHERE ub.p IN (SELECT p FROM bk) GROUP BY ALL),
firsts AS (SELECT grp, first_d, count(*) AS n FROM usr WHERE first_d IS NOT NULL GROUP BY ALL),
known AS (
  SELECT b.p, f.grp, sum(f.n) FILTER (WHERE f.first_d >= b.p) AS new_users, sum(f.n) FILTER (WHERE f.first_d < b.p) AS known_start,
         sum(f.n) AS known_end
  FROM bk b JOIN firsts f ON f.first_d <= b.e GROUP BY ALL),
daily AS (SELECT grp, d, count(*) AS dau FROM udg WHERE active GROUP BY ALL),
-- trailing windows: a user is in the W-day window ending on day x from each active day d until the
-- next active day or d + W, whichever is first; +1 / -1 at those days, summed in day order
nx AS (SELECT grp, d, lead(d) OVER (PARTITION BY grp, user_id ORDER BY d) AS nd FROM udg WHERE active),
dl AS (
  SELECT grp, x, sum(w7) AS w7, sum(w30) AS w30 FROM (
    SELECT grp, d AS x, 1 AS w7, 1 AS w30 FROM nx
    UNION ALL SELECT grp, least(d + 7, coalesce(nd, d + 7)) AS x, -1 AS w7, 0 AS w30 FROM nx
    UNION ALL SELECT grp, least(d + 30, coalesce(nd, d + 30)) AS x, 0 AS w7, -1 AS w30 FROM nx)
  GROUP BY ALL),
cum AS (SELECT grp, x, sum(w7) OVER w AS wau, sum(w30) OVER w AS mau FROM dl WINDOW w AS (PARTITION BY grp ORDER BY x)),
win AS (SELECT gr.grp, gr.p, c.wau, c.mau FROM grid gr ASOF LEFT JOIN cum c ON gr.grp = c.grp AND gr.e >= c.x)
SELECT strftime(gr.p, '%Y-%m-%d') AS period, strftime(gr.e, '%Y-%m-%d') AS period_end,
       strftime(gr.prev_p, '%Y-%m-%d') AS prev_period, strftime(gr.yoy_p, '%Y-%m-%d') AS year_ago_period,
       gr.p IN (SELECT p FROM req) AS requested, gr.grp,
       CAST(coalesce(k.new_users, 0) AS BIGINT) AS new_users, CAST(coalesce(k.known_start, 0) AS BIGINT) AS known_start,
       CAST(coalesce(k.known_end, 0) AS BIGINT) AS known_end,
       CAST(coalesce(pe.active, 0) AS BIGINT) AS active, CAST(coalesce(pe.user_days, 0) AS BIGINT) AS user_days,
       CAST(coalesce(pe.visitors, 0) AS BIGINT) AS visitors, CAST(coalesce(pe.buyers, 0) AS BIGINT) AS buyers,
       CAST(coalesce(pe.orders, 0) AS BIGINT) AS orders, CAST(pe.gmv AS DOUBLE) AS gmv, CAST(coalesce(pe.priced, 0) AS BIGINT) AS priced,
       CAST(coalesce(pe.repeat_buyers, 0) AS BIGINT) AS repeat_buyers, CAST(coalesce(pe.returning_buyers, 0) AS BIGINT) AS returning_buyers,
       CAST(coalesce(dy.dau, 0) AS BIGINT) AS dau, CAST(coalesce(w.wau, 0) AS BIGINT) AS wau, CAST(coalesce(w.mau, 0) AS BIGINT) AS mau
FROM grid gr
LEFT JOIN per pe ON pe.grp = gr.grp AND pe.p = gr.p
LEFT JOIN known k ON k.grp = gr.grp AND k.p = gr.p
LEFT JOIN daily dy ON dy.grp = gr.grp AND dy.d = gr.e
LEFT JOIN win w ON w.grp = gr.grp AND w.p = gr.p
ORDER BY gr.grp, gr.p`;
  return { sql, params };
}
