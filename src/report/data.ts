/**
 * Gathers what the report draws from the library, for one workspace, with defaults: the whole event
 * range cut into whole periods (days for up to 31 days of data, else Monday-to-Sunday weeks); the funnel
 * pv -> cart -> buy within 1 day; retention by first-seen cohort at the same grain; RFM groups and roles
 * from the stored tag values; the weekday x hour activity; each defined segment's size.
 */
import { basename } from 'node:path';
import { PortraitError } from '../errors.js';
import { computeMetrics } from '../analytics/metrics/index.js';
import { addDays } from '../analytics/metrics/periods.js';
import { lifecycleChart } from '../analytics/lifecycle/index.js';
import { funnel, parseStepsList } from '../analytics/funnel/index.js';
import { retention } from '../analytics/retention/index.js';
import { activityHeatmap } from '../analytics/activity/index.js';
import { SegmentRegistry, segmentSize } from '../segments/index.js';
import { KNOWN_USERS_TABLE, TAG_VALUES_TABLE, tableExists, tagsAsOf } from '../tags/values/build.js';
import type { Workspace } from '../workspace/workspace.js';
import { ROLE_KEYS, type ReportData, type ReportGrain, type RoleKey } from './types.js';

/** Data spanning more days than this is reported per week. */
export const DAILY_MAX_DAYS = 31;
export const REPORT_FUNNEL = 'pv,cart,buy';
export const REPORT_FUNNEL_WINDOW = '1d';

const dayMs = 86_400_000;
const utc = (day: string) => Date.parse(`${day}T00:00:00Z`);
const isoWeekday = (day: string) => (new Date(utc(day)).getUTCDay() + 6) % 7; // 0 = Monday

/**
 * The grain and the days reported for events from `first` to `last` (local days): every day up to
 * DAILY_MAX_DAYS days, else the whole Monday-to-Sunday weeks inside the range (a partial week at either
 * end would look like a drop), or every day when the range holds no whole week.
 */
export function reportPeriods(first: string, last: string): { grain: ReportGrain; from: string; to: string } {
  const span = Math.round((utc(last) - utc(first)) / dayMs) + 1;
  if (span <= DAILY_MAX_DAYS) return { grain: 'day', from: first, to: last };
  const from = addDays(first, (7 - isoWeekday(first)) % 7);
  const to = addDays(last, -((isoWeekday(last) + 1) % 7));
  if (utc(to) - utc(from) < 6 * dayMs) return { grain: 'day', from: first, to: last };
  return { grain: 'week', from, to };
}

export interface ReportDataOptions {
  /** Called with each part's name and seconds (for measuring). */
  onStep?: (step: string, seconds: number) => void;
}

