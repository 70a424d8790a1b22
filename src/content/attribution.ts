/**
 * Content attribution, last touch (docs/content.md):
 *
 * - A touch is a user seeing content that links an item (`content.item_id`): a `content_view` of the
 *   content, or a `live_watch` of a stream, which touches each of the stream's live pages (content rows
 *   of kind `live` by the host published while the stream ran) at the later of the watch's start and
 *   the page's publication (a viewer cannot be sold a link before it is pushed).
 * - An order line of item I by user U at time T is credited to U's latest touch of content linking I
 *   with T - window <= touch time <= T. Equal touch times: the smaller content id wins. Every line
 *   goes to at most one content piece, so kinds, creators and streams split the credited lines exactly.
 */
import type { SqlParams } from '../conditions/params.js';
import { purchasesSql, type OrderSource } from './purchases.js';

export interface AttributionInput {
  source: OrderSource;
  asOf: Date;
  /** Only lines bought at or after this time are credited. */
  purchasesFrom: Date;
  windowSeconds: number;
}

/**
 * Each live page (content of kind `live`) with the stream it belongs to: a stream of the same host that
 * was running when the page was published (the latest-started one if several were).
 */
export const LIVE_LINKS_SQL = `SELECT c.content_id, s.live_id
  FROM content c JOIN live_streams s ON s.creator_id = c.creator_id
    AND c.published_at >= s.started_at AND (s.ended_at IS NULL OR c.published_at <= s.ended_at)
  WHERE c.kind = 'live'
  QUALIFY row_number() OVER (PARTITION BY c.content_id ORDER BY s.started_at DESC, s.live_id) = 1`;

/**
 * CTEs (to follow WITH) named live_links, touches, purchases and attributed. `attributed` has one row per
 * credited line: order_key, line_no, user_id, item_id, ts, amount, content_id, kind (VARCHAR),
 * creator_id, live_id (the stream of a live page, else null), touch_ts.
 */
export function attributionCtes(p: SqlParams, input: AttributionInput): string {
  const asOf = `CAST(${p.bind(input.asOf)} AS TIMESTAMP)`;
  const from = `CAST(${p.bind(input.purchasesFrom)} AS TIMESTAMP)`;
  const window = `to_seconds(CAST(${p.bind(input.windowSeconds)} AS BIGINT))`;
  const touchFrom = `(${from} - ${window})`;
  return `live_links AS (${LIVE_LINKS_SQL}),
  touches AS (
    SELECT e.user_id, e.ts, c.content_id, c.item_id
    FROM events e JOIN content c ON c.content_id = e.content_id
    WHERE e.type = 'content_view' AND c.item_id IS NOT NULL AND e.ts <= ${asOf} AND e.ts >= ${touchFrom}
    UNION ALL
    SELECT e.user_id, greatest(e.ts, c.published_at) AS ts, c.content_id, c.item_id
    FROM events e JOIN live_links l ON l.live_id = e.live_id JOIN content c ON c.content_id = l.content_id
    WHERE e.type = 'live_watch' AND c.item_id IS NOT NULL AND greatest(e.ts, c.published_at) <= ${asOf}
      AND greatest(e.ts, c.published_at) >= ${touchFrom}
  ),
  purchases AS (${purchasesSql(input.source, asOf)}),
  attributed AS (
    SELECT b.*, c.creator_id, CAST(c.kind AS VARCHAR) AS kind, l.live_id
    FROM (
      SELECT pu.order_key, pu.line_no, pu.user_id, pu.item_id, pu.ts, pu.amount, t.content_id, t.ts AS touch_ts
      FROM purchases pu JOIN touches t ON t.user_id = pu.user_id AND t.item_id = pu.item_id
        AND t.ts <= pu.ts AND t.ts >= pu.ts - ${window}
      WHERE pu.ts >= ${from}
      QUALIFY row_number() OVER (PARTITION BY pu.order_key, pu.line_no ORDER BY t.ts DESC, t.content_id) = 1
    ) b
    JOIN content c ON c.content_id = b.content_id
    LEFT JOIN live_links l ON l.content_id = b.content_id
  )`;
}
