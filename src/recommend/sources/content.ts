/**
 * Content-based: items matching the user's interests. For each of the user's `topCategories` best
 * category interest scores (at least `minScore`), the category's `itemsPerCategory` most popular items
 * (time-decayed, rec_item_pop) are candidates, scored
 *
 *   score = categoryScore / 10 + brand x brandScore / 10 + price x priceMatch
 *
 * where brandScore is the user's interest score of the item's brand (0 without one) and priceMatch compares
 * the user's `price_level` tag with the item's price band in its category: 1 equal, 0.5 adjacent, 0 opposite
 * or unknown. Ties rank the more popular item first, then the smaller id.
 */
import type { Relation } from '../algorithms/types.js';
import { Params } from './sql.js';
import { T, type Source, type SourceContext } from './types.js';

export const contentSource: Source = {
  name: 'content',
  candidates(ctx: SourceContext, users: Relation, k: number): Relation | null {
    if (!ctx.has.interest) return null;
    const c = ctx.config.content;
    const p = new Params();
    const u = p.nest(users);
    const level = ctx.has.tags
      ? `SELECT user_id, CASE txt WHEN 'low' THEN 0 WHEN 'middle' THEN 1 WHEN 'high' THEN 2 END AS level
         FROM tag_values WHERE tag = 'price_level' AND user_id IN (SELECT user_id FROM u)`
      : 'SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS INTEGER) AS level WHERE false';
    return p.relation(`
      WITH u AS (${u}),
      uc AS (
        SELECT s.user_id, TRY_CAST(s.tag AS BIGINT) AS category_id, s.score FROM interest_scores s
        WHERE s.dimension = 'category' AND s.score >= ${p.value(c.minScore)} AND s.user_id IN (SELECT user_id FROM u)
        QUALIFY row_number() OVER (PARTITION BY s.user_id ORDER BY s.score DESC, s.tag) <= ${p.value(c.topCategories)}),
      ub AS (
        SELECT user_id, tag AS brand, score FROM interest_scores
        WHERE dimension = 'brand' AND user_id IN (SELECT user_id FROM u)),
      lv AS (${level}),
      cand AS (
        SELECT uc.user_id, ip.item_id, ip.cat_rank, uc.category_id, uc.score AS cat_score, ub.brand, coalesce(ub.score, 0) AS brand_score,
               CASE WHEN lv.level IS NULL OR cat.price_band IS NULL THEN 0 ELSE 1 - abs(lv.level - cat.price_band) / 2.0 END AS price_match
        FROM uc
        JOIN ${T.itemPop} ip ON ip.category_id = uc.category_id AND ip.cat_rank <= ${p.value(c.itemsPerCategory)}
        LEFT JOIN ${T.catalogue} cat ON cat.item_id = ip.item_id
        LEFT JOIN ub ON ub.user_id = uc.user_id AND ub.brand = cat.brand
        LEFT JOIN lv ON lv.user_id = uc.user_id)
      SELECT user_id, item_id,
             cat_score / 10 + ${p.value(c.brand)} * brand_score / 10 + ${p.value(c.price)} * price_match AS score,
             CAST(NULL AS BIGINT) AS ev_item, category_id AS ev_cat, cat_score AS ev_n,
             CAST(price_match = 1 AS DOUBLE) AS ev_m, CAST(NULL AS VARCHAR) AS ev_text, brand AS ev_text2
      FROM cand
      QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY round(score, 9) DESC, cat_rank, item_id) <= ${p.value(k)}`);
  },
};
