/**
 * The build stage: events -> `user_rhythm`, one row per user with events at or before as-of (DOMAIN.md
 * section 2, the behaviour view: when online, for how long, first action, time from first look to
 * purchase, payday; home and work place). One CREATE OR REPLACE TABLE ... AS in one transaction (a failure
 * leaves the previous table); set-based throughout, no JavaScript per event. See docs/rhythm.md.
 */
import { requireAsOf } from '../as-of.js';
import { PortraitError } from '../../errors.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { activityCtes, TYPE_SLOTS, typeNameSql } from './activity.js';
import { resolveRhythmConfig, type RhythmConfig, type RhythmConfigInput } from './config.js';
import { Params } from './params.js';
import { placeCtes } from './places.js';
import { purchaseCtes } from './purchases.js';

export const RHYTHM_TABLE = 'user_rhythm';

export interface RhythmBuildOptions {
  /** Only events at or before it count. Defaults to the newest event. */
  asOf?: Date;
  /** Overrides of the defaults (nested objects merge field by field). */
  config?: RhythmConfigInput;
}

export interface RhythmBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
}

/** The SELECT computing one row per user as of `asOf` (a resolved time, bound). */
export function rhythmSelectSql(config: RhythmConfig, asOf: Date): { sql: string; params: SqlValue[] } {
  const p = new Params();
  const at = p.add(asOf, 'TIMESTAMP');
  const ctes = [activityCtes(p, config, at), purchaseCtes(p, config, at), placeCtes(p, config, at)].join(', ');
  const sql = `WITH ${ctes}
  SELECT CAST(u.user_id AS BIGINT) AS user_id,
    CAST(u.events AS BIGINT) AS events,
    make_timestamp(u.k_first // ${TYPE_SLOTS}) AS first_seen,
    ${typeNameSql(`u.k_first % ${TYPE_SLOTS}`)} AS first_action,
    CAST(list_position(u.hour_histogram, list_max(u.hour_histogram)) - 1 AS INTEGER) AS peak_hour,
    CAST(h.active_hours AS INTEGER[]) AS active_hours,
    CAST(u.hour_histogram AS INTEGER[]) AS hour_histogram,
    CAST(list_position(u.weekdays, list_max(u.weekdays)) AS INTEGER) AS peak_weekday,
    CAST(u.weekend_share AS DOUBLE) AS weekend_share,
    CAST(s.sessions AS BIGINT) AS sessions,
    CAST(s.median_session_minutes AS DOUBLE) AS median_session_minutes,
    ${typeNameSql('s.opener')} AS session_first_action,
    CAST(COALESCE(v.viewed_buys, 0) AS BIGINT) AS viewed_buys,
    CAST(v.median_view_to_buy_minutes AS DOUBLE) AS median_view_to_buy_minutes,
    CAST(COALESCE(d.buy_days, 0) AS BIGINT) AS buy_days,
    CAST(d.payday AS INTEGER) AS payday,
    CAST(d.payday_p_value AS DOUBLE) AS payday_p_value,
    CAST(pl.home_geohash AS VARCHAR) AS home_geohash,
    CAST(pl.work_geohash AS VARCHAR) AS work_geohash,
    ${at} AS as_of
  FROM ru u
  JOIN rh h USING (user_id)
  JOIN rs s USING (user_id)
  LEFT JOIN rvb v USING (user_id)
  LEFT JOIN rpd d USING (user_id)
  LEFT JOIN rpl pl USING (user_id)
  ORDER BY u.user_id`;
  return { sql, params: p.values };
}

/** Builds user_rhythm; returns the as-of time used, the rows written and the seconds taken. */
export async function buildRhythm(ws: Workspace, options: RhythmBuildOptions = {}): Promise<RhythmBuildReport> {
  const started = Date.now();
  const config = resolveRhythmConfig(options.config ?? {});
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) {
    throw new PortraitError('behaviour rhythm: asOf is not a valid date');
  }
  const { wh } = ws;
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'behaviour rhythm');
    const { sql, params } = rhythmSelectSql(config, asOf);
    await wh.run(`CREATE OR REPLACE TABLE ${RHYTHM_TABLE} AS ${sql}`, params);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${RHYTHM_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
