/**
 * What the points ledger is replayed from, as one query: points earned by paid orders (rounded down per
 * order) and by reviews, and points asked for by redemption events (a whole number in the configured
 * property of the event's `properties`). Every value is bound.
 */
import type { SqlParams } from '../../conditions/params.js';
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import { paidOrdersSql, type PaidOrderSource } from '../membership/paid-orders.js';
import { qualityReviewSql } from '../membership/quality.js';
import type { QualityReviewRules } from '../membership/rules.js';
import type { RawPointsEntry } from './ledger.js';
import type { PointsRules } from './rules.js';

export interface EntriesQuery {
  asOf: Date;
  source: PaidOrderSource;
  /** One user; default everyone. */
  userId?: number;
  /** Only users with ((user_id % of) + of) % of = part (for replaying in parts; negative ids included). */
  part?: { part: number; of: number };
}

/** SELECT user_id, ts, kind, source, ref, points: every entry with points, in no particular order (readEntries orders them). */
export function pointsEntriesSql(params: SqlParams, rules: { points: PointsRules; qualityReview: QualityReviewRules }, q: EntriesQuery): string {
  const { earn, redeem } = rules.points;
  const asOf = `CAST(${params.bind(q.asOf)} AS TIMESTAMP)`;
  const user = q.userId === undefined ? undefined : `CAST(${params.bind(q.userId)} AS BIGINT)`;
  const one = (col: string) => (user ? ` AND ${col} = ${user}` : '');
  // A negative id has a negative remainder in SQL: ((id % n) + n) % n puts every id in one part.
  const part = q.part ? (() => { const of = params.bind(q.part.of); return ` AND ((user_id % ${of}) + ${of}) % ${of} = ${params.bind(q.part.part)}`; })() : '';
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
WHERE points > 0${part}`;
}

/** Entries as text: one line per entry, in the ledger's order (user, time, earn before redeem, source, ref). */
function entriesTextSql(sql: string): string {
  return `SELECT coalesce(string_agg(concat_ws(',', CAST(user_id AS VARCHAR), CAST(epoch_ms(ts) AS VARCHAR), kind, source, ref, CAST(points AS VARCHAR)), chr(10)
      ORDER BY user_id, ts, kind, source, ref), '') AS lines
    FROM (${sql})`;
}

/**
 * Reads the entries of `sql` (pointsEntriesSql) grouped by user, in ledger order. They come back as one
 * text value: the engine hands over text columns row by row far slower than one string (0.4 s against
 * 4.8 s for 120,000 entries).
 */
export async function readEntries(wh: Warehouse, sql: string, params: readonly SqlValue[]): Promise<{ userId: number; entries: RawPointsEntry[] }[]> {
  const [row] = await wh.query<{ lines: string }>(entriesTextSql(sql), params);
  const out: { userId: number; entries: RawPointsEntry[] }[] = [];
  const text = row?.lines ?? '';
  if (!text) return out;
  let current: { userId: number; entries: RawPointsEntry[] } | undefined;
  let lastUser = '';
  for (const line of text.split('\n')) {
    const [user, ms, kind, source, ref, points] = line.split(',') as [string, string, RawPointsEntry['kind'], RawPointsEntry['source'], string, string];
    if (user !== lastUser || !current) {
      current = { userId: Number(user), entries: [] };
      out.push(current);
      lastUser = user;
    }
    current.entries.push({ ts: new Date(Number(ms)), kind, source, ref, points: Number(points) });
  }
  return out;
}
