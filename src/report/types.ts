/**
 * The report's data: what each chart draws, narrowed from the library's results to plain JSON values
 * (strings and numbers, no Date), so a web dashboard can fetch it and draw the same charts with
 * `charts.ts`. Only types here: nothing that reaches a database.
 */
import type { ContentKind } from '../model/enums.js';

export const REPORT_LANGS = ['en', 'zh'] as const;
export type Lang = (typeof REPORT_LANGS)[number];

/** The grains the report uses (retention and metrics share one). */
export type ReportGrain = 'day' | 'week' | 'month';

/** One period of growth metrics (a subset of `MetricsRow` from src/analytics/metrics). */
export interface KpiRow {
  period: string;
  periodEnd: string;
  values: {
    /** Mean daily active users over the period (equal to DAU with the day grain). */
    avgDau: number;
    activeUsers: number;
    buyers: number;
    orders: number;
    gmv: number | null;
    conversionRate: number | null;
  };
}

export interface KpiInput {
  grain: ReportGrain;
  rows: readonly KpiRow[];
}

/** One period of the lifecycle chart (`LifecycleRow`); dormant is negative. */
export interface LifecyclePoint {
  period: string;
  new: number;
  returning: number;
  resurrecting: number;
  dormant: number;
}

export interface LifecycleInput {
  grain: ReportGrain;
  rows: readonly LifecyclePoint[];
}

/** One funnel step (`FunnelStepResult`); name is the step spec, e.g. "pv". */
export interface FunnelStepInput {
  name: string;
  users: number;
}

export interface FunnelInput {
  /** Conversion window, e.g. "1d". */
  window: string;
  total: readonly FunnelStepInput[];
}

/** The retention matrix (`RetentionResult`), rates 0..1, null where a period has not started. */
export interface RetentionInput {
  grain: ReportGrain;
  cohorts: readonly { cohort: string; size: number; rates: readonly (number | null)[] }[];
  pooled: { size: number; rates: readonly (number | null)[] };
}

/** Users per RFM group; `group` as stored in rfm_group (English) or rfm_group_zh. */
export interface RfmInput {
  groups: readonly { group: string; users: number }[];
}

export const ROLE_KEYS = ['role_passer_by', 'role_content_consumer', 'role_shopper', 'role_loyal_fan'] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

/** Users holding each role (the role_* boolean tags are true), out of the known users. */
export interface RolesInput {
  knownUsers: number;
  roles: readonly { role: RoleKey; users: number }[];
}

/** Events per weekday (0 = Monday) and hour (0-23), as `ActivityHeatmap`. */
export interface ActivityInput {
  events: readonly (readonly number[])[];
  totalEvents: number;
}

export interface SegmentsInput {
  knownUsers: number;
  segments: readonly { name: string; users: number }[];
}

/** The N local days ending on the as-of day that the content and live charts cover, as their reports do. */
export interface RecentPeriod {
  /** First day ("YYYY-MM-DD") and the as-of time (local, "YYYY-MM-DD HH:MM:SS"). */
  from: string;
  asOf: string;
  days: number;
  /** Last-touch attribution window, e.g. "7d". */
  window: string;
}

/** Orders and GMV credited to content (`ContentReport` narrowed); shares 0..1 of the period's orders and GMV. */
export interface ContentCredit {
  orders: number;
  gmv: number;
  orderShare: number | null;
  gmvShare: number | null;
}

/** Orders through content by kind (`contentReport(ws)`: the last 30 days). */
export interface ContentInput extends RecentPeriod {
  /** Every order of the period. */
  purchases: { orders: number; gmv: number };
  /** All content together (an order through two kinds counts once). */
  content: ContentCredit;
  kinds: readonly ({ kind: ContentKind } & ContentCredit)[];
}

/** One live stream (`LiveStreamRow` narrowed); startedAt local "YYYY-MM-DD HH:MM:SS". */
export interface LiveStreamPoint {
  liveId: number;
  hostId: number;
  startedAt: string;
  /** Users who watched live or a replay. */
  audience: number;
  orders: number;
  gmv: number;
  /** Audience members with an order credited to the stream, over the audience. */
  conversion: number | null;
}

