/**
 * A funnel as SQL: one row per user who did the first step (any step, in any-order funnels) with how far
 * they got (`d`) and the times of the steps of their counted attempt (`t1..tn`, epoch microseconds).
 * See docs/funnels.md for the definitions; the shapes are:
 *
 * - ordered: one window pass over the events of steps 1 and 2 (the latest start before each step-2
 *   event), then one over the (few) survivors and step-3 events, and so on; then the counted attempt is
 *   found by hash joins (earliest start within the window of the earliest final event, then the first
 *   event of each later step after the previous).
 * - strict: one window pass over all of the user's events, looking back n-1 events.
 * - unordered: one window pass over the steps' events, looking ahead for each step's next event.
 *
 * Events are totally ordered by (time, lowest step they match, storage row): at the same second a
 * view comes before a cart, so same-second steps chain in funnel order.
 */
import { eventFilterSql } from '../../conditions/events.js';
import type { SqlParams } from '../../conditions/params.js';
import { inRelationSql, type UserRelation } from './relation.js';
import type { FunnelStep } from './steps.js';

export const FUNNEL_ORDERS = ['ordered', 'strict', 'unordered'] as const;
export type FunnelOrder = (typeof FUNNEL_ORDERS)[number];

export interface FunnelSqlOptions {
  steps: FunnelStep[];
  order: FunnelOrder;
  /** Conversion window in seconds: the last step counted is at most this long after the attempt's start. */
  windowSeconds: number;
  /** Only events at or after / at or before these local times count. */
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only these users' events count at all. */
  users?: UserRelation | undefined;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The scan: the events in range with one flag per step and `sm`, the lowest step they match. */
function scanSql(o: FunnelSqlOptions, p: SqlParams, onlySteps: boolean): string {
  const preds = o.steps.map((s) => {
    const pred = eventFilterSql(s.filter, p);
    const users = s.users ? ` AND ${inRelationSql('e.user_id', s.users, p)}` : '';
    return { sql: `(${pred.sql}${users})`, needsItems: pred.needsItems };
  });
  const where: string[] = [];
  if (o.from) where.push(`e.ts >= CAST(${p.bind(o.from)} AS TIMESTAMP)`);
  if (o.to) where.push(`e.ts <= CAST(${p.bind(o.to)} AS TIMESTAMP)`);
  if (o.users) where.push(inRelationSql('e.user_id', o.users, p));
  if (onlySteps) where.push(`(${preds.map((x) => x.sql).join(' OR ')})`);
  const join = preds.some((x) => x.needsItems) ? ' LEFT JOIN items it ON it.item_id = e.item_id' : '';
  const flags = preds.map((x, i) => `COALESCE(${x.sql}, FALSE) AS m${i + 1}`).join(', ');
  return `SELECT e.user_id, epoch_us(e.ts) AS t, e.rowid AS rid, ${flags}
    FROM events e${join}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}

/** `sm`: the lowest step an event matches (NULL for none), the tie-break at equal times. */
function lowestStep(n: number): string {
  return `CASE ${range(n).map((k) => `WHEN m${k} THEN ${k}`).join(' ')} END`;
}

/** SQL of the per-user attempts: user_id, d (steps reached, >= 1), t1..tn (NULL past d). */
export function funnelAttemptsSql(o: FunnelSqlOptions, p: SqlParams): string {
  const n = o.steps.length;
  const w = p.bind(Math.round(o.windowSeconds * 1e6));
  switch (o.order) {
    case 'ordered':
      return orderedSql(o, p, n, w);
    case 'strict':
      return strictSql(o, p, n, w);
    case 'unordered':
      return unorderedSql(o, p, n, w);
  }
}

function orderedSql(o: FunnelSqlOptions, p: SqlParams, n: number, w: string): string {
  const ctes: string[] = [`ev AS MATERIALIZED (SELECT *, ${lowestStep(n)} AS sm FROM (${scanSql(o, p, true)}) s)`];
  const win = (extra = '') => `PARTITION BY user_id ORDER BY t, sm, rid${extra} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING`;
  if (n >= 2) {
    // a: the latest step-1 event before each step-2 event; valid when within the window.
    ctes.push(`p2 AS (SELECT user_id, t, rid, sm, m2, last_value(CASE WHEN m1 THEN t END IGNORE NULLS) OVER (${win()}) AS a
      FROM ev WHERE m1 OR m2)`);
    ctes.push(`v2 AS (SELECT user_id, t, rid, sm, a FROM p2 WHERE m2 AND a >= t - ${w})`);
  }
  for (let k = 3; k <= n; k++) {
    // The survivors of step k-1 carry their latest start forward to the step-k events after them. An
    // event matching both steps sorts its step-k copy (src 0) first, so it never follows itself.
    ctes.push(`p${k} AS (SELECT user_id, t, src, last_value(a IGNORE NULLS) OVER (${win(', src')}) AS a
      FROM (SELECT user_id, t, rid, sm, 1 AS src, a FROM v${k - 1} UNION ALL SELECT user_id, t, rid, sm, 0, NULL FROM ev WHERE m${k}) x)`);
    ctes.push(`v${k} AS (SELECT user_id, t, a FROM p${k} WHERE src = 0 AND a >= t - ${w})`);
  }
  const reach = [`SELECT DISTINCT user_id, 1 AS k FROM ev WHERE m1`, ...range(n).slice(1).map((k) => `SELECT DISTINCT user_id, ${k} FROM v${k}`)];
  ctes.push(`dep AS (SELECT user_id, max(k) AS d FROM (${reach.join(' UNION ALL ')}) r GROUP BY user_id)`);
  if (n === 1) {
    ctes.push(`att AS (SELECT user_id, d, min(t) AS t1 FROM ev JOIN dep USING (user_id) WHERE m1 GROUP BY user_id, d)`);
    return `WITH ${ctes.join(',\n')} SELECT * FROM att`;
  }
  // The counted attempt: the earliest start from which the user's deepest step is reached. Its final
  // event can be the user's earliest valid final event r*; the start is then the earliest step-1 event
  // at or after t(r*) - window (any start from there on reaches r*, since a later start is valid).
  const finals = range(n).slice(1).map((k) => `SELECT v.user_id, min(v.t) AS tr FROM v${k} v JOIN dep USING (user_id) WHERE dep.d = ${k} GROUP BY v.user_id`);
  ctes.push(`rstar AS (${finals.join(' UNION ALL ')})`);
  ctes.push(`g1 AS (SELECT e.user_id, min({'t': e.t, 'sm': e.sm, 'rid': e.rid}) AS g FROM ev e JOIN rstar r USING (user_id) WHERE e.m1 AND e.t >= r.tr - ${w} GROUP BY e.user_id)`);
  // Then each later step is the first such event after the previous step's event.
  for (let k = 2; k <= n; k++) {
    ctes.push(`g${k} AS (SELECT e.user_id, min({'t': e.t, 'sm': e.sm, 'rid': e.rid}) AS g
      FROM ev e JOIN g${k - 1} prev USING (user_id) JOIN dep USING (user_id)
      WHERE e.m${k} AND dep.d >= ${k} AND {'t': e.t, 'sm': e.sm, 'rid': e.rid} > prev.g GROUP BY e.user_id)`);
  }
  const cols = range(n).map((k) => (k === 1 ? `COALESCE(g1.g.t, f.t1) AS t1` : `g${k}.g.t AS t${k}`)).join(', ');
  const joins = range(n).map((k) => `LEFT JOIN g${k} USING (user_id)`).join(' ');
  ctes.push(`f AS (SELECT user_id, min(t) AS t1 FROM ev WHERE m1 GROUP BY user_id)`);
  return `WITH ${ctes.join(',\n')} SELECT dep.user_id, dep.d, ${cols} FROM dep JOIN f USING (user_id) ${joins}`;
}

function strictSql(o: FunnelSqlOptions, p: SqlParams, n: number, w: string): string {
  // Every event of the user counts here: any event between two steps breaks the chain.
  const win = `PARTITION BY user_id ORDER BY t, sm NULLS LAST, rid`;
  const lagT = range(n - 1).map((i) => `lag(t, ${i}) OVER w AS lt${i}`);
  const lagM: string[] = [];
  for (let i = 1; i < n; i++) for (let j = 1; j + i <= n; j++) lagM.push(`lag(m${j}, ${i}) OVER w AS l${i}m${j}`);
  // Row r ends a run of k steps when r matches step k, the event before it step k-1, ... and the
  // run's first event is within the window.
  const cond = (k: number) =>
    [`m${k}`, ...range(k - 1).map((i) => `COALESCE(l${i}m${k - i}, FALSE)`), ...(k > 1 ? [`t - lt${k - 1} <= ${w}`] : [])].join(' AND ');
  const depth = `CASE ${range(n).reverse().map((k) => `WHEN ${cond(k)} THEN ${k}`).join(' ')} ELSE 0 END`;
  const times = `list_value(${[...range(n - 1).reverse().map((i) => `lt${i}`), 't'].join(', ')})`;
  const cols = range(n).map((k) => `CASE WHEN d >= ${k} THEN ts[${n} - d + ${k}] END AS t${k}`).join(', ');
  return `WITH ev AS (SELECT *, ${lowestStep(n)} AS sm FROM (${scanSql(o, p, false)}) s),
    lg AS (SELECT user_id, t, rid, sm, m1${range(n).slice(1).map((k) => `, m${k}`).join('')}${[...lagT, ...lagM].map((x) => `, ${x}`).join('')} FROM ev WINDOW w AS (${win})),
    runs AS (SELECT user_id, t, sm, rid, ${depth} AS d, ${times} AS ts FROM lg),
    best AS (SELECT user_id, arg_min({'d': d, 'ts': ts}, {'negd': -d, 't': t, 'sm': sm, 'rid': rid}) AS b FROM runs WHERE d > 0 GROUP BY user_id)
    SELECT user_id, d, ${cols} FROM (SELECT user_id, b.d AS d, b.ts AS ts FROM best) x`;
}

function unorderedSql(o: FunnelSqlOptions, p: SqlParams, n: number, w: string): string {
  // From each step event: the next event (this one included) of every step; the steps whose next event
  // is within the window are reached, in the order of their times.
  const nexts = range(n).map((k) => `min(CASE WHEN m${k} THEN t END) OVER f AS n${k}`).join(', ');
  const list = `list_sort(list_filter(list_value(${range(n).map((k) => `n${k}`).join(', ')}), x -> x IS NOT NULL AND x <= t + ${w}))`;
  const cols = range(n).map((k) => `r[${k}] AS t${k}`).join(', ');
  return `WITH ev AS (SELECT *, ${lowestStep(n)} AS sm FROM (${scanSql(o, p, true)}) s),
    nx AS (SELECT user_id, t, sm, rid, ${nexts} FROM ev WINDOW f AS (PARTITION BY user_id ORDER BY t, sm, rid ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)),
    reached AS (SELECT user_id, t, sm, rid, ${list} AS r FROM nx),
    best AS (SELECT user_id, arg_min(r, {'negd': -len(r), 't': t, 'sm': sm, 'rid': rid}) AS r FROM reached GROUP BY user_id)
    SELECT user_id, len(r) AS d, ${cols} FROM best`;
}
