/**
 * The report's data: what each chart draws, narrowed from the library's results to plain JSON values
 * (strings and numbers, no Date), so a web dashboard can fetch it and draw the same charts with
 * `charts.ts`. Only types here: nothing that reaches a database.
 */

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
  /** Things the report could not show, e.g. a segment that failed to compile. */
  notes: string[];
}

export const CHART_KINDS = ['kpi', 'lifecycle', 'funnel', 'retention', 'rfm', 'roles', 'activity', 'segments'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];
