/**
 * A funnel as SQL: one row per user who did the first step (any step, in any-order funnels) with how far
 * they got (`d`) and the times of the steps of their counted attempt (`t1..tn`, epoch milliseconds).
 * See docs/funnels.md for the definitions. The shapes avoid sorting the big step (views are ~90% of
 * events):
 *
 * - ordered: the latest step-1 event before each step-2 event by `latestBeforeSql` (per user and
 *   30-minute bucket the step-1 keys: within the probe's bucket from that list, before it from a
 *   window over per-bucket maxima); then a window over the (few) survivors
 *   and the step-3 events, and so on; the counted attempt by hash joins.
 * - strict: the event just before each later-step event (among all of the user's events) the same way;
 *   runs grow one step at a time by joining an event to the run ending at its predecessor.
 * - unordered: one window pass over the steps' events, looking ahead for each step's next event.
 *
 * Events are ordered by (time, lowest step they match): at the same time a view comes before a cart, so
 * same-time steps chain in funnel order; other events at that time come after the steps.
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
  // The event type is tested directly (a plain comparison on the enum column is several times cheaper
  // than the general form); the rest of each step's filter is the condition language's SQL.
  const preds = o.steps.map((s) => {
    const { event, ...rest } = s.filter;
    const types = event ?? [];
    const typeSql = types.length === 1 ? `e.type = ${p.bind(types[0]!)}` : types.length ? `e.type IN (${p.bindList(types)})` : 'TRUE';
    const restPred = Object.keys(rest).length ? eventFilterSql(rest, p) : null;
    const users = s.users ? ` AND ${inRelationSql('e.user_id', s.users, p)}` : '';
    const sql = restPred ? `(${typeSql} AND COALESCE(${restPred.sql}, FALSE)${users})` : `(${typeSql}${users})`;
    return { sql, needsItems: restPred?.needsItems ?? false, types };
  });
  const where: string[] = [];
  if (o.from) where.push(`e.ts >= CAST(${p.bind(o.from)} AS TIMESTAMP)`);
  if (o.to) where.push(`e.ts <= CAST(${p.bind(o.to)} AS TIMESTAMP)`);
  if (o.users) where.push(inRelationSql('e.user_id', o.users, p));
  const allTypes = [...new Set(preds.flatMap((x) => x.types))];
  if (onlySteps && preds.every((x) => x.types.length > 0)) where.push(`e.type IN (${p.bindList(allTypes)})`);
  const join = preds.some((x) => x.needsItems) ? ' LEFT JOIN items it ON it.item_id = e.item_id' : '';
  const flags = preds.map((x, i) => `${x.sql} AS m${i + 1}`).join(', ');
  const scan = `SELECT e.user_id, epoch_ms(e.ts) AS t, ${flags}
    FROM events e${join}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  return onlySteps ? `SELECT * FROM (${scan}) sc WHERE ${preds.map((_, i) => `m${i + 1}`).join(' OR ')}` : scan;
}

/** `sm`: the lowest step an event matches (NULL for none), the tie-break at equal times. */
function lowestStep(n: number): string {
  return `CASE ${range(n).map((k) => `WHEN m${k} THEN ${k}`).join(' ')} END`;
}

/**
 * Each event's place in the order packed in one 64-bit key: time in milliseconds << 16, the lowest
 * step it matches (15: none) << 12, and its step flags (bit k-1: matches step k) in the low 12 bits.
 * Comparing keys compares (time, lowest step); `key >> 16` is the time. Events with equal keys are
 * simultaneous: neither comes before the other.
 */
function keySql(n: number): string {
  const flags = range(n).map((k) => `(CAST(m${k} AS BIGINT) << ${k - 1})`).join(' | ');
  return `(t << 16) | (CAST(COALESCE(${lowestStep(n)}, 15) AS BIGINT) << 12) | ${flags}`;
}

const timeOf = (key: string) => `((${key}) >> 16)`;
const hasStep = (key: string, k: number) => `((${key}) & ${1 << (k - 1)}) <> 0`;

