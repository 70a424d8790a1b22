/**
 * What the points ledger is replayed from, as one query: points earned by paid orders (rounded down per
 * order) and by reviews, and points asked for by redemption events (a whole number in the configured
 * property of the event's `properties`). Every value is bound.
 */
import type { SqlParams } from '../../conditions/params.js';
import { paidOrdersSql, type PaidOrderSource } from '../membership/paid-orders.js';
import { qualityReviewSql } from '../membership/quality.js';
import type { QualityReviewRules } from '../membership/rules.js';
import type { PointsRules } from './rules.js';

export interface EntriesQuery {
  asOf: Date;
  source: PaidOrderSource;
  /** One user; default everyone. */
  userId?: number;
  /** Only users with user_id % of = part (for replaying in parts). */
  part?: { part: number; of: number };
}

/** SELECT user_id, ts, kind, source, ref, points, ordered by user and time (the ledger's order). */
export function pointsEntriesSql(params: SqlParams, rules: { points: PointsRules; qualityReview: QualityReviewRules }, q: EntriesQuery): string {
  const { earn, redeem } = rules.points;
  const asOf = `CAST(${params.bind(q.asOf)} AS TIMESTAMP)`;
  const user = q.userId === undefined ? undefined : `CAST(${params.bind(q.userId)} AS BIGINT)`;
  const one = (col: string) => (user ? ` AND ${col} = ${user}` : '');
  const part = q.part ? ` AND user_id % ${params.bind(q.part.of)} = ${params.bind(q.part.part)}` : '';
  const quality = qualityReviewSql(params, rules.qualityReview, 'r');
  const amountPoints = `CAST(floor(round(amount * CAST(${params.bind(earn.pointsPerYuan)} AS DOUBLE), 6)) AS BIGINT)`;
  const reviewPoints = `CAST(${params.bind(earn.perReview)} AS BIGINT) + CASE WHEN ${quality} THEN CAST(${params.bind(earn.perQualityReview)} AS BIGINT) ELSE 0 END`;
  const asked = `TRY_CAST(floor(TRY_CAST(json_extract_string(e.properties, ${params.bind(`$.${redeem.property}`)}) AS DOUBLE)) AS BIGINT)`;
  return `
SELECT CAST(user_id AS BIGINT) AS user_id, ts, kind, source, ref, CAST(points AS BIGINT) AS points FROM (
  SELECT user_id, ts, 'earn' AS kind, 'order' AS source, ref, ${amountPoints} AS points
  FROM (${paidOrdersSql(q.source, asOf, user)})
  UNION ALL
  SELECT r.user_id, r.ts, 'earn', 'review', CAST(r.review_id AS VARCHAR), ${reviewPoints}
  FROM reviews r WHERE r.ts <= ${asOf}${one('r.user_id')}
  UNION ALL
  SELECT e.user_id, e.ts, 'redeem', 'event', CAST(e.event_id AS VARCHAR), ${asked}
  FROM events e WHERE CAST(e.type AS VARCHAR) IN (${params.bindList(redeem.eventTypes)}) AND e.ts <= ${asOf}${one('e.user_id')}
)
WHERE points > 0${part}
ORDER BY user_id, ts, kind, source, ref`;
}
