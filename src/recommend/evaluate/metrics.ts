/**
 * Ranking metrics at K, computed in the engine from a table of recommendations (user_id, item_id, rank)
 * and a table of relevant items (user_id, item_id), over the evaluated users (every user in the relevant
 * table). For a user u with top-K list L (it may hold fewer than K items) and relevant set R:
 *
 *   hits(u)      = |L ∩ R|
 *   hit rate     = mean over u of [hits(u) > 0]
 *   precision@K  = mean over u of hits(u) / K               (K, not |L|: a short list is not rewarded)
 *   recall@K     = mean over u of hits(u) / |R|
 *   NDCG@K       = mean over u of DCG / IDCG, binary relevance:
 *                  DCG = Σ_{r ≤ K, item at r ∈ R} 1 / log2(r + 1),  IDCG = Σ_{r=1}^{min(|R|, K)} 1 / log2(r + 1)
 *   MAP@K        = mean over u of AP@K, AP@K = (1 / min(|R|, K)) · Σ_{r ≤ K, item at r ∈ R} P@r,
 *                  P@r = (hits at ranks 1..r) / r
 *   coverage     = distinct items recommended to the evaluated users / distinct items in training
 */
import type { Warehouse } from '../../warehouse/warehouse.js';

export interface Metrics {
  users: number;
  hitRate: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
  /** Evaluated users who got at least one recommendation. */
  usersWithRecommendations: number;
  /** Distinct items recommended. */
  itemsRecommended: number;
}

/**
 * `recs`, `relevant` and `catalogue` are table names (generated, not from users); `catalogue` selects
 * item_id (the training items).
 */
export async function computeMetrics(wh: Warehouse, recs: string, relevant: string, catalogue: string, k: number): Promise<Metrics> {
  const rows = await wh.query<Record<string, number>>(
    `WITH rel AS (SELECT user_id, count(*) AS nrel FROM ${relevant} GROUP BY user_id),
     r AS (SELECT x.user_id, x.item_id, x.rank FROM ${recs} x JOIN rel USING (user_id) WHERE x.rank <= CAST($1 AS BIGINT)),
     hits AS (
       SELECT r.user_id, r.rank, row_number() OVER (PARTITION BY r.user_id ORDER BY r.rank) AS hit_no
       FROM r JOIN ${relevant} t ON t.user_id = r.user_id AND t.item_id = r.item_id),
     idcg AS (SELECT m, sum(1.0 / log2(j + 1)) OVER (ORDER BY j) AS v FROM (SELECT range AS j, range AS m FROM range(1, CAST($1 AS BIGINT) + 1))),
     per AS (
       SELECT rel.user_id, rel.nrel, count(h.rank) AS hits,
         coalesce(sum(1.0 / log2(h.rank + 1)), 0) AS dcg, coalesce(sum(h.hit_no / h.rank), 0) AS ap_sum
       FROM rel LEFT JOIN hits h ON h.user_id = rel.user_id GROUP BY rel.user_id, rel.nrel)
     SELECT count(*) AS users,
       coalesce(avg(CASE WHEN hits > 0 THEN 1.0 ELSE 0.0 END), 0) AS hit_rate,
       coalesce(avg(hits / CAST($1 AS BIGINT)), 0) AS "precision",
       coalesce(avg(hits / nrel), 0) AS recall,
       coalesce(avg(dcg / i.v), 0) AS ndcg,
       coalesce(avg(ap_sum / least(nrel, CAST($1 AS BIGINT))), 0) AS map,
       (SELECT count(DISTINCT user_id) FROM r) AS users_with_recs,
       (SELECT count(DISTINCT item_id) FROM r) AS items_recommended,
       (SELECT count(DISTINCT item_id) FROM ${catalogue}) AS catalogue
     FROM per JOIN idcg i ON i.m = least(per.nrel, CAST($1 AS BIGINT))`,
    [k],
  );
  const m = rows[0]!;
  const catalogueSize = Number(m.catalogue);
  return {
    users: Number(m.users),
    hitRate: Number(m.hit_rate),
    precision: Number(m.precision),
    recall: Number(m.recall),
    ndcg: Number(m.ndcg),
    map: Number(m.map),
    coverage: catalogueSize > 0 ? Number(m.items_recommended) / catalogueSize : 0,
    usersWithRecommendations: Number(m.users_with_recs),
    itemsRecommended: Number(m.items_recommended),
  };
}
