/**
 * The hybrid ranker. For one set of users (a chunk):
 *
 * 1. Candidates of every source with a positive weight (sources/*), each source's top `candidatesPerSource`.
 * 2. Each source's score is divided by the user's best score from that source (so every source is 0-1 for
 *    every user), times the source's weight; an item's blended score is the sum over the sources that
 *    proposed it. Its source (and reason) is the one contributing most (ties: the order of SOURCES).
 * 3. Filters: an item the user already bought is dropped unless the catalogue marks it consumable or a
 *    purchase cycle proposes it (replenishment); items in a category of the user's gift purchases are dropped.
 * 4. Diversity: within each category the items are numbered by score; the list is ordered by
 *    floor((number - 1) / maxPerCategory) (the round), then score, then smaller item id. With the default 3,
 *    the top 20 holds at most 3 items of a category whenever the first round has 20 items (e.g. 7 categories
 *    with 3 candidates each); otherwise the next round fills in rather than leave the list short.
 * 5. The top `topN`, with reasons (blend/reasons.ts).
 *
 * Users who refused personalisation (consents purpose personalisation, allowed false) get none of this: the
 * same globally popular list for everyone (the popular model, nothing excluded, no filters: filters would read
 * their history; the diversity rounds apply), scored weights.popular x popularity / the best, with the reason
 * "popular right now".
 */
import { popular, type Relation } from '../algorithms/index.js';
import { ALL_SOURCES } from '../sources/index.js';
import { Params } from '../sources/sql.js';
import { T, type SourceContext } from '../sources/types.js';
import { SOURCES } from './config.js';
import { reasonSqlEn, reasonSqlZh } from './reasons.js';

export const OUTPUT_COLUMNS = 'user_id, rank, item_id, score, source, reason_en, reason_zh';

/**
 * Final rows `user_id, rank, item_id, score, source, reason_en, reason_zh` (ordered by user, rank) for
 * `personalised` users (the blend) and `optedOut` users (popular only).
 */
export function blendSql(ctx: SourceContext, personalised: Relation, optedOut: Relation | null): Relation {
  const cfg = ctx.config;
  const p = new Params();
  const parts: string[] = [];
  for (const source of ALL_SOURCES) {
    const w = cfg.weights[source.name];
    if (!(w > 0)) continue;
    const rel = source.candidates(ctx, personalised, cfg.candidatesPerSource);
    if (!rel) continue;
    parts.push(`SELECT '${source.name}' AS source, ${p.value(w)} AS w, ${SOURCES.indexOf(source.name)} AS prio, * FROM (${p.nest(rel)})`);
  }
  const sections: string[] = [];
  const pools: string[] = [];
  if (parts.length) {
    sections.push(`
      cand AS (${parts.join('\nUNION ALL BY NAME\n')}),
      norm AS (
        SELECT *, coalesce(w * score / nullif(max(score) OVER (PARTITION BY user_id, source), 0), 0) AS contrib FROM cand),
      agg AS (
        SELECT user_id, item_id, sum(contrib) AS score, bool_or(source = 'replenishment') AS replenish,
               arg_max(struct_pack(source, ev_item, ev_cat, ev_n, ev_m, ev_text, ev_text2), struct_pack(c := round(contrib, 9), p := -prio)) AS best
        FROM norm GROUP BY user_id, item_id),
      kept AS (
        SELECT a.user_id, a.item_id, a.score, a.best, c.category_id FROM agg a LEFT JOIN ${T.catalogue} c ON c.item_id = a.item_id
        WHERE (a.replenish OR coalesce(c.consumable, false)
               OR NOT EXISTS (SELECT 1 FROM ${T.buys} b WHERE b.user_id = a.user_id AND b.item_id = a.item_id))
          AND NOT EXISTS (SELECT 1 FROM ${T.giftCats} g WHERE g.user_id = a.user_id AND g.category_id = c.category_id))`);
    pools.push('SELECT * FROM kept');
  }
  if (optedOut && ctx.models.popular) {
    // Enough of the global list for the diversity rounds to fill the top N.
    const pop = p.nest(popular.recommendSql(ctx.models.popular, optedOut, cfg.topN * (cfg.maxPerCategory + 1), 'none'));
    sections.push(`
      plain AS (
        SELECT r.user_id, r.item_id, ${p.value(cfg.weights.popular)} * r.score / nullif(max(r.score) OVER (PARTITION BY r.user_id), 0) AS score,
               struct_pack(source := 'popular', ev_item := CAST(NULL AS BIGINT), ev_cat := CAST(NULL AS BIGINT), ev_n := r.score,
                 ev_m := CAST(NULL AS DOUBLE), ev_text := CAST(NULL AS VARCHAR), ev_text2 := CAST(NULL AS VARCHAR)) AS best,
               c.category_id
        FROM (${pop}) r LEFT JOIN ${T.catalogue} c ON c.item_id = r.item_id)`);
    pools.push('SELECT * FROM plain');
  }
  if (pools.length === 0) {
    return { sql: `SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS INTEGER) AS rank, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS DOUBLE) AS score,
      CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS reason_en, CAST(NULL AS VARCHAR) AS reason_zh WHERE false`, params: [] };
  }
  sections.push(`
      pool AS (${pools.join(' UNION ALL ')}),
      diverse AS (
        SELECT *, row_number() OVER (PARTITION BY user_id, coalesce(category_id, -1 - item_id) ORDER BY round(score, 9) DESC, item_id) AS cat_rank FROM pool),
      ranked AS (
        SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY (cat_rank - 1) // ${p.value(cfg.maxPerCategory)}, round(score, 9) DESC, item_id) AS rank
        FROM diverse QUALIFY rank <= ${p.value(cfg.topN)}),
      rows AS (
        SELECT user_id, rank, item_id, score, best.source AS source, best.ev_item AS ev_item, best.ev_cat AS ev_cat, best.ev_n AS ev_n,
               best.ev_m AS ev_m, best.ev_text AS ev_text, best.ev_text2 AS ev_text2 FROM ranked)`);
  return p.relation(`
    WITH ${sections.join(',\n')},
    labelled AS (
      SELECT r.*, it.title AS item_title, cat.name AS cat_name FROM rows r
      LEFT JOIN ${T.catalogue} it ON it.item_id = r.ev_item
      LEFT JOIN categories cat ON cat.category_id = r.ev_cat)
    SELECT CAST(user_id AS BIGINT) AS user_id, CAST(rank AS INTEGER) AS rank, CAST(item_id AS BIGINT) AS item_id, CAST(score AS DOUBLE) AS score,
           source, ${reasonSqlEn()} AS reason_en, ${reasonSqlZh()} AS reason_zh
    FROM labelled ORDER BY user_id, rank`);
}
