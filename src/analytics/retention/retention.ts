/**
 * Retention: cohorts of users by the period of their first event (or first purchase), and the share of
 * each cohort that returns (any event, or a purchase) in each later period. One pass over the events
 * (distinct user x period, with whether a purchase happened in it); the rest is on that small table.
 * Definitions in docs/funnels.md.
 */
import { PortraitError } from '../../errors.js';
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveAsOf } from '../as-of.js';
import type { UserGrouping } from '../grouping.js';
import { embedSql, inRelationSql, type UserRelation } from '../funnel/relation.js';

export const RETENTION_COHORTS = ['first-seen', 'first-buy'] as const;
export const RETENTION_RETURNS = ['any', 'buy'] as const;
export const RETENTION_GRAINS = ['day', 'week', 'month'] as const;
export type RetentionCohortBy = (typeof RETENTION_COHORTS)[number];
export type RetentionReturn = (typeof RETENTION_RETURNS)[number];
export type RetentionGrain = (typeof RETENTION_GRAINS)[number];
/** The classic day-N retention figures reported with the day grain. */
export const CLASSIC_DAYS = [1, 7, 30] as const;

export interface RetentionOptions {
  cohort?: RetentionCohortBy | undefined;
  returnOn?: RetentionReturn | undefined;
  grain?: RetentionGrain | undefined;
  /** Periods after the cohort period to report (period 0 is the cohort period itself). */
  periods?: number | undefined;
  /** Events after as-of are ignored (default: the newest event). */
  asOf?: Date | undefined;
  /** Only cohorts whose period starts on or after / on or before these dates. */
  from?: Date | undefined;
  to?: Date | undefined;
  users?: UserRelation | undefined;
  by?: UserGrouping | undefined;
}

export interface RetentionRow {
  /** Start of the cohort period, YYYY-MM-DD. */
  cohort: string;
  size: number;
  /** Users returning in period k = 0..periods; null when period k has not started by as-of. */
  returned: (number | null)[];
  rates: (number | null)[];
}

export interface ClassicRetention {
  /** D1/D7/D30: returners exactly on day N / users of the day cohorts whose day N is observed. */
  day: number;
  exact: number | null;
  /** Returned on any of days 1..N (same cohorts). */
  within: number | null;
  /** Users in the cohorts counted. */
  cohortUsers: number;
}

export interface RetentionTable {
  cohorts: RetentionRow[];
  /** All cohorts pooled: period k's rate is over the cohorts that have reached period k. */
  pooled: { size: number; returned: (number | null)[]; rates: (number | null)[] };
  /** D1, D7, D30 (day grain only; null otherwise). */
  classic: ClassicRetention[] | null;
}

export interface RetentionResult extends RetentionTable {
  cohortBy: RetentionCohortBy;
  returnOn: RetentionReturn;
  grain: RetentionGrain;
  periods: number;
  asOf: Date | null;
  by: string | null;
  groups: (RetentionTable & { group: string })[];
}

