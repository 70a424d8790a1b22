/**
 * When a user is online and for how long, from one scan of the events: events are grouped into time buckets
 * (user, bucket) first, and everything else reads the buckets. Buckets are never longer than the session
 * gap and never cross an hour, so hours, weekdays and sessions computed from them are exact; a bucket keeps
 * its count, first and last time and its first event type.
 */
import { bucketSeconds, type RhythmConfig } from './config.js';
import type { Params } from './params.js';

/** Hours of the day as a 24-long list of event counts (closed numbers 0..23, not user values). */
function histogramSql(): string {
  const cells = Array.from({ length: 24 }, (_, h) => `CAST(COALESCE(sum(n) FILTER (WHERE hour(t0) = ${h}), 0) AS BIGINT)`);
  return `[${cells.join(', ')}]`;
}

/**
 * CTEs: rb (buckets), ru (one row per user: events, first event, hour histogram, weekdays), rh (active
 * hours), rs (sessions). `asOf` is the bound as-of placeholder.
 */
export function activityCtes(p: Params, config: RhythmConfig, asOf: string): string {
  const bucketUs = p.add(bucketSeconds(config.sessions.gapMinutes) * 1_000_000, 'BIGINT');
  const gapUs = p.add(config.sessions.gapMinutes * 60_000_000, 'BIGINT');
  const share = p.add(config.hours.activeShare, 'DOUBLE');
  return `rb AS MATERIALIZED (
    -- (user, bucket): the bulk of the work, one scan of the events
    SELECT user_id, epoch_us(ts) // ${bucketUs} AS bk, count(*) AS n, min(ts) AS t0, max(ts) AS t1,
      arg_min(type, (ts, type)) AS first_type
    FROM events WHERE ts <= ${asOf}
    GROUP BY user_id, bk
  ), ru AS (
    SELECT user_id, sum(n) AS events, min(t0) AS first_seen, arg_min(first_type, t0) AS first_action,
      ${histogramSql()} AS hour_histogram,
      COALESCE(sum(n) FILTER (WHERE isodow(t0) >= 6), 0) / sum(n) AS weekend_share
    FROM rb GROUP BY user_id
  ), rwd AS (
    SELECT user_id, isodow(t0) AS wd, sum(n) AS n FROM rb GROUP BY ALL
  ), rw AS (
    -- busiest weekday (1 = Monday .. 7 = Sunday), ties to the earlier day
    SELECT user_id, arg_max(wd, (n, -wd)) AS peak_weekday FROM rwd GROUP BY user_id
  ), rhc AS (
    SELECT user_id, hour(t0) AS h, sum(n) AS n FROM rb GROUP BY ALL
  ), rh AS (
    -- the fewest hours, busiest first (ties to the earlier hour), holding at least the active share
    SELECT user_id, list(h ORDER BY h) AS active_hours FROM (
      SELECT user_id, h, n,
        COALESCE(sum(n) OVER (PARTITION BY user_id ORDER BY n DESC, h ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
        sum(n) OVER (PARTITION BY user_id) AS total
      FROM rhc
    ) WHERE before < ${share} * total
    GROUP BY user_id
  ), rs0 AS (
    -- a bucket starts a session when the pause since the user's previous bucket is longer than the gap
    SELECT user_id, bk, t0, t1, first_type,
      CASE WHEN epoch_us(t0) - epoch_us(lag(t1) OVER (PARTITION BY user_id ORDER BY bk)) <= ${gapUs} THEN 0 ELSE 1 END AS starts
    FROM rb
  ), rs1 AS (
    SELECT user_id, t0, t1, first_type,
      sum(starts) OVER (PARTITION BY user_id ORDER BY bk ROWS UNBOUNDED PRECEDING) AS sid
    FROM rs0
  ), rs2 AS (
    SELECT user_id, sid, (epoch_us(max(t1)) - epoch_us(min(t0))) / 60000000.0 AS minutes, arg_min(first_type, t0) AS opener
    FROM rs1 GROUP BY user_id, sid
  ), rso AS (
    SELECT user_id, opener, count(*) AS c FROM rs2 GROUP BY ALL
  ), rs AS (
    SELECT s.user_id, s.sessions, s.median_session_minutes, o.session_first_action
    FROM (SELECT user_id, count(*) AS sessions, median(minutes) AS median_session_minutes FROM rs2 GROUP BY user_id) s
    JOIN (SELECT user_id, arg_max(opener, (c, -enum_code(opener))) AS session_first_action FROM rso GROUP BY user_id) o
      USING (user_id)
  )`;
}
