/**
 * Home and work place from where events happen by time of day (DOMAIN.md section 2, geographic tags): the
 * most frequent geohash prefix at night and on weekends (home) and on weekday working hours (work), when
 * events carry a geohash and a band holds enough of them.
 */
import type { RhythmConfig } from './config.js';
import type { Params } from './params.js';

/** CTE rpl: per user with located events, home_geohash and work_geohash (null without enough evidence). */
export function placeCtes(p: Params, config: RhythmConfig, asOf: string): string {
  const c = config.places;
  const precision = p.add(c.precision, 'BIGINT');
  const homeFrom = p.add(c.homeFromHour, 'BIGINT');
  const homeUntil = p.add(c.homeUntilHour, 'BIGINT');
  const workFrom = p.add(c.workFromHour, 'BIGINT');
  const workUntil = p.add(c.workUntilHour, 'BIGINT');
  const minEvents = p.add(c.minEvents, 'BIGINT');
  const minShare = p.add(c.minShare, 'DOUBLE');
  return `rpl0 AS (
    SELECT user_id, left(geohash, ${precision}) AS g,
      CASE WHEN isodow(ts) >= 6 OR hour(ts) >= ${homeFrom} OR hour(ts) < ${homeUntil} THEN 'home'
           WHEN hour(ts) >= ${workFrom} AND hour(ts) < ${workUntil} THEN 'work' END AS band
    FROM events WHERE geohash IS NOT NULL AND geohash <> '' AND ts <= ${asOf}
  ), rpl1 AS (
    SELECT user_id, band, g, count(*) AS c, sum(count(*)) OVER (PARTITION BY user_id, band) AS total
    FROM rpl0 WHERE band IS NOT NULL GROUP BY user_id, band, g
  ), rpl2 AS (
    -- each band's most frequent place (ties to the smaller geohash) and whether it has the evidence
    SELECT user_id, band, g, total >= ${minEvents} AND c > ${minShare} * total AS sure FROM rpl1
    QUALIFY row_number() OVER (PARTITION BY user_id, band ORDER BY c DESC, g) = 1
  ), rpl AS (
    SELECT user_id, CASE WHEN home_sure THEN home END AS home_geohash,
      -- work needs a different place at night and on weekends: a weekday-daytime place equal to the
      -- night-time one (or without any night-time place to tell it from) is no separate work place
      CASE WHEN work_sure AND home IS NOT NULL AND work <> home THEN work END AS work_geohash
    FROM (SELECT user_id,
            max(g) FILTER (WHERE band = 'home') AS home, bool_or(sure) FILTER (WHERE band = 'home') AS home_sure,
            max(g) FILTER (WHERE band = 'work') AS work, bool_or(sure) FILTER (WHERE band = 'work') AS work_sure
          FROM rpl2 GROUP BY user_id)
  )`;
}
