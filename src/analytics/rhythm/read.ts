/** Reading user_rhythm: one user's row for the profile card (a point query on the user-ordered table). */
import { PortraitError } from '../../errors.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { RHYTHM_TABLE } from './build.js';

/** One user's behaviour rhythm; see docs/rhythm.md for every field. */
export interface RhythmRow {
  user_id: number;
  events: number;
  first_seen: Date;
  first_action: string;
  peak_hour: number;
  active_hours: number[];
  hour_histogram: number[];
  peak_weekday: number;
  weekend_share: number;
  sessions: number;
  median_session_minutes: number;
  session_first_action: string;
  viewed_buys: number;
  median_view_to_buy_minutes: number | null;
  buy_days: number;
  payday: number | null;
  payday_p_value: number | null;
  home_geohash: string | null;
  work_geohash: string | null;
  as_of: Date;
}

export async function rhythmTableExists(wh: Warehouse): Promise<boolean> {
  const r = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1",
    [RHYTHM_TABLE],
  );
  return Number(r[0]?.n ?? 0) > 0;
}

/** The rhythm of one user, or null when the user had no events as of the build. */
export async function rhythmOf(wh: Warehouse, userId: number | bigint): Promise<RhythmRow | null> {
  let rows: RhythmRow[];
  try {
    rows = await wh.query<RhythmRow>(`SELECT * FROM ${RHYTHM_TABLE} WHERE user_id = CAST($1 AS BIGINT)`, [userId]);
  } catch (err) {
    if (!(await rhythmTableExists(wh))) {
      throw new PortraitError('behaviour rhythm has not been built in this workspace', 'run `portrait build` first');
    }
    throw err;
  }
  const row = rows[0];
  if (!row) return null;
  return { ...row, active_hours: row.active_hours.map(Number), hour_histogram: row.hour_histogram.map(Number) };
}
