/**
 * The SELECT that judges purchases: one row per buy event judged a gift (a one-off purchase for someone
 * else). Set-based: one scan of buy events, one count of the candidate users' interactions, one scan of
 * the interactions in candidate (user, category group) pairs; no JavaScript per event. See docs/noise.md.
 */
import type { SqlValue } from '../../warehouse/warehouse.js';
import { INTERACTION_TYPES } from '../interest/build.js';
import type { NoiseConfig } from './config.js';

export const GIFT_TABLE = 'gift_purchases';

const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;

/** Closed vocabulary from the model (never user input), so it may be written into the SQL text. */
const TYPE_LIST = INTERACTION_TYPES.map((t) => `'${t}'`).join(', ');

/**
 * The category -> group mapping as CTEs `tops(category_id, group_id)`: for `top`, each category's root in
 * `categories` (a category whose parent is missing counts as a root; depth capped against cycles).
 * Categories the tree does not know are their own group (`COALESCE(t.group_id, category_id)` at the use).
 */
function groupCtes(config: NoiseConfig): string {
  if (config.group === 'leaf') return `tops(category_id, group_id) AS (SELECT CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) WHERE false),`;
  return `tree(category_id, group_id, depth) AS (
    SELECT c.category_id, c.category_id, 0 FROM categories c
    WHERE c.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM categories q WHERE q.category_id = c.parent_id)
    UNION ALL
    SELECT c.category_id, t.group_id, t.depth + 1 FROM categories c JOIN tree t ON c.parent_id = t.category_id
    WHERE t.depth < 64 AND c.category_id <> c.parent_id
  ), tops AS (
    SELECT category_id, min(group_id) AS group_id FROM tree GROUP BY category_id
  ),`;
}

/** The CTEs every query here starts with: as-of, the category groups and the purchases (`buys`). */
function buysCtes(config: NoiseConfig): string {
  return `WITH RECURSIVE a AS (
    SELECT CAST($1 AS TIMESTAMP) AS as_of
  ), ${groupCtes(config)}
  buys AS MATERIALIZED (
    -- every purchase up to as-of, with its category (the item's when the event has none) and group
    SELECT b.event_id, b.user_id, b.item_id, b.category_id, COALESCE(t.group_id, b.category_id) AS group_id,
      b.ts, epoch_us(b.ts) AS us, b.influenced
    FROM (
      SELECT e.event_id, e.user_id, e.item_id, COALESCE(e.category_id, it.category_id) AS category_id, e.ts,
        (e.live_id IS NOT NULL OR e.referrer_user_id IS NOT NULL) AS influenced
      FROM events e CROSS JOIN a
      LEFT JOIN items it ON it.item_id = e.item_id
      WHERE e.type = 'buy' AND e.ts <= a.as_of
    ) b
    LEFT JOIN tops t ON t.category_id = b.category_id
    WHERE b.category_id IS NOT NULL
  )`;
}

/**
 * The naive baseline for evaluation: every purchase that is the user's only one in its category group
 * (as of `$1`). Columns: user_id, item_id, ts.
 */
export function baselineSelectSql(config: NoiseConfig, asOf: Date): { sql: string; params: SqlValue[] } {
  return {
    sql: `${buysCtes(config)}, one AS (
    SELECT user_id, group_id FROM buys GROUP BY user_id, group_id HAVING count(*) = 1
  )
  SELECT b.user_id, b.item_id, b.ts FROM buys b JOIN one o ON o.user_id = b.user_id AND o.group_id = b.group_id`,
    params: [asOf],
  };
}

/**
 * The self-contained query. `$1` binds the as-of TIMESTAMP (resolved by the caller); configuration
 * numbers are bound from $2 on. Columns: user_id, event_id, item_id, category_id, group_id, ts, reason,
 * score, plus the signals (episode_interactions, episode_items, other_days, history).
 */
