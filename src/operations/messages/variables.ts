/**
 * Each targeted user's variables, from the portrait, as one SQL relation (user_id, item, item_id,
 * item_source, friend_count, days_until_due):
 * - item: the campaign's item; else the user's top recommendation (user_recommendations, rank 1, when
 *   trained); else the user's first favourite category (tag favourite_categories) by name;
 * - friend_count: the tag friend_count, 0 for a user without friends;
 * - days_until_due: days from the send day to the tag next_due (the earliest due date of the user's
 *   purchase cycles), negative when overdue; missing without a purchase cycle.
 * nickname and coupon are the same for everyone and bound where the text is rendered.
 */
import type { SqlParams } from '../../conditions/params.js';
import { TAG_VALUES_TABLE } from '../../tags/values/build.js';
import { RECS_TABLE } from '../../recommend/serve/train.js';

export interface CampaignItem {
  id: string;
  name: string;
}

/** `users` is a relation of user_id; `item` the campaign's item if it has one. */
export function variablesSql(users: string, params: SqlParams, sendAt: Date, item: CampaignItem | null, hasRecommendations: boolean): string {
  const tag = (key: string) => `(SELECT user_id, num, ts, lst FROM ${TAG_VALUES_TABLE} WHERE tag = ${params.bind(key)})`;
  const ownItem = hasRecommendations
    ? `LEFT JOIN (SELECT r.user_id, r.item_id, coalesce(it.title, c.name, 'item ' || CAST(r.item_id AS VARCHAR)) AS name
        FROM ${RECS_TABLE} r LEFT JOIN items it ON it.item_id = r.item_id LEFT JOIN categories c ON c.category_id = it.category_id
        WHERE r.rank = 1) rec ON rec.user_id = u.user_id`
    : 'LEFT JOIN (SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS VARCHAR) AS name WHERE false) rec ON rec.user_id = u.user_id';
  // A function, so its tag is bound only when the query reads it (the engine refuses unread parameters).
  const favourite = () => `LEFT JOIN (SELECT f.user_id, coalesce(c.name, 'category ' || f.lst[1]) AS name
      FROM ${tag('favourite_categories')} f LEFT JOIN categories c ON CAST(c.category_id AS VARCHAR) = f.lst[1]
      WHERE len(f.lst) > 0) fav ON fav.user_id = u.user_id`;
  const [itemSql, itemId, itemSource] = item
    ? [`CAST(${params.bind(item.name)} AS VARCHAR)`, `CAST(${params.bind(item.id)} AS BIGINT)`, `'campaign'`]
    : [
        'coalesce(rec.name, fav.name)',
        'rec.item_id',
        "CASE WHEN rec.name IS NOT NULL THEN 'recommendation' WHEN fav.name IS NOT NULL THEN 'favourite category' END",
      ];
  return `SELECT u.user_id, ${itemSql} AS item, ${itemId} AS item_id, ${itemSource} AS item_source,
      CAST(coalesce(fc.num, 0) AS BIGINT) AS friend_count,
      date_diff('day', CAST(CAST(${params.bind(sendAt)} AS TIMESTAMP) AS DATE), CAST(nd.ts AS DATE)) AS days_until_due
    FROM (${users}) u
    ${item ? '' : `${ownItem}\n    ${favourite()}`}
    LEFT JOIN ${tag('friend_count')} fc ON fc.user_id = u.user_id
    LEFT JOIN ${tag('next_due')} nd ON nd.user_id = u.user_id`;
}
