/**
 * Per-user behaviour features for the model tags, computed in the engine as of a time and returned as one
 * dense row-major Float64Array. Every value is a share, a log count or an average log price, so all
 * are of a similar scale; the model standardises them anyway. See docs/predict.md.
 */
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';

/** How many leaf categories (those seen by the most users) get a feature of their own. */
export const TOP_LEAVES = 300;
/** How many brands (those seen by the most users) get a feature of their own. */
export const TOP_BRANDS = 400;

export interface FeatureMatrix {
  /** Users with at least one event at or before as-of, ascending. */
  userIds: number[];
  /** Feature names, in column order (sorted, so the same data gives the same columns). */
  names: string[];
  /** users x names, row-major. */
  x: Float64Array;
  asOf: Date;
}

const VIEW_TYPES = `'pv', 'content_view'`;
const ACTION_TYPES = `'fav', 'cart', 'buy'`;
const LIVE_TYPES = ['live_watch', 'live_like', 'live_follow', 'live_reward', 'content_view', 'like', 'comment', 'share', 'search', 'coupon_claim'];

/** The SQL of the long (user_id, feature, value) table; $1 is the as-of time, $2 the number of leaves, $3 of brands. */
export function featureSql(): string {
  const typeCounts = LIVE_TYPES.map(
    (t) => `SELECT user_id, 'n:${t}' AS f, ln(1 + count(*) FILTER (WHERE type = '${t}')) AS v FROM e GROUP BY user_id`,
  ).join('\n    UNION ALL ');
  return `WITH a AS (
    SELECT CAST($1 AS TIMESTAMP) AS as_of
  ), anc AS (
    -- every category with its top-level (level 1) and second-level ancestors
    WITH RECURSIVE up(category_id, ancestor_id, depth) AS (
      SELECT category_id, category_id, 0 FROM categories
      UNION ALL
      SELECT up.category_id, c.parent_id, up.depth + 1 FROM up JOIN categories c ON c.category_id = up.ancestor_id
      WHERE c.parent_id IS NOT NULL AND up.depth < 20
    )
    SELECT up.category_id,
      max(up.ancestor_id) FILTER (WHERE c.level = 1) AS top_id,
      max(up.ancestor_id) FILTER (WHERE c.level = 2) AS mid_id
    FROM up JOIN categories c ON c.category_id = up.ancestor_id
    GROUP BY up.category_id
  ), e AS MATERIALIZED (
    SELECT e.user_id, e.type, e.ts, e.amount, e.live_id,
      COALESCE(e.category_id, it.category_id) AS category_id, it.price, it.brand
    FROM events e CROSS JOIN a
    LEFT JOIN items it ON it.item_id = e.item_id
    WHERE e.ts <= a.as_of
  ), ec AS MATERIALIZED (
    SELECT e.user_id, e.type, e.category_id, anc.top_id, anc.mid_id, e.brand,
      CASE WHEN e.type IN (${VIEW_TYPES}) THEN 'view' WHEN e.type IN (${ACTION_TYPES}) THEN 'act' END AS kind
    FROM e JOIN anc ON anc.category_id = e.category_id
    WHERE e.type IN (${VIEW_TYPES}, ${ACTION_TYPES})
  ), kinds AS (
    SELECT user_id, kind, count(*) AS n FROM ec GROUP BY ALL
  ), leaves AS (
    SELECT category_id FROM ec WHERE kind = 'view' GROUP BY category_id
    ORDER BY count(DISTINCT user_id) DESC, category_id LIMIT $2
  ), brands AS (
    SELECT brand FROM ec WHERE kind = 'view' AND brand IS NOT NULL GROUP BY brand
    ORDER BY count(DISTINCT user_id) DESC, brand LIMIT $3
  ), shares AS (
    SELECT user_id, kind || ':top:' || top_id AS f, count(*) AS n, kind FROM ec WHERE top_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT user_id, kind || ':mid:' || mid_id, count(*), kind FROM ec WHERE mid_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT user_id, 'view:leaf:' || category_id, count(*), kind FROM ec
    WHERE kind = 'view' AND category_id IN (SELECT category_id FROM leaves) GROUP BY ALL
    UNION ALL
    SELECT user_id, 'view:brand:' || brand, count(*), kind FROM ec
    WHERE kind = 'view' AND brand IN (SELECT brand FROM brands) GROUP BY ALL
  )
  SELECT s.user_id, s.f, CAST(s.n AS DOUBLE) / k.n AS v FROM shares s JOIN kinds k USING (user_id, kind)
  UNION ALL
  SELECT user_id, 'n:events', ln(1 + count(*)) FROM e GROUP BY user_id
  UNION ALL
  SELECT user_id, 'n:views', ln(1 + count(*) FILTER (WHERE type IN (${VIEW_TYPES}))) FROM e GROUP BY user_id
  UNION ALL
  SELECT user_id, 'n:actions', ln(1 + count(*) FILTER (WHERE type IN (${ACTION_TYPES}))) FROM e GROUP BY user_id
  UNION ALL
  ${typeCounts}
  UNION ALL
  SELECT user_id, 'live:buy_share', avg(CASE WHEN live_id IS NOT NULL THEN 1.0 ELSE 0.0 END) FROM e WHERE type = 'buy' GROUP BY user_id
  UNION ALL
  SELECT user_id, 'price:view', avg(ln(1 + price)) FROM e WHERE type = 'pv' AND price IS NOT NULL GROUP BY user_id
  UNION ALL
  SELECT user_id, 'price:buy', avg(ln(1 + amount)) FROM e WHERE type = 'buy' AND amount IS NOT NULL GROUP BY user_id
  UNION ALL
  SELECT user_id, 'hour:' || (hour(ts) // 3), count(*) / CAST(sum(count(*)) OVER (PARTITION BY user_id) AS DOUBLE)
  FROM e GROUP BY user_id, hour(ts) // 3
  UNION ALL
  SELECT user_id, 'weekend', avg(CASE WHEN isodow(ts) >= 6 THEN 1.0 ELSE 0.0 END) FROM e GROUP BY user_id`;
}

/** Computes the feature matrix of every user with behaviour at or before `asOf`. */
export async function computeFeatures(ws: Workspace, asOf: Date, leaves = TOP_LEAVES, brands = TOP_BRANDS): Promise<FeatureMatrix> {
  const params: SqlValue[] = [asOf, leaves, brands];
  const rows = await ws.wh.query<{ user_id: number | bigint; f: string; v: number | null }>(featureSql(), params);
  const userSet = new Set<number>();
  const nameSet = new Set<string>();
  for (const r of rows) {
    userSet.add(Number(r.user_id));
    nameSet.add(r.f);
  }
  const userIds = [...userSet].sort((a, b) => a - b);
  const names = [...nameSet].sort();
  const row = new Map(userIds.map((u, i) => [u, i]));
  const col = new Map(names.map((n, j) => [n, j]));
  const d = names.length;
  const x = new Float64Array(userIds.length * d);
  for (const r of rows) {
    const v = Number(r.v ?? 0);
    if (Number.isFinite(v)) x[row.get(Number(r.user_id))! * d + col.get(r.f)!] = v;
  }
  return { userIds, names, x, asOf };
}
