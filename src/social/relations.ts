/**
 * The social relations, written once as SQL builders so every part of Portrait means the same thing by
 * "friend", "follows" or "referral". Each builder takes SQL *expressions* for the times and relations it
 * needs (a placeholder such as `$2`, a column, a subquery), never values: callers bind their values.
 * See docs/social.md.
 */

/** The edge kinds the influence graph may be built from. */
export const INFLUENCE_KINDS = ['follow', 'share', 'invite'] as const;
export type InfluenceKind = (typeof INFLUENCE_KINDS)[number];

/**
 * The friend relation as of `asOf`: `social_edges` of kind friend stored in either direction, that
 * appeared at or before as-of, without self-loops. One row per (user_id, friend_id), both ways round,
 * distinct. `users`, when given, is a relation selecting user_id that restricts the first column (the
 * recommender asks only for the friends of the users it is scoring).
 */
export function friendsSql(asOf: string, users?: string): string {
  const only = (column: string) => (users ? ` AND ${column} IN (SELECT user_id FROM (${users}) only_users)` : '');
  const where = `kind = 'friend' AND src_user_id <> dst_user_id AND ts <= CAST(${asOf} AS TIMESTAMP)`;
  return `SELECT src_user_id AS user_id, dst_user_id AS friend_id FROM social_edges WHERE ${where}${only('src_user_id')}
    UNION
    SELECT dst_user_id AS user_id, src_user_id AS friend_id FROM social_edges WHERE ${where}${only('dst_user_id')}`;
}

/** Friendships as of `asOf` as unordered pairs: one row (a, b) with a < b per pair of friends. */
export function friendPairsSql(asOf: string): string {
  return `SELECT DISTINCT least(src_user_id, dst_user_id) AS a, greatest(src_user_id, dst_user_id) AS b FROM social_edges
    WHERE kind = 'friend' AND src_user_id <> dst_user_id AND ts <= CAST(${asOf} AS TIMESTAMP)`;
}

/**
 * The influence graph as of `asOf`: directed edges a -> b meaning "a gives attention to b", weighted by
 * how many stored edges say so (parallel edges summed here, in the engine). A follower points at whom they
 * follow; a share's recipient points at the sharer; an invitee at the inviter. `kinds` come from
 * INFLUENCE_KINDS (checked by the caller), so they are safe to write into the SQL.
 */
export function influenceEdgesSql(asOf: string, kinds: readonly InfluenceKind[]): string {
  if (kinds.length === 0) throw new Error('influenceEdgesSql: no edge kinds');
  const parts = kinds.map((kind) => {
    switch (kind) {
      case 'follow':
        return `SELECT src_user_id AS a, dst_user_id AS b FROM social_edges WHERE kind = 'follow' AND ts <= CAST(${asOf} AS TIMESTAMP)`;
      case 'share':
      case 'invite':
        return `SELECT dst_user_id AS a, src_user_id AS b FROM social_edges WHERE kind = '${kind}' AND ts <= CAST(${asOf} AS TIMESTAMP)`;
      default: {
        const never: never = kind;
        throw new Error(`unknown influence kind ${String(never)}`);
      }
    }
  });
  return `SELECT a, b, count(*) AS w FROM (${parts.join('\n    UNION ALL\n    ')}) e WHERE a <> b GROUP BY a, b`;
}

/** The campaign (share or invite code) an event belongs to: its properties' campaign_id. */
export const EVENT_CAMPAIGN_SQL = `json_extract_string(properties, '$.campaign_id')`;

/**
 * Referrals of a campaign as of `asOf`: one row (campaign_id, referrer, user_id, ts) per piece of evidence
 * that `referrer` brought `user_id` into the campaign: `social_edges` of kind invite or share carrying the
 * campaign, and events carrying both referrer_user_id and properties.campaign_id (the invitee's
 * invite_click, a pv through a shared link). `campaign` is an expression for one campaign id, or null for
 * every campaign. Self-referrals are dropped.
 */
export function referralsSql(asOf: string, campaign: string | null): string {
  const edgeCampaign = campaign === null ? 'campaign_id IS NOT NULL' : `campaign_id = ${campaign}`;
  const eventCampaign = campaign === null ? `${EVENT_CAMPAIGN_SQL} IS NOT NULL` : `${EVENT_CAMPAIGN_SQL} = ${campaign}`;
  return `SELECT campaign_id, src_user_id AS referrer, dst_user_id AS user_id, ts FROM social_edges
      WHERE kind IN ('invite', 'share') AND ${edgeCampaign} AND ts <= CAST(${asOf} AS TIMESTAMP) AND src_user_id <> dst_user_id
    UNION ALL
    SELECT ${EVENT_CAMPAIGN_SQL} AS campaign_id, referrer_user_id AS referrer, user_id, ts FROM events
      WHERE referrer_user_id IS NOT NULL AND properties IS NOT NULL AND ${eventCampaign}
        AND ts <= CAST(${asOf} AS TIMESTAMP) AND referrer_user_id <> user_id`;
}

/**
 * Purchases as (user_id, order_id, ts, amount), one row per order: from `orders` when it holds any row
 * (an order's lines summed, at its first line's time, for that line's user), else one order per buy event
 * (its amount, else the item's list price times the quantity), as the growth metrics count them. `users`,
 * when given, is a relation selecting user_id: only their purchases are read.
 */
export function purchasesSql(fromOrders: boolean, asOf: string, users?: string): string {
  if (fromOrders) {
    const only = users ? ` AND user_id IN (SELECT user_id FROM (${users}) only_users)` : '';
    return `SELECT arg_min(user_id, ts) AS user_id, order_id, min(ts) AS ts, CAST(sum(amount) AS DOUBLE) AS amount
      FROM orders WHERE ts <= CAST(${asOf} AS TIMESTAMP)${only} GROUP BY order_id`;
  }
  const only = users ? ` AND e.user_id IN (SELECT user_id FROM (${users}) only_users)` : '';
  return `SELECT e.user_id, e.event_id AS order_id, e.ts, CAST(coalesce(e.amount, i.price * coalesce(e.quantity, 1)) AS DOUBLE) AS amount
    FROM events e LEFT JOIN items i ON i.item_id = e.item_id
    WHERE e.type = 'buy' AND e.ts <= CAST(${asOf} AS TIMESTAMP)${only}`;
}