/** Live streams started in the period (`liveReport(ws)`: the last 30 days), in start order. */
export interface LiveInput extends RecentPeriod {
  streams: readonly LiveStreamPoint[];
  /** Every stream together (users distinct across streams). */
  total: { audience: number; convertedViewers: number; orders: number; gmv: number; conversion: number | null };
}

/** What a part of a spread tree holds (`Contribution`). */
export interface SpreadCounts {
  users: number;
  newUsers: number;
  buyers: number;
  orders: number;
  gmv: number;
}

/**
 * The spread (fission) tree of the campaign that reached most users (`listCampaigns`, then `spreadTree`),
 * as of the newest event. `campaign` is null when there is no referral.
 */
export interface SpreadInput {
  /** Campaigns with referrals up to as-of. */
  campaigns: number;
  campaign: string | null;
  /** First and last referral of the campaign (local "YYYY-MM-DD HH:MM:SS"). */
  firstReferral: string | null;
  lastReferral: string | null;
  seeds: number;
  depth: number;
  /** Users reached (levels 1 and deeper). */
  reached: SpreadCounts;
  /** Campaign-wide virality: K = newUsersBrought / users. */
  overall: { users: number; invitations: number; newUsersBrought: number; kFactor: number | null };
  levels: readonly { level: number; users: number; newUsers: number; buyers: number; kFactor: number | null }[];
  /** The sharer with most users below them (the first of `SpreadTree.sharers`: always a seed). */
  topSharer: { userId: number; level: number; direct: SpreadCounts; downstream: SpreadCounts } | null;
  /**
   * The biggest branch, drawn as the tree: the top sharer (parent null) and everyone below them, in level
   * order. A whole campaign has dozens of seeds, too wide to draw with its depth.
   */
  branch: readonly { userId: number; parent: number | null; level: number; isNew: boolean; orders: number; gmv: number }[];
}

/**
 * The top of the influence ranking and a sample of the users each reached (`kolRanking`, `kolGraph`), as of
 * the social build. `builtAsOf` is null when the social graph was never built (portrait social build).
 */
export interface KolInput {
  builtAsOf: string | null;
  /** Users ranked, and how many are labelled KOL and KOC. */
  ranked: number;
  kolCount: number;
  kocCount: number;
  kols: readonly { userId: number; rank: number; reach: number; buyers: number; tier: 'kol' | 'koc' | null }[];
  /** At most this many users reached are drawn around each (a sample fixed by a hash of the two ids). */
  reachedPerKol: number;
  users: readonly { userId: number; bought: boolean }[];
  links: readonly { kol: number; user: number; kind: 'referred' | 'share' | 'follow'; bought: boolean }[];
}

export interface ReportData {
  /** The workspace folder's name. */
  workspace: string;
  /** The newest event (local time, "YYYY-MM-DD HH:MM:SS"): what the analyses run as of; null without events. */
  asOf: string | null;
  /** When the portrait (tags, RFM, roles, segments) was built as of; null when it was never built. */
  tagsAsOf: string | null;
  /** The days reported (whole periods of the grain inside the event range). */
  from: string | null;
  to: string | null;
  grain: ReportGrain;
  metrics: KpiInput;
  lifecycle: LifecycleInput;
  funnel: FunnelInput;
  retention: RetentionInput;
  rfm: RfmInput;
  roles: RolesInput;
  activity: ActivityInput;
  segments: SegmentsInput;
  content: ContentInput;
  live: LiveInput;
  spread: SpreadInput;
  kol: KolInput;
  /** Things the report could not show, e.g. a segment that failed to compile. */
  notes: string[];
}

export const CHART_KINDS = [
  'kpi',
  'lifecycle',
  'funnel',
  'retention',
  'rfm',
  'roles',
  'activity',
  'segments',
  'content',
  'live',
  'spreadLevels',
  'spreadTree',
  'kolGraph',
] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