export async function retention(ws: Workspace, o: RetentionOptions = {}): Promise<RetentionResult> {
  const cohortBy = o.cohort ?? 'first-seen';
  const returnOn = o.returnOn ?? 'any';
  const grain = o.grain ?? 'day';
  const periods = o.periods ?? (grain === 'day' ? 7 : grain === 'week' ? 4 : 3);
  if (!(RETENTION_COHORTS as readonly string[]).includes(cohortBy)) throw new PortraitError(`unknown cohort "${cohortBy}"`, `one of ${RETENTION_COHORTS.join(', ')}`);
  if (!(RETENTION_RETURNS as readonly string[]).includes(returnOn)) throw new PortraitError(`unknown return action "${returnOn}"`, `one of ${RETENTION_RETURNS.join(', ')}`);
  if (!(RETENTION_GRAINS as readonly string[]).includes(grain)) throw new PortraitError(`unknown grain "${grain}"`, `one of ${RETENTION_GRAINS.join(', ')}`);
  if (!Number.isInteger(periods) || periods < 0 || periods > 400) throw new PortraitError('periods must be a whole number from 0 to 400');
  const asOf = await resolveAsOf(ws.wh, o.asOf);
  const base = { cohortBy, returnOn, grain, periods, asOf, by: o.by?.label ?? null };
  if (!asOf) return { ...base, cohorts: [], pooled: { size: 0, returned: [], rates: [] }, classic: null, groups: [] };

  const p = new SqlParams();
  const g = p.bind(grain);
  const asOfP = `CAST(${p.bind(asOf)} AS TIMESTAMP)`;
  const lastP = `CAST(date_trunc(${g}, ${asOfP}) AS DATE)`;
  // Day N of the classic figures may lie beyond the reported periods: look that far too.
  const horizon = grain === 'day' ? Math.max(periods, ...CLASSIC_DAYS) : periods;
  const where = [`ts <= ${asOfP}`];
  if (o.users) where.push(inRelationSql('user_id', o.users, p));
  const cohortWhere: string[] = [];
  if (o.from) cohortWhere.push(`c >= CAST(date_trunc(${g}, CAST(${p.bind(o.from)} AS TIMESTAMP)) AS DATE)`);
  if (o.to) cohortWhere.push(`c <= CAST(${p.bind(o.to)} AS DATE)`);
  const groupCte = o.by ? `grp AS (${embedSql(o.by.sql, o.by.params, p)}),` : '';
  const sql = `WITH ${groupCte} up AS MATERIALIZED (
      SELECT user_id, CAST(date_trunc(${g}, ts) AS DATE) AS p, bool_or(type = 'buy') AS b
      FROM events WHERE ${where.join(' AND ')} GROUP BY ALL),
    coh AS (SELECT * FROM (SELECT user_id, min(p)${cohortBy === 'first-buy' ? ' FILTER (WHERE b)' : ''} AS c FROM up GROUP BY user_id) x
      WHERE c IS NOT NULL${cohortWhere.map((w) => ` AND ${w}`).join('')}),
    ret AS (SELECT coh.user_id, coh.c, date_diff(${g}, coh.c, up.p) AS k FROM coh JOIN up USING (user_id)
      WHERE up.p >= coh.c${returnOn === 'buy' ? ' AND up.b' : ''} AND date_diff(${g}, coh.c, up.p) <= ${p.bind(horizon)}),
    fr AS (SELECT user_id, min(k) AS k FROM ret WHERE k > 0 GROUP BY user_id),
    cu AS (SELECT coh.user_id, coh.c, fr.k AS fr${o.by ? ', grp.grp' : ''} FROM coh LEFT JOIN fr USING (user_id)${o.by ? ' LEFT JOIN grp USING (user_id)' : ''})
    SELECT 'size' AS kind, ${o.by ? 'GROUPING(grp)' : '1'} AS ga, ${o.by ? 'grp' : 'NULL'}::VARCHAR AS grp, c, NULL::BIGINT AS k, count(*) AS n,
      ${CLASSIC_DAYS.map((d) => `count(*) FILTER (WHERE fr <= ${d}) AS w${d}`).join(', ')}
      FROM cu GROUP BY ${o.by ? 'GROUPING SETS ((c), (grp, c))' : 'c'}
    UNION ALL
    SELECT 'ret', ${o.by ? 'GROUPING(grp.grp)' : '1'}, ${o.by ? 'grp.grp' : 'NULL'}::VARCHAR, ret.c, ret.k, count(*), ${CLASSIC_DAYS.map(() => 'NULL').join(', ')}
      FROM ret${o.by ? ' LEFT JOIN grp USING (user_id)' : ''} GROUP BY ${o.by ? 'GROUPING SETS ((ret.c, ret.k), (grp.grp, ret.c, ret.k))' : 'ret.c, ret.k'}
    UNION ALL SELECT 'last', 1, NULL, ${lastP}, NULL, NULL, ${CLASSIC_DAYS.map(() => 'NULL').join(', ')}`;
  // The 'last' row carries the last (possibly partial) period, so cells after it are shown as unknown.
  const rows = await ws.wh.query<{ kind: string; ga: number; grp: string | null; c: Date; k: number | null; n: number | null; w1: number | null; w7: number | null; w30: number | null }>(sql, p.values);
  const last = rows.find((r) => r.kind === 'last')!.c;
  const ALL = '\u0000all';
  // ga = 1: the ungrouped rows (all users); otherwise one group's rows. Users in no group are left out.
  const byGroup = new Map<string, typeof rows>();
  for (const r of rows) {
    if (r.kind === 'last' || (Number(r.ga) !== 1 && r.grp === null)) continue;
    const k = Number(r.ga) === 1 ? ALL : r.grp!;
    if (!byGroup.has(k)) byGroup.set(k, []);
    byGroup.get(k)!.push(r);
  }
  const table = (rs: typeof rows): RetentionTable => buildTable(rs, periods, grain, last);
  const all = table(byGroup.get(ALL) ?? []);
  const groups = [...byGroup.entries()]
    .filter(([k]) => k !== ALL)
    .map(([k, rs]) => ({ group: k, ...table(rs) }))
    .sort((a, b) => b.pooled.size - a.pooled.size || a.group.localeCompare(b.group));
  return { ...base, ...all, groups };
}