/** Events are bucketed by 30 minutes to find each probe's predecessor without sorting the candidates. */
const BUCKET_MS = 1_800_000;

/**
 * For each probe event (user_id, t, kk): `pk`, the greatest key of a candidate event of the same user
 * below the probe's (NULL if none), from `candBuckets` (bucketsSql: per user and bucket, the keys).
 * Sort-free for the candidates: within the probe's 30-minute bucket from that bucket's list of keys
 * (a hash join on user and bucket); before it from per-bucket maxima, with a window over those (one
 * row per user and active bucket, about ten times fewer than the events).
 */
function latestBeforeSql(tag: string, probes: string, candBuckets: string): string {
  const b = BUCKET_MS;
  return `(WITH ${tag}pr AS (SELECT user_id, kk, t // ${b} AS b FROM ${probes}),
    ${tag}lb AS (SELECT user_id, b, src, last_value(mx IGNORE NULLS) OVER (PARTITION BY user_id ORDER BY b, src ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS m
      FROM (SELECT user_id, b, mx, 1 AS src FROM ${candBuckets} UNION ALL SELECT DISTINCT user_id, b, NULL::BIGINT, 0 FROM ${tag}pr) x)
    SELECT pr.user_id, pr.kk, COALESCE(list_max(list_filter(cb.ks, x -> x < pr.kk)), l.m) AS pk FROM ${tag}pr pr
      LEFT JOIN ${candBuckets} cb ON cb.user_id = pr.user_id AND cb.b = pr.b
      LEFT JOIN ${tag}lb l ON l.user_id = pr.user_id AND l.b = pr.b AND l.src = 0)`;
}

/** Per user and 30-minute bucket: the greatest and least key of `cands`, and all their keys. */
function bucketsSql(cands: string): string {
  return `SELECT user_id, t // ${BUCKET_MS} AS b, max(kk) AS mx, min(kk) AS mn, list(kk) AS ks FROM ${cands} GROUP BY ALL`;
}

