/**
 * When a user is online and for how long, from one scan of the events: events are grouped into time buckets
 * (user, bucket) first, and everything else reads the buckets. Buckets are never longer than the session
 * gap and never cross an hour, so hours, weekdays and sessions computed from them are exact. A bucket keeps
 * its count, its last time and one integer key holding its first time and first event type together
 * (epoch microseconds x 64 + the type's position in the model's list), so "first event, then first type
 * in the model's order" is a plain min() instead of an arg_min over a struct (four times cheaper).
 */
import { EVENT_TYPES } from '../../model/enums.js';
import { bucketSeconds, type RhythmConfig } from './config.js';
import type { Params } from './params.js';

/** Multiplier of the time in the (time, type) key; above the number of event types. */
export const TYPE_SLOTS = 64;
if (EVENT_TYPES.length > TYPE_SLOTS) throw new Error('rhythm: more event types than TYPE_SLOTS');

/** The event type name of a type code (its position in the workspace's event_type enum). */
export function typeNameSql(code: string): string {
  return `CAST(enum_range(NULL::event_type)[${code} + 1] AS VARCHAR)`;
}

/** Counts per value of a small closed range as one list (e.g. hours 0..23): filtered sums, one pass. */
function countsListSql(column: 'h' | 'wd', from: number, to: number): string {
  const cells: string[] = [];
  for (let v = from; v <= to; v++) cells.push(`COALESCE(sum(n) FILTER (WHERE ${column} = ${v}), 0)`);
  return `[${cells.join(', ')}]`;
}

/**
 * CTEs: rb (buckets), ru (one row per user: events, first event and type, hour and weekday counts, weekend
 * share), rh (active hours), rs (sessions). `asOf` is the bound as-of placeholder.
 */
export function activityCtes(p: Params, config: RhythmConfig, asOf: string): string {
  const bucketUs = p.add(bucketSeconds(config.sessions.gapMinutes) * 1_000_000, 'BIGINT');
  const gapUs = p.add(config.sessions.gapMinutes * 60_000_000, 'BIGINT');
  const share = p.add(config.hours.activeShare, 'DOUBLE');
  return `rb AS MATERIALIZED (
    -- (user, bucket): the bulk of the work, one scan of the events. The bucket's start gives its hour and
    -- ISO weekday (1 = Monday; day 0 of the epoch, 1970-01-01, was a Thursday).
    SELECT user_id, bk, n, k0, t1, (bk * ${bucketUs} // 3600000000) % 24 AS h,
      ((bk * ${bucketUs} // 86400000000) + 3) % 7 + 1 AS wd
    FROM (
      SELECT user_id, epoch_us(ts) // ${bucketUs} AS bk, count(*) AS n,
        min(epoch_us(ts) * ${TYPE_SLOTS} + enum_code(type)) AS k0, max(epoch_us(ts)) AS t1
      FROM events WHERE ts <= ${asOf}
      GROUP BY user_id, bk
    )
  ), ru AS MATERIALIZED (
    SELECT user_id, sum(n) AS events, min(k0) AS k_first,
      CAST(make_timestamp(min(k0) // ${TYPE_SLOTS}) AS DATE) AS first_day,
      ${countsListSql('h', 0, 23)} AS hour_histogram,
      ${countsListSql('wd', 1, 7)} AS weekdays,
      COALESCE(sum(n) FILTER (WHERE wd >= 6), 0) / sum(n) AS weekend_share
    FROM rb GROUP BY user_id
  ), rh AS (
    -- the fewest hours, busiest first (ties to the earlier hour), holding at least the active share
    SELECT user_id, list(h ORDER BY h) AS active_hours FROM (
      SELECT user_id, h, n,
        COALESCE(sum(n) OVER (PARTITION BY user_id ORDER BY n DESC, h ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
        sum(n) OVER (PARTITION BY user_id) AS total
      FROM (SELECT * FROM (SELECT user_id, unnest(range(24)) AS h, unnest(hour_histogram) AS n FROM ru) WHERE n > 0)
    ) WHERE before < ${share} * total
    GROUP BY user_id
  ), rs0 AS (
    -- a bucket starts a session when the pause since the user's previous event is longer than the gap
    SELECT user_id, bk, k0, t1,
      CASE WHEN k0 // ${TYPE_SLOTS} - lag(t1) OVER (PARTITION BY user_id ORDER BY bk) <= ${gapUs} THEN 0 ELSE 1 END AS starts
    FROM rb
  ), rs1 AS (
    -- one more pass in bucket order: the key of the latest session start, and whether the next bucket
    -- starts a new session (then this one ends its session)
    SELECT user_id, t1, max(CASE WHEN starts = 1 THEN k0 END) OVER w AS sk, lead(starts, 1, 1) OVER w AS last
    FROM rs0 WINDOW w AS (PARTITION BY user_id ORDER BY bk ROWS UNBOUNDED PRECEDING)
  ), rs2 AS MATERIALIZED (
    -- one row per session: its length and the type of its first event
    SELECT user_id, (t1 - sk // ${TYPE_SLOTS}) / 60000000.0 AS minutes, sk % ${TYPE_SLOTS} AS opener
    FROM rs1 WHERE last = 1
  ), rs AS (
    -- sessions, their median length, and the type that opens most of them (ties to the earlier type)
    SELECT s.user_id, s.sessions, s.median_session_minutes, o.opener
    FROM (SELECT user_id, count(*) AS sessions, median(minutes) AS median_session_minutes FROM rs2 GROUP BY user_id) s
    JOIN (SELECT user_id, arg_max(opener, c * ${TYPE_SLOTS} - opener) AS opener
          FROM (SELECT user_id, opener, count(*) AS c FROM rs2 GROUP BY user_id, opener) GROUP BY user_id) o USING (user_id)
  )`;
}