const DAY_MS = 86_400_000;

function addPeriods(d: Date, grain: RetentionGrain, k: number): Date {
  if (grain === 'day') return new Date(d.getTime() + k * DAY_MS);
  if (grain === 'week') return new Date(d.getTime() + 7 * k * DAY_MS);
  const r = new Date(d.getTime());
  r.setUTCMonth(r.getUTCMonth() + k);
  return r;
}

function buildTable(
  rows: { kind: string; c: Date; k: number | null; n: number | null; w1: number | null; w7: number | null; w30: number | null }[],
  periods: number,
  grain: RetentionGrain,
  last: Date,
): RetentionTable {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const sizes = new Map<string, { c: Date; n: number; w: Record<number, number> }>();
  const returned = new Map<string, number>();
  for (const r of rows) {
    if (r.kind === 'size') sizes.set(day(r.c), { c: r.c, n: Number(r.n), w: { 1: Number(r.w1 ?? 0), 7: Number(r.w7 ?? 0), 30: Number(r.w30 ?? 0) } });
    else returned.set(`${day(r.c)}|${Number(r.k)}`, Number(r.n));
  }
  const observed = (c: Date, k: number) => addPeriods(c, grain, k).getTime() <= last.getTime();
  const cohorts: RetentionRow[] = [...sizes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, s]) => {
      const ret = Array.from({ length: periods + 1 }, (_, k) => (observed(s.c, k) ? (returned.get(`${key}|${k}`) ?? 0) : null));
      return { cohort: key, size: s.n, returned: ret, rates: ret.map((x) => (x === null ? null : x / s.n)) };
    });
  const pooledReturned: (number | null)[] = [];
  const pooledRates: (number | null)[] = [];
  for (let k = 0; k <= periods; k++) {
    const seen = cohorts.filter((c) => c.returned[k] !== null);
    const size = seen.reduce((a, c) => a + c.size, 0);
    const ret = seen.reduce((a, c) => a + (c.returned[k] ?? 0), 0);
    pooledReturned.push(seen.length ? ret : null);
    pooledRates.push(size > 0 ? ret / size : null);
  }
  const classic =
    grain !== 'day'
      ? null
      : [1, 7, 30].map((d) => {
          const seen = [...sizes.entries()].filter(([, s]) => observed(s.c, d));
          const users = seen.reduce((a, [, s]) => a + s.n, 0);
          const exact = seen.reduce((a, [key]) => a + (returned.get(`${key}|${d}`) ?? 0), 0);
          const within = seen.reduce((a, [, s]) => a + (s.w[d] ?? 0), 0);
          return { day: d, exact: users > 0 ? exact / users : null, within: users > 0 ? within / users : null, cohortUsers: users };
        });
  return { cohorts, pooled: { size: cohorts.reduce((a, c) => a + c.size, 0), returned: pooledReturned, rates: pooledRates }, classic };
}