/** SQL of the per-user attempts: user_id, d (steps reached, >= 1), t1..tn (NULL past d). */
export function funnelAttemptsSql(o: FunnelSqlOptions, p: SqlParams): string {
  const n = o.steps.length;
  const w = p.bind(Math.round(o.windowSeconds * 1e3));
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
  const ctes: string[] = [`ev AS (SELECT *, ${keySql(n)} AS kk FROM (${scanSql(o, p, true)}) s)`];
  // c1, cb1: the step-1 events and their per-bucket keys; f: each step-1 user's first step-1 event.
  ctes.push(`c1 AS (SELECT user_id, t, kk FROM ev WHERE m1)`);
  ctes.push(`cb1 AS (${bucketsSql('c1')})`);
  ctes.push(`f AS (SELECT user_id, min(mn) AS k1 FROM cb1 GROUP BY user_id)`);
  if (n >= 2) {
    // a: the latest step-1 event before each step-2 event (the latest start); valid within the window.
    ctes.push(`lb2 AS ${latestBeforeSql('l2', '(SELECT user_id, t, kk FROM ev WHERE m2)', 'cb1')}`);
    ctes.push(`v2 AS (SELECT user_id, kk, ${timeOf('kk')} AS t, ${timeOf('pk')} AS a FROM lb2 WHERE pk IS NOT NULL AND ${timeOf('pk')} >= ${timeOf('kk')} - ${w})`);
  }
  for (let k = 3; k <= n; k++) {
    // The survivors of step k-1 (few) carry their latest start forward to the step-k events after
    // them. An event matching both steps sorts its step-k copy (src 0) first: it never follows itself.
    ctes.push(`p${k} AS (SELECT user_id, kk, src, last_value(a IGNORE NULLS) OVER (PARTITION BY user_id ORDER BY kk, src ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS a
      FROM (SELECT user_id, kk, 1 AS src, a FROM v${k - 1} UNION ALL SELECT user_id, kk, 0, NULL FROM ev WHERE m${k}) x)`);
    ctes.push(`v${k} AS (SELECT user_id, kk, ${timeOf('kk')} AS t, a FROM p${k} WHERE src = 0 AND a >= ${timeOf('kk')} - ${w})`);
  }
  const deeper = range(n).slice(1).map((k) => `SELECT DISTINCT user_id, ${k} AS k FROM v${k}`);
  ctes.push(
    deeper.length
      ? `dep AS (SELECT f.user_id, COALESCE(r.d, 1) AS d FROM f LEFT JOIN (SELECT user_id, max(k) AS d FROM (${deeper.join(' UNION ALL ')}) x GROUP BY user_id) r USING (user_id))`
      : `dep AS (SELECT user_id, 1 AS d FROM f)`,
  );
  if (n === 1) return `WITH ${ctes.join(',\n')} SELECT dep.user_id, dep.d, ${timeOf('f.k1')} AS t1 FROM dep JOIN f USING (user_id)`;
  // The counted attempt: the earliest start from which the user's deepest step is reached. Its final
  // event can be the user's earliest valid final event r*; the start is then the earliest step-1 event
  // at or after t(r*) - window (every start from there to the latest start before r* reaches r*).
  const finals = range(n).slice(1).map((k) => `SELECT v.user_id, min(v.t) AS tr FROM v${k} v JOIN dep USING (user_id) WHERE dep.d = ${k} GROUP BY v.user_id`);
  ctes.push(`rstar AS (${finals.join(' UNION ALL ')})`);
  // The earliest step-1 event at or after the bound lo = t(r*) - window: in lo's bucket (a join on user
  // and bucket), else the least of the later buckets up to r*'s (all within the window).
  const b = BUCKET_MS;
  ctes.push(`lo AS (SELECT user_id, tr - ${w} AS lo, (tr - ${w}) // ${b} AS blo, tr // ${b} AS bhi FROM rstar)`);
  ctes.push(`g1 AS (SELECT user_id, COALESCE(min(x.a), min(x.c)) AS g FROM (
      SELECT lo.user_id, list_min(list_filter(cb.ks, x -> x >= lo.lo << 16)) AS a, NULL::BIGINT AS c FROM lo JOIN cb1 cb ON cb.user_id = lo.user_id AND cb.b = lo.blo
      UNION ALL SELECT lo.user_id, NULL, cb.mn FROM lo JOIN cb1 cb ON cb.user_id = lo.user_id AND cb.b > lo.blo AND cb.b <= lo.bhi) x GROUP BY user_id)`);
  // Then each later step is the first such event after the previous step's event.
  for (let k = 2; k <= n; k++) {
    ctes.push(`g${k} AS (SELECT e.user_id, min(e.kk) AS g FROM ev e JOIN g${k - 1} prev USING (user_id) JOIN dep USING (user_id)
      WHERE e.m${k} AND dep.d >= ${k} AND e.kk > prev.g GROUP BY e.user_id)`);
  }
  const cols = range(n).map((k) => (k === 1 ? `${timeOf('COALESCE(g1.g, f.k1)')} AS t1` : `${timeOf(`g${k}.g`)} AS t${k}`)).join(', ');
  const joins = range(n).map((k) => `LEFT JOIN g${k} USING (user_id)`).join(' ');
  return `WITH ${ctes.join(',\n')} SELECT dep.user_id, dep.d, ${cols} FROM dep JOIN f USING (user_id) ${joins}`;
}

