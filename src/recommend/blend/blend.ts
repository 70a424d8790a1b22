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
 *
 * The work is split in two so training can materialise the middle (serve/train.ts):
 *
 * - `candidateParts`: one relation per source (and one for opted-out users), each selecting the
 *   `CANDIDATE_TABLE_COLUMNS` rows of step 2 (already normalised and weighted: `contrib`);
 * - `rankSql`: steps 2-5 over a relation or table holding those rows.
 *
 * Training inserts each part into a table (one statement per source, so each is planned alone and timed)
 * and ranks the table; `blendSql` is the same as a single statement (tests, small sets of users).
 */
import { popular, type Relation } from '../algorithms/index.js';
import { ALL_SOURCES } from '../sources/index.js';
import { Params } from '../sources/sql.js';
import { T, type SourceContext } from '../sources/types.js';
import { SOURCES, type SourceName } from './config.js';
import { reasonSqlEn, reasonSqlZh } from './reasons.js';

export const OUTPUT_COLUMNS = 'user_id, rank, item_id, score, source, reason_en, reason_zh';

/** The materialised candidates of a chunk: source index, whether filters apply, the weighted normalised contribution and the evidence. */
export const CANDIDATE_TABLE_DDL = `prio UTINYINT, personal BOOLEAN, user_id BIGINT, item_id BIGINT, contrib DOUBLE,
  ev_item BIGINT, ev_cat BIGINT, ev_n DOUBLE, ev_m DOUBLE, ev_text VARCHAR, ev_text2 VARCHAR`;
export const CANDIDATE_TABLE_COLUMNS = 'prio, personal, user_id, item_id, contrib, ev_item, ev_cat, ev_n, ev_m, ev_text, ev_text2';

export interface CandidatePart {
  /** The source's name, or 'opted-out' for the global popular list of users who refused personalisation. */
  name: string;
  rel: Relation;
}

/** Each active source's candidates for `personalised`, and the popular list for `optedOut`, as `CANDIDATE_TABLE_COLUMNS` rows. */
export function candidateParts(
  ctx: SourceContext,
  personalised: Relation | null,
  optedOut: Relation | null,
  /** Candidates already computed for a source (training's collaborative scoring, sources/cfscore.ts), in the sources' columns. */
  overrides: Partial<Record<SourceName, Relation>> = {},
): CandidatePart[] {
  const cfg = ctx.config;
  const parts: CandidatePart[] = [];
  if (personalised) {
    for (const source of ALL_SOURCES) {
      const w = cfg.weights[source.name];
      if (!(w > 0)) continue;
      const rel = overrides[source.name] ?? source.candidates(ctx, personalised, cfg.candidatesPerSource);
      if (!rel) continue;
      const p = new Params();
      const inner = p.nest(rel);
      parts.push({
        name: source.name,
        rel: p.relation(`
          SELECT CAST(${SOURCES.indexOf(source.name)} AS UTINYINT) AS prio, true AS personal, CAST(user_id AS BIGINT) AS user_id,
                 CAST(item_id AS BIGINT) AS item_id,
                 coalesce(${p.value(w)} * score / nullif(max(score) OVER (PARTITION BY user_id), 0), 0) AS contrib,
                 ev_item, ev_cat, ev_n, ev_m, ev_text, ev_text2
          FROM (${inner}) s`),
      });
    }
  }
  if (optedOut && ctx.models.popular) {
    // Enough of the global list for the diversity rounds to fill the top N.
    const p = new Params();
    const pop = p.nest(popular.recommendSql(ctx.models.popular, optedOut, cfg.topN * (cfg.maxPerCategory + 1), 'none'));
    parts.push({
      name: 'opted-out',
      rel: p.relation(`
        SELECT CAST(${SOURCES.indexOf('popular')} AS UTINYINT) AS prio, false AS personal, r.user_id, r.item_id,
               ${p.value(cfg.weights.popular)} * r.score / nullif(max(r.score) OVER (PARTITION BY r.user_id), 0) AS contrib,
               CAST(NULL AS BIGINT) AS ev_item, CAST(NULL AS BIGINT) AS ev_cat, r.score AS ev_n, CAST(NULL AS DOUBLE) AS ev_m,
               CAST(NULL AS VARCHAR) AS ev_text, CAST(NULL AS VARCHAR) AS ev_text2
        FROM (${pop}) r`),
    });
  }
  return parts;
}

/**
 * Steps 2-5 over `cand` (a table name or a CTE name holding `CANDIDATE_TABLE_COLUMNS` rows): final rows
 * `OUTPUT_COLUMNS` ordered by user, rank. `blocked` is a table of (user_id, item_id) bought and not
 * consumable (the bought filter), `giftCats` one of (user_id, category_id) (the gift filter); both apply to
 * `personal` rows only.
 */