export function giftFlagsSelectSql(config: NoiseConfig, asOf: Date): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [asOf];
  const p = (v: SqlValue, type: string): string => {
    params.push(v);
    return `CAST($${params.length} AS ${type})`;
  };
  const episode = p(Math.round(config.episodeHours * HOUR_US), 'BIGINT');
  const maxOtherDays = p(config.maxOtherDays, 'BIGINT');
  const maxEpisode = p(config.maxEpisodeInteractions, 'BIGINT');
  const minItems = p(config.minEpisodeItems, 'BIGINT');
  const minHistory = p(config.minHistory, 'BIGINT');
  const skipInfluenced = p(config.skipInfluenced, 'BOOLEAN');
  const socialUs = p(Math.round(config.socialCopyDays * DAY_US), 'BIGINT');
  const level = config.group; // 'top' or 'leaf': closed vocabulary
  const sql = `${buysCtes(config)}, pairs AS MATERIALIZED (
    -- (user, group) pairs whose purchases all fall in one episode: one-off candidates
    SELECT user_id, group_id, min(us) AS first_us, max(us) AS last_us
    FROM buys GROUP BY user_id, group_id
    HAVING max(us) - min(us) <= ${episode}
  ), bought AS (
    SELECT DISTINCT b.user_id, b.group_id, b.item_id
    FROM buys b JOIN pairs p ON p.user_id = b.user_id AND p.group_id = b.group_id
    WHERE b.item_id IS NOT NULL
  ), hist AS (
    -- all interactions of the candidate users (any category): how much of them we know
    SELECT e.user_id, count(*) AS n
    FROM events e CROSS JOIN a
    WHERE e.ts <= a.as_of AND e.type IN (${TYPE_LIST}) AND (e.item_id IS NOT NULL OR e.content_id IS NOT NULL)
      AND e.user_id IN (SELECT user_id FROM pairs)
    GROUP BY e.user_id
  ), ev AS (
    -- interactions of candidate users with a category (the item's when the event has none)
    SELECT e.user_id, e.item_id, e.ts, e.category_id
    FROM events e CROSS JOIN a
    WHERE e.ts <= a.as_of AND e.type IN (${TYPE_LIST}) AND e.category_id IS NOT NULL
      AND e.user_id IN (SELECT user_id FROM pairs)
    UNION ALL
    SELECT e.user_id, e.item_id, e.ts, it.category_id
    FROM events e CROSS JOIN a JOIN items it ON it.item_id = e.item_id
    WHERE e.ts <= a.as_of AND e.type IN (${TYPE_LIST}) AND e.category_id IS NULL AND it.category_id IS NOT NULL
      AND e.user_id IN (SELECT user_id FROM pairs)
  ), pe AS (
    -- those in a candidate pair's group, placed inside or outside its episode
    SELECT e.user_id, e.group_id, e.item_id, CAST(e.ts AS DATE) AS day,
      epoch_us(e.ts) BETWEEN p.first_us - ${episode} AND p.last_us + ${episode} AS inside,
      bo.item_id IS NOT NULL AS own_item
    FROM (SELECT e.*, COALESCE(t.group_id, e.category_id) AS group_id FROM ev e LEFT JOIN tops t ON t.category_id = e.category_id) e
    JOIN pairs p ON p.user_id = e.user_id AND p.group_id = e.group_id
    LEFT JOIN bought bo ON bo.user_id = e.user_id AND bo.group_id = e.group_id AND bo.item_id = e.item_id
  ), x AS (
    SELECT user_id, group_id,
      count(*) FILTER (WHERE inside) AS ep_n,
      count(DISTINCT item_id) FILTER (WHERE inside) AS ep_items,
      count(*) FILTER (WHERE NOT inside AND NOT own_item) AS out_n,
      count(DISTINCT day) FILTER (WHERE NOT inside AND NOT own_item) AS out_days,
      count(*) AS group_n
    FROM pe GROUP BY user_id, group_id
  ), cand AS MATERIALIZED (
    SELECT b.*, x.ep_n, x.ep_items, x.out_n, x.out_days, x.group_n, h.n AS user_n, h.n - x.ep_n AS history
    FROM buys b
    JOIN x ON x.user_id = b.user_id AND x.group_id = b.group_id
    JOIN hist h ON h.user_id = b.user_id
    WHERE x.out_days <= ${maxOtherDays} AND x.ep_n <= ${maxEpisode} AND x.ep_items >= ${minItems}
      AND h.n - x.ep_n >= ${minHistory}
      AND NOT (${skipInfluenced} AND b.influenced)
  ), friends AS (
    SELECT src_user_id AS user_id, dst_user_id AS friend_id FROM social_edges WHERE kind = 'friend'
    UNION ALL
    SELECT dst_user_id, src_user_id FROM social_edges WHERE kind = 'friend'
  ), copied AS (
    -- a friend bought the same item shortly before: social proof, not a gift
    SELECT DISTINCT c.event_id
    FROM cand c
    JOIN friends f ON f.user_id = c.user_id
    JOIN buys fb ON fb.user_id = f.friend_id AND fb.item_id = c.item_id AND fb.us < c.us AND fb.us >= c.us - ${socialUs}
    WHERE ${socialUs} > 0
  )
  SELECT CAST(c.user_id AS BIGINT) AS user_id, CAST(c.event_id AS UBIGINT) AS event_id,
    CAST(c.item_id AS BIGINT) AS item_id, CAST(c.category_id AS BIGINT) AS category_id,
    CAST(c.group_id AS BIGINT) AS group_id, c.ts,
    CAST(format('one-off in ${level} category {}: {} interaction(s) with {} item(s) around the purchase, {} other day(s) in it, {} interaction(s) elsewhere',
      c.group_id, c.ep_n, c.ep_items, c.out_days, c.user_n - c.group_n) AS VARCHAR) AS reason,
    CAST(1.0 - c.group_n / c.user_n AS DOUBLE) AS score,
    CAST(c.ep_n AS BIGINT) AS episode_interactions, CAST(c.ep_items AS BIGINT) AS episode_items,
    CAST(c.out_days AS BIGINT) AS other_days, CAST(c.history AS BIGINT) AS history
  FROM cand c
  WHERE c.event_id NOT IN (SELECT event_id FROM copied)`;
  return { sql, params };
}