function strictSql(o: FunnelSqlOptions, p: SqlParams, n: number, w: string): string {
  // Every event of the user counts here: any event between two steps breaks the chain. The event
  // just before each later-step event is found sort-free; runs then grow one step at a time by
  // joining each event to the run ending at its predecessor.
  const ctes: string[] = [`ev AS (SELECT *, ${keySql(n)} AS kk FROM (${scanSql(o, p, false)}) s)`];
  ctes.push(`f AS (SELECT user_id, min(kk) AS k1 FROM ev WHERE m1 GROUP BY user_id)`);
  if (n >= 2) {
    const later = range(n).slice(1).map((k) => `m${k}`).join(' OR ');
    ctes.push(`cb AS (${bucketsSql('ev')})`);
    ctes.push(`lb AS ${latestBeforeSql('lp', `(SELECT user_id, t, kk FROM ev WHERE ${later})`, 'cb')}`);
    ctes.push(`s2 AS (SELECT user_id, kk, pk AS k1, ${timeOf('pk')} AS t1, ${timeOf('kk')} AS t2 FROM lb
      WHERE ${hasStep('kk', 2)} AND pk IS NOT NULL AND ${hasStep('pk', 1)} AND ${timeOf('kk')} - ${timeOf('pk')} <= ${w})`);
  }
  for (let k = 3; k <= n; k++) {
    const prev = range(k - 1).map((j) => `s.t${j}`).join(', ');
    ctes.push(`s${k} AS (SELECT lb.user_id, lb.kk, s.k1, ${prev}, ${timeOf('lb.kk')} AS t${k} FROM lb JOIN s${k - 1} s ON s.user_id = lb.user_id AND s.kk = lb.pk
      WHERE ${hasStep('lb.kk', k)} AND ${timeOf('lb.kk')} - s.t1 <= ${w})`);
  }
  const deeper = range(n).slice(1).map((k) => `SELECT DISTINCT user_id, ${k} AS k FROM s${k}`);
  ctes.push(
    deeper.length
      ? `dep AS (SELECT f.user_id, COALESCE(r.d, 1) AS d FROM f LEFT JOIN (SELECT user_id, max(k) AS d FROM (${deeper.join(' UNION ALL ')}) x GROUP BY user_id) r USING (user_id))`
      : `dep AS (SELECT user_id, 1 AS d FROM f)`,
  );
  // The counted attempt: the run of the user's deepest length with the earliest start.
  const best = range(n)
    .slice(1)
    .map((k) => `SELECT s.user_id, arg_min([${range(n).map((j) => (j <= k ? `s.t${j}` : 'NULL::BIGINT')).join(', ')}], s.k1) AS ts FROM s${k} s JOIN dep USING (user_id) WHERE dep.d = ${k} GROUP BY s.user_id`);
  best.push(`SELECT user_id, [${range(n).map((j) => (j === 1 ? timeOf('k1') : 'NULL::BIGINT')).join(', ')}] FROM f JOIN dep USING (user_id) WHERE dep.d = 1`);
  ctes.push(`att AS (${best.join(' UNION ALL ')})`);
  return `WITH ${ctes.join(',\n')} SELECT dep.user_id, dep.d, ${range(n).map((k) => `att.ts[${k}] AS t${k}`).join(', ')} FROM dep JOIN att USING (user_id)`;
}

function unorderedSql(o: FunnelSqlOptions, p: SqlParams, n: number, w: string): string {
  // From each step event: the next event (this one included) of every step, by a running "last seen"
  // over the user's events in reverse order; the steps whose next event is within the window are
  // reached, in the order of their times. The counted attempt is the earliest start reaching most.
  const nexts = range(n).map((k) => `last_value(CASE WHEN m${k} THEN t END IGNORE NULLS) OVER f AS n${k}`).join(', ');
  const list = `list_sort(list_filter(list_value(${range(n).map((k) => `n${k}`).join(', ')}), x -> x IS NOT NULL AND x <= t + ${w}))`;
  const cols = range(n).map((k) => `r[${k}] AS t${k}`).join(', ');
  return `WITH ev AS (SELECT *, ${keySql(n)} AS kk FROM (${scanSql(o, p, true)}) s),
    nx AS (SELECT user_id, t, kk, ${nexts} FROM ev WINDOW f AS (PARTITION BY user_id ORDER BY kk DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
    reached AS MATERIALIZED (SELECT user_id, kk, ${list} AS r FROM nx),
    dep AS (SELECT user_id, max(len(r)) AS d FROM reached GROUP BY user_id),
    best AS (SELECT x.user_id, dep.d, arg_min(x.r, x.kk) AS r FROM reached x JOIN dep ON dep.user_id = x.user_id AND len(x.r) = dep.d GROUP BY x.user_id, dep.d)
    SELECT user_id, d, ${cols} FROM best`;
}
