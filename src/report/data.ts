/**
 * Gathers what the report draws from the library, for one workspace, with defaults: the whole event
 * range cut into whole periods (days for up to 31 days of data, else Monday-to-Sunday weeks); the funnel
 * pv -> cart -> buy within 1 day; retention by first-seen cohort at the same grain; RFM groups and roles
 * from the stored tag values; the weekday x hour activity; each defined segment's size; orders through
 * content by kind and the live streams of the last 30 days (as `portrait content report` and `portrait
 * live report` by default); the spread tree of the campaign that reached most users; the top of the
 * influence ranking with the users they reached (when the social graph is built).
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
import { contentReport } from '../content/report.js';
import { liveReport } from '../live/report.js';
import { socialBuildInfo } from '../social/build.js';
import { kolGraph, kolRanking } from '../social/read.js';
import { listCampaigns, spreadTree, type Contribution, type SpreadNode } from '../social/spread.js';
import type { Workspace } from '../workspace/workspace.js';
import {
  ROLE_KEYS,
  type ContentInput,
  type KolInput,
  type LiveInput,
  type RecentPeriod,
  type ReportData,
  type ReportGrain,
  type RoleKey,
  type SpreadCounts,
  type SpreadInput,
} from './types.js';

/** Data spanning more days than this is reported per week. */
export const DAILY_MAX_DAYS = 31;
export const REPORT_FUNNEL = 'pv,cart,buy';
export const REPORT_FUNNEL_WINDOW = '1d';
/** Days the content and live charts cover, ending on the as-of day (the content and live reports' default). */
export const REPORT_RECENT_DAYS = 30;
/** Users of the influence ranking drawn in the KOL graph, and users reached drawn around each. */
export const REPORT_KOLS = 10;
export const REPORT_KOL_REACHED = 30;

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

  // The content, live and social parts read tables a workspace may leave empty: they then draw an empty
  // chart. A PortraitError in one of them is noted and the rest of the report is still written.
  const guarded = async <T>(step: string, empty: () => T, work: () => Promise<T>): Promise<T> =>
    timed(step, async () => {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof PortraitError)) throw error;
        notes.push(`${step}: ${error.message}`);
        return empty();
      }
    });
  const recentFrom = addDays(range.last, -(REPORT_RECENT_DAYS - 1));
  const content = await guarded('content', () => emptyContent(recentFrom, range.as_of!), () => gatherContent(ws));
  const live = await guarded('live', () => emptyLive(recentFrom, range.as_of!), () => gatherLive(ws));
  const spread = await guarded('spread', () => emptySpread(), () => gatherSpread(ws));
  const kol = await guarded('kol', emptyKol, async () => {
    const k = await gatherKol(ws);
    if (k.builtAsOf === null) notes.push('The social graph has not been built: the KOL graph needs portrait social build.');
    return k;
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
    content,
    live,
    spread,
    kol,
    notes,
  };
}

/** A stored time (local wall clock read as UTC) as "YYYY-MM-DD HH:MM:SS". */
const stamp = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

function recentPeriod(from: Date, asOf: Date, days: number, window: string): RecentPeriod {
  return { from: stamp(from).slice(0, 10), asOf: stamp(asOf), days, window };
}

async function gatherContent(ws: Workspace): Promise<ContentInput> {
  const r = await contentReport(ws, { days: REPORT_RECENT_DAYS });
  const credit = (c: { orders: number; gmv: number; orderShare: number | null; gmvShare: number | null }) => ({
    orders: c.orders,
    gmv: c.gmv,
    orderShare: c.orderShare,
    gmvShare: c.gmvShare,
  });
  return {
    ...recentPeriod(r.from, r.asOf, r.days, r.window),
    purchases: { orders: r.purchases.orders, gmv: r.purchases.gmv },
    content: credit(r.content),
    kinds: r.kinds.map((k) => ({ kind: k.kind, ...credit(k) })),
  };
}

function emptyContent(from: string, asOf: string): ContentInput {
  return { from, asOf, days: REPORT_RECENT_DAYS, window: '7d', purchases: { orders: 0, gmv: 0 }, content: { orders: 0, gmv: 0, orderShare: null, gmvShare: null }, kinds: [] };
}