export async function gatherReportData(ws: Workspace, options: ReportDataOptions = {}): Promise<ReportData> {
  const { wh } = ws;
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    options.onStep?.(step, (Date.now() - started) / 1000);
    return result;
  };
  const [range] = await wh.query<{ first: string | null; last: string | null; as_of: string | null }>(
    `SELECT strftime(min(ts), '%Y-%m-%d') AS first, strftime(max(ts), '%Y-%m-%d') AS last, strftime(max(ts), '%Y-%m-%d %H:%M:%S') AS as_of FROM events`,
  );
  if (!range?.first || !range.last) {
    throw new PortraitError('report: there are no events', 'import events first (portrait import, portrait synth or portrait demo), then portrait build');
  }
  const { grain, from, to } = reportPeriods(range.first, range.last);
  const fromTs = new Date(`${from}T00:00:00Z`);
  const toTs = new Date(`${to}T23:59:59.999Z`);
  const notes: string[] = [];
  const tagsBuilt = await tagsAsOf(wh);

  const metrics = await timed('metrics', () => computeMetrics(ws, { from, to, grain }));
  const lifecycle = await timed('lifecycle', () => lifecycleChart(ws, { from, to, grain }));
  const fun = await timed('funnel', () => funnel(ws, { steps: parseStepsList(REPORT_FUNNEL), window: REPORT_FUNNEL_WINDOW, from: fromTs, to: toTs }));
  const ret = await timed('retention', () => retention(ws, { cohort: 'first-seen', returnOn: 'any', grain, from: fromTs, to: toTs }));
  const activity = await timed('activity', () => activityHeatmap(ws, { from: fromTs, to: toTs }));

  const tags = await timed('tags', async () => {
    if (!tagsBuilt || !(await tableExists(wh, TAG_VALUES_TABLE))) {
      notes.push('The portrait has not been built: RFM groups, roles and segments need portrait build.');
      return { known: 0, rfm: [] as { group: string; users: number }[], roles: [] as { role: RoleKey; users: number }[] };
    }
    const known = (await tableExists(wh, KNOWN_USERS_TABLE))
      ? Number((await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${KNOWN_USERS_TABLE}`))[0]?.n ?? 0)
      : 0;
    const rfm = await wh.query<{ grp: string; users: number }>(
      `SELECT txt AS grp, count(*) AS users FROM ${TAG_VALUES_TABLE} WHERE tag = $1 AND txt IS NOT NULL GROUP BY 1 ORDER BY 1`,
      ['rfm_group'],
    );
    const roles = await wh.query<{ tag: string; users: number }>(
      `SELECT tag, count(*) FILTER (WHERE num = 1) AS users FROM ${TAG_VALUES_TABLE} WHERE tag IN ($1, $2, $3, $4) GROUP BY 1`,
      [...ROLE_KEYS],
    );
    const byRole = new Map(roles.map((r) => [r.tag, Number(r.users)]));
    return {
      known,
      rfm: rfm.map((r) => ({ group: r.grp, users: Number(r.users) })),
      roles: ROLE_KEYS.map((role) => ({ role, users: byRole.get(role) ?? 0 })),
    };
  });

  const segments = await timed('segments', async () => {
    const out: { name: string; users: number }[] = [];
    if (!tagsBuilt) return out;
    const registry = SegmentRegistry.load(ws);
    for (const def of registry.list()) {
      try {
        out.push({ name: def.name, users: (await segmentSize(ws, def.name, { profile: false })).users });
      } catch (error) {
        if (!(error instanceof PortraitError)) throw error;
        notes.push(`segment ${def.name}: ${error.message}`);
      }
    }
    return out;
  });

  return {
    workspace: basename(ws.paths.dir),
    asOf: range.as_of,
    tagsAsOf: tagsBuilt ? tagsBuilt.toISOString().replace('T', ' ').slice(0, 19) : null,
    from,
    to,
    grain,
    metrics: {
      grain,
      rows: metrics.rows.map((r) => ({
        period: r.period,
        periodEnd: r.periodEnd,
        values: {
          avgDau: r.values.avgDau,
          activeUsers: r.values.activeUsers,
          buyers: r.values.buyers,
          orders: r.values.orders,
          gmv: r.values.gmv,
          conversionRate: r.values.conversionRate,
        },
      })),
    },
    lifecycle: {
      grain,
      rows: lifecycle.rows.map((r) => ({ period: r.period, new: r.new, returning: r.returning, resurrecting: r.resurrecting, dormant: r.dormant })),
    },
    funnel: { window: fun.window, total: fun.total.map((s) => ({ name: s.name, users: s.users })) },
    retention: {
      grain,
      cohorts: ret.cohorts.map((c) => ({ cohort: c.cohort, size: c.size, rates: c.rates })),
      pooled: { size: ret.pooled.size, rates: ret.pooled.rates },
    },
    rfm: { groups: tags.rfm },
    roles: { knownUsers: tags.known, roles: tags.roles },
    activity: { events: activity.events, totalEvents: activity.totalEvents },
    segments: { knownUsers: tags.known, segments },
    notes,
  };
}
