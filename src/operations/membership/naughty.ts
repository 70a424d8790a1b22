/**
 * The naughty value (淘气值) of every known user as one query: four capped components over the window
 * before as-of (docs/membership.md has the formulas), their sum, and the 88VIP price it buys.
 *
 *   spending     = min(cap, sum over days of min(maxPerDay, sum over the day's orders of min(maxPerOrder, yuan x pointsPerYuan)))
 *   activeDays   = min(cap, days with any event x pointsPerDay)
 *   interactions = min(cap, sum over days of min(maxPerDay, sum of the day's interaction events' weights))
 *   reviews      = min(cap, quality reviews x pointsPerQualityReview)
 *
 * Each component is rounded down to a whole number; the naughty value is their sum.
 */
import type { SqlParams } from '../../conditions/params.js';
import { paidOrdersSql, type PaidOrderSource } from './paid-orders.js';
import { qualityReviewSql } from './quality.js';
import type { MembershipRules } from './rules.js';

/** One user's naughty value with what it is made of (a row of the query, and of `user_membership`). */
export interface NaughtyRow {
  user_id: number;
  /** Yuan paid for orders in the window, and how many orders. */
  spend: number;
  orders: number;
  spending_score: number;
  active_days: number;
  activity_score: number;
  /** Interaction events in the window (those with a weight). */
  interactions: number;
  interaction_score: number;
  quality_reviews: number;
  review_score: number;
  naughty_value: number;
  vip_eligible: boolean;
  vip_price: number;
}

export const NAUGHTY_COLUMNS = [
  'user_id', 'spend', 'orders', 'spending_score', 'active_days', 'activity_score', 'interactions', 'interaction_score',
  'quality_reviews', 'review_score', 'naughty_value', 'vip_eligible', 'vip_price',
] as const;

/** A whole-number score: `raw` capped and rounded down (rounded to 6 places first, so 0.1 x 70 is 7, not 6). */
function score(raw: string, cap: string): string {
  return `CAST(floor(round(least(${cap}, ${raw}), 6)) AS INTEGER)`;
}

export interface NaughtyQuery {
  asOf: Date;
  source: PaidOrderSource;
  /** Only this user (a single card); default every known user. */
  userId?: number;
}

/** The query (one NaughtyRow per known user, by user_id), its values bound into `params`. */
export function naughtySql(params: SqlParams, rules: MembershipRules, q: NaughtyQuery): string {
  const { naughty, vip } = rules;
  const asOf = `CAST(${params.bind(q.asOf)} AS TIMESTAMP)`;
  const since = `(${asOf} - to_months(CAST(${params.bind(naughty.windowMonths)} AS INTEGER)))`;
  const user = q.userId === undefined ? undefined : `CAST(${params.bind(q.userId)} AS BIGINT)`;
  const one = (col: string) => (user ? ` AND ${col} = ${user}` : '');
  const weights = Object.entries(naughty.interactions.weights).filter(([, w]) => w !== undefined);
  const weighted = weights.length
    ? `LEFT JOIN (VALUES ${weights.map(([type, w]) => `(${params.bind(type)}, CAST(${params.bind(w!)} AS DOUBLE))`).join(', ')}) wt(type, weight)
         ON wt.type = CAST(e.type AS VARCHAR)`
    : 'LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS type, CAST(NULL AS DOUBLE) AS weight) wt ON false';
  const s = naughty.spending;
  const b = (v: number) => `CAST(${params.bind(v)} AS DOUBLE)`;
  const quality = qualityReviewSql(params, rules.qualityReview, 'r');
  return `
WITH
ev AS (
  SELECT e.user_id, CAST(e.ts AS DATE) AS d, count(wt.weight) AS n, coalesce(sum(wt.weight), 0) AS pts
  FROM events e ${weighted}
  WHERE e.ts > ${since} AND e.ts <= ${asOf}${one('e.user_id')}
  GROUP BY ALL),
act AS (
  SELECT user_id, count(*) AS active_days, sum(n) AS interactions, sum(least(pts, ${b(naughty.interactions.maxPerDay)})) AS raw
  FROM ev GROUP BY user_id),
po AS (SELECT * FROM (${paidOrdersSql(q.source, asOf, user)}) WHERE ts > ${since}),
spd AS (
  SELECT user_id, CAST(ts AS DATE) AS d, count(*) AS n, sum(amount) AS amount,
    sum(least(amount * ${b(s.pointsPerYuan)}, ${b(s.maxPerOrder)})) AS pts
  FROM po GROUP BY ALL),
sp AS (SELECT user_id, sum(n) AS orders, sum(amount) AS spend, sum(least(pts, ${b(s.maxPerDay)})) AS raw FROM spd GROUP BY user_id),
rv AS (
  SELECT r.user_id, count(*) FILTER (WHERE ${quality}) AS quality_reviews
  FROM reviews r WHERE r.ts > ${since} AND r.ts <= ${asOf}${one('r.user_id')} GROUP BY r.user_id),
known AS (
  SELECT user_id FROM events WHERE ts <= ${asOf}${one('user_id')}
  UNION SELECT user_id FROM users WHERE (registered_at IS NULL OR registered_at <= ${asOf})${one('user_id')}
  UNION SELECT user_id FROM orders WHERE ts <= ${asOf}${one('user_id')}),
scored AS (
  SELECT k.user_id,
    round(coalesce(sp.spend, 0), 2) AS spend, CAST(coalesce(sp.orders, 0) AS INTEGER) AS orders,
    ${score('coalesce(sp.raw, 0)', b(s.cap))} AS spending_score,
    CAST(coalesce(act.active_days, 0) AS INTEGER) AS active_days,
    ${score(`coalesce(act.active_days, 0) * ${b(naughty.activeDays.pointsPerDay)}`, b(naughty.activeDays.cap))} AS activity_score,
    CAST(coalesce(act.interactions, 0) AS INTEGER) AS interactions,
    ${score('coalesce(act.raw, 0)', b(naughty.interactions.cap))} AS interaction_score,
    CAST(coalesce(rv.quality_reviews, 0) AS INTEGER) AS quality_reviews,
    ${score(`coalesce(rv.quality_reviews, 0) * ${b(naughty.reviews.pointsPerQualityReview)}`, b(naughty.reviews.cap))} AS review_score
  FROM known k LEFT JOIN act USING (user_id) LEFT JOIN sp USING (user_id) LEFT JOIN rv USING (user_id))
SELECT CAST(user_id AS BIGINT) AS user_id, CAST(spend AS DOUBLE) AS spend, orders, spending_score, active_days, activity_score,
  interactions, interaction_score, quality_reviews, review_score,
  spending_score + activity_score + interaction_score + review_score AS naughty_value,
  spending_score + activity_score + interaction_score + review_score >= ${b(vip.threshold)} AS vip_eligible,
  CASE WHEN spending_score + activity_score + interaction_score + review_score >= ${b(vip.threshold)}
    THEN ${b(vip.memberPrice)} ELSE ${b(vip.regularPrice)} END AS vip_price
FROM scored`;
}
