/**
 * A user's lifecycle stage on a day, from their events up to the end of that day (local time):
 *
 * - new: first event within the last `newDays` days (the day itself and the days before it);
 * - won_back: an event within the last `activeDays` days, and a return within the last `wonBackDays`
 *   days after an absence that had made them dormant or churned (no event in the `activeDays` days
 *   before the returning day);
 * - active: an event within the last `activeDays` days;
 * - dormant (沉睡): last event `activeDays` to `churnedAfterDays` days before the day;
 * - churned (流失): last event more than `churnedAfterDays` days before the day.
 *
 * The first that applies wins. Users with no event by the day have no stage. The SQL is exported so the
 * lifecycle tag can use the same definition. See docs/metrics.md.
 */
import { PortraitError } from '../../errors.js';
import { SqlParams } from '../../conditions/params.js';

export const LIFECYCLE_STAGES = ['new', 'won_back', 'active', 'dormant', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface StageThresholds {
  /** New while the first event is at most this many days old (1 = only on the first day). */
  newDays: number;
  /** Active while the last event is fewer than this many days old (0 = the day itself). */
  activeDays: number;
  /** Churned once the last event is more than this many days old; dormant in between. */
  churnedAfterDays: number;
  /** Won back for this many days after returning from dormant or churned. */
  wonBackDays: number;
}

export const DEFAULT_STAGE_THRESHOLDS: StageThresholds = { newDays: 7, activeDays: 30, churnedAfterDays: 90, wonBackDays: 30 };

export function resolveThresholds(t: Partial<StageThresholds> = {}): StageThresholds {
  const r = { ...DEFAULT_STAGE_THRESHOLDS, ...t };
  for (const [k, v] of Object.entries(r)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new PortraitError(`lifecycle stage: ${k} must be a whole number of days, at least 1 (got ${v})`);
  }
  if (r.churnedAfterDays < r.activeDays) {
    throw new PortraitError(`lifecycle stage: churnedAfterDays (${r.churnedAfterDays}) must be at least activeDays (${r.activeDays})`);
  }
  return r;
}

/** Placeholders for a day and the thresholds, bound once and shared by every stage expression of a query. */
export interface StageBinding {
  /** DATE expression of the day. */
  day: string;
  newDays: string;
  activeDays: string;
  churnedAfterDays: string;
  wonBackDays: string;
}

export function bindStage(params: SqlParams, day: string, thresholds: StageThresholds): StageBinding {
  return {
    day: `CAST(${params.bind(day)} AS DATE)`,
    newDays: `CAST(${params.bind(thresholds.newDays)} AS INTEGER)`,
    activeDays: `CAST(${params.bind(thresholds.activeDays)} AS INTEGER)`,
    churnedAfterDays: `CAST(${params.bind(thresholds.churnedAfterDays)} AS INTEGER)`,
    wonBackDays: `CAST(${params.bind(thresholds.wonBackDays)} AS INTEGER)`,
  };
}

/**
 * Whether an active day `d` (with `sincePrev` days since the user's previous active day, NULL for the
 * first) is a return from dormant or churned within the won-back window of the bound day.
 */
export function returnedSql(b: StageBinding, d: string, sincePrev: string): string {
  return `(${d} <= ${b.day} AND ${d} > ${b.day} - ${b.wonBackDays} AND ${sincePrev} - 1 >= ${b.activeDays})`;
}

/** The stage as a CASE expression over a user's first and last active day (on or before the day) and the returned flag. */
export function stageCaseSql(b: StageBinding, firstDay: string, lastDay: string, returned: string): string {
  return `CASE
    WHEN ${lastDay} IS NULL THEN NULL
    WHEN ${b.day} - ${firstDay} < ${b.newDays} THEN 'new'
    WHEN ${b.day} - ${lastDay} < ${b.activeDays} AND coalesce(${returned}, false) THEN 'won_back'
    WHEN ${b.day} - ${lastDay} < ${b.activeDays} THEN 'active'
    WHEN ${b.day} - ${lastDay} <= ${b.churnedAfterDays} THEN 'dormant'
    ELSE 'churned' END`;
}

/** Active days per user with the gap since the previous one: the relation stage expressions read. */
export function activeDaysSql(endExclusiveParam: string): string {
  return `SELECT user_id, d, d - lag(d) OVER (PARTITION BY user_id ORDER BY d) AS since_prev
    FROM (SELECT DISTINCT user_id, CAST(ts AS DATE) AS d FROM events WHERE ts < CAST(${endExclusiveParam} AS TIMESTAMP))`;
}

/**
 * SELECT user_id, stage: every user with an event on or before `day` and their stage at the end of it.
 * Binds its values into `params` (so it can be embedded in a larger query).
 */
export function stageAtSql(params: SqlParams, day: string, thresholds: Partial<StageThresholds> = {}): string {
  const b = bindStage(params, day, resolveThresholds(thresholds));
  const end = `${b.day} + 1`;
  return `SELECT user_id, ${stageCaseSql(b, 'first_d', 'last_d', 'returned')} AS stage FROM (
    SELECT user_id, min(d) AS first_d, max(d) AS last_d, bool_or(${returnedSql(b, 'd', 'since_prev')}) AS returned
    FROM (${activeDaysSql(end)}) GROUP BY user_id)`;
}