export function rankSql(ctx: SourceContext, cand: string, tables: { blocked: string; giftCats: string } = { blocked: T.blocked, giftCats: T.giftCats }): Relation {
  const cfg = ctx.config;
  const p = new Params();
  const replenish = SOURCES.indexOf('replenishment');
  // The source of an item: the largest contribution (rounded to 9 decimals, so sums in another order still
  // tie), then the earlier source; as one BIGINT key (contribution in units of 1e-9, times 8, plus 7 - prio),
  // which groups far faster than a struct key. Exact while contributions stay under 1e9 (weights are small).
  return p.relation(`
    WITH agg AS (
      SELECT user_id, item_id, sum(contrib) AS score, bool_or(prio = ${replenish}) AS replenish, bool_and(personal) AS personal,
             arg_max(prio, CAST(round(contrib * 1e9) AS BIGINT) * 8 + (7 - prio)) AS prio
      FROM ${cand} GROUP BY user_id, item_id),
    kept AS (
      SELECT a.user_id, a.item_id, a.score, a.prio, c.category_id
      FROM agg a LEFT JOIN ${T.catalogue} c ON c.item_id = a.item_id
      WHERE NOT (a.personal AND NOT a.replenish AND EXISTS (SELECT 1 FROM ${tables.blocked} b WHERE b.user_id = a.user_id AND b.item_id = a.item_id))
        AND NOT (a.personal AND EXISTS (SELECT 1 FROM ${tables.giftCats} g WHERE g.user_id = a.user_id AND g.category_id = c.category_id))),
    diverse AS (
      SELECT *, row_number() OVER (PARTITION BY user_id, coalesce(category_id, -1 - item_id) ORDER BY round(score, 9) DESC, item_id) AS cat_rank FROM kept),
    ranked AS (
      SELECT user_id, item_id, score, prio,
             row_number() OVER (PARTITION BY user_id ORDER BY (cat_rank - 1) // ${p.value(cfg.maxPerCategory)}, round(score, 9) DESC, item_id) AS rank
      FROM diverse QUALIFY rank <= ${p.value(cfg.topN)}),
    labelled AS (
      SELECT r.user_id, r.rank, r.item_id, r.score, ${sourceName('r.prio')} AS source,
             e.ev_item, e.ev_cat, e.ev_n, e.ev_m, e.ev_text, e.ev_text2, it.title AS item_title, cat.name AS cat_name
      FROM ranked r
      JOIN ${cand} e ON e.user_id = r.user_id AND e.item_id = r.item_id AND e.prio = r.prio
      LEFT JOIN ${T.catalogue} it ON it.item_id = e.ev_item
      LEFT JOIN categories cat ON cat.category_id = e.ev_cat)
    SELECT CAST(user_id AS BIGINT) AS user_id, CAST(rank AS INTEGER) AS rank, CAST(item_id AS BIGINT) AS item_id, CAST(score AS DOUBLE) AS score,
           source, ${reasonSqlEn()} AS reason_en, ${reasonSqlZh()} AS reason_zh
    FROM labelled ORDER BY user_id, rank`);
}

/** prio (the index in SOURCES) back to the source's name. */
function sourceName(col: string): string {
  return `CASE ${col} ${SOURCES.map((s, i) => `WHEN ${i} THEN '${s}'`).join(' ')} END`;
}

const EMPTY = `SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS INTEGER) AS rank, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS DOUBLE) AS score,
      CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS reason_en, CAST(NULL AS VARCHAR) AS reason_zh WHERE false`;

/**
 * Final rows `user_id, rank, item_id, score, source, reason_en, reason_zh` (ordered by user, rank) for
 * `personalised` users (the blend) and `optedOut` users (popular only), as one statement. Reads the
 * prepared tables (sources/prepare.ts), including the filters' `rec_blocked` and `rec_gift_categories`.
 */
export function blendSql(ctx: SourceContext, personalised: Relation, optedOut: Relation | null): Relation {
  const parts = candidateParts(ctx, personalised, optedOut);
  if (parts.length === 0) return { sql: EMPTY, params: [] };
  const p = new Params();
  const union = parts.map((part) => `SELECT ${CANDIDATE_TABLE_COLUMNS} FROM (${p.nest(part.rel)})`).join('\nUNION ALL\n');
  const ranked = rankSql(ctx, 'cand');
  // rankSql starts with WITH: prepend the candidates as the first CTE (materialised: it is read twice).
  const body = p.nest(ranked).replace(/^\s*WITH /, '');
  return p.relation(`WITH cand AS MATERIALIZED (${union}),\n${body}`);
}