async function gatherLive(ws: Workspace): Promise<LiveInput> {
  const r = await liveReport(ws, { days: REPORT_RECENT_DAYS });
  return {
    ...recentPeriod(r.from, r.asOf, r.days, r.window),
    streams: r.streams.map((s) => ({
      liveId: s.liveId,
      hostId: s.hostId,
      startedAt: stamp(s.startedAt),
      audience: s.audience,
      orders: s.orders,
      gmv: s.gmv,
      conversion: s.conversion,
    })),
    total: { audience: r.total.audience, convertedViewers: r.total.convertedViewers, orders: r.total.orders, gmv: r.total.gmv, conversion: r.total.conversion },
  };
}

function emptyLive(from: string, asOf: string): LiveInput {
  return { from, asOf, days: REPORT_RECENT_DAYS, window: '7d', streams: [], total: { audience: 0, convertedViewers: 0, orders: 0, gmv: 0, conversion: null } };
}

const counts = (c: Contribution): SpreadCounts => ({ users: c.users, newUsers: c.newUsers, buyers: c.buyers, orders: c.orders, gmv: c.gmv });

/** The spread tree of the campaign that reached most users (the first `listCampaigns` lists). */
async function gatherSpread(ws: Workspace): Promise<SpreadInput> {
  const list = await listCampaigns(ws);
  const first = list.campaigns[0];
  if (!first) return emptySpread();
  const t = await spreadTree(ws, { campaign: first.campaign, top: 1 });
  const top = t.sharers[0];
  return {
    campaigns: list.campaigns.length,
    campaign: t.campaign,
    firstReferral: stamp(t.firstReferral),
    lastReferral: stamp(t.lastReferral),
    seeds: t.seeds,
    depth: t.depth,
    reached: counts(t.reached),
    overall: { users: t.overall.users, invitations: t.overall.invitations, newUsersBrought: t.overall.newUsersBrought, kFactor: t.overall.kFactor },
    levels: t.levels.map((l) => ({ level: l.level, users: l.users, newUsers: l.newUsers, buyers: l.buyers, kFactor: l.kFactor })),
    topSharer: top ? { userId: top.userId, level: top.level, direct: counts(top.direct), downstream: counts(top.downstream) } : null,
    branch: top ? branchOf(t.nodes, top.userId) : [],
  };
}

/** The node `root` and everyone below it (nodes come in level order, so a parent is met before its children). */
function branchOf(nodes: readonly SpreadNode[], root: number): SpreadInput['branch'] {
  const inside = new Set([root]);
  const out: SpreadInput['branch'][number][] = [];
  for (const n of nodes) {
    if (n.userId !== root && (n.parent === null || !inside.has(n.parent))) continue;
    inside.add(n.userId);
    out.push({ userId: n.userId, parent: n.userId === root ? null : n.parent, level: n.level, isNew: n.isNew, orders: n.orders, gmv: n.gmv });
  }
  return out;
}

function emptySpread(): SpreadInput {
  const none = { users: 0, newUsers: 0, buyers: 0, orders: 0, gmv: 0 };
  return {
    campaigns: 0,
    campaign: null,
    firstReferral: null,
    lastReferral: null,
    seeds: 0,
    depth: 0,
    reached: none,
    overall: { users: 0, invitations: 0, newUsersBrought: 0, kFactor: null },
    levels: [],
    topSharer: null,
    branch: [],
  };
}

/** The top REPORT_KOLS of the influence ranking and the users they reached; builtAsOf null without a social build. */
async function gatherKol(ws: Workspace): Promise<KolInput> {
  const info = await socialBuildInfo(ws.wh);
  if (!info) return emptyKol();
  const ranking = await kolRanking(ws, { top: 1 });
  const g = await kolGraph(ws, { top: REPORT_KOLS, perKol: REPORT_KOL_REACHED });
  return {
    builtAsOf: stamp(info.asOf),
    ranked: ranking.ranked,
    kolCount: ranking.kols,
    kocCount: ranking.kocs,
    kols: g.kols.map((k) => ({ userId: k.userId, rank: k.rank, reach: k.reach, buyers: k.buyers, tier: k.tier })),
    reachedPerKol: REPORT_KOL_REACHED,
    users: g.users,
    links: g.links,
  };
}

function emptyKol(): KolInput {
  return { builtAsOf: null, ranked: 0, kolCount: 0, kocCount: 0, kols: [], reachedPerKol: REPORT_KOL_REACHED, users: [], links: [] };
}
