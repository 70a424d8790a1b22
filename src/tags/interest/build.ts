/**
 * The build stage: events -> interactions -> summed weights per user and tag -> `interest_scores`.
 * Everything set-based runs in the engine (one CREATE OR REPLACE TABLE ... AS in one transaction, so a
 * failure leaves the previous table); no JavaScript runs per event. See docs/interest.md.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { PortraitError } from '../../errors.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveInterestConfig, type InterestConfig, type InterestConfigInput } from './config.js';
import { interestScoreSql } from './sigmoid.js';
import { BONUS_ACTIONS, interactionWeightSql } from './weights.js';

export const INTEREST_TABLE = 'interest_scores';
export const DIMENSIONS = ['category', 'brand', 'content_tag'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Event types that make up interactions: views (their dwell counts) and the actions that add a bonus. */
export const VIEW_TYPES = ['pv', 'content_view'] as const;
/** The event type of each bonus action; in the SQL each sets one bit of an interaction's action mask. */
const ACTION_TYPE: Record<(typeof BONUS_ACTIONS)[number], string> = {
  comment: 'comment',
  like: 'like',
  share: 'share',
  fav: 'fav',
  cart: 'cart',
  buy: 'buy',
};
/** Every event type that makes up interactions (views and bonus actions). */
export const INTERACTION_TYPES: readonly string[] = [...VIEW_TYPES, ...Object.values(ACTION_TYPE)];
const TYPES = INTERACTION_TYPES;

export interface InterestBuildOptions {
  /** Only events at or before it count; ages are measured from it. Defaults to the newest event. */
  asOf?: Date;
  /** Overrides of the defaults (nested objects merge field by field). */
  config?: InterestConfigInput;
  /**
   * Leave out the interactions stemming from gift purchases (table gift_purchases, src/tags/noise).
   * Default: when that table exists. `true` without the table fails.
   */
  excludeGifts?: boolean;
}

export interface InterestBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
}

/** The SQL and bound values that (re)create interest_scores. */
/** The table of gift purchases (src/tags/noise) whose interactions interest scores leave out when it exists. */
export const GIFT_PURCHASES_TABLE = 'gift_purchases';

/**
 * The SQL and bound values that (re)create interest_scores. With `excludeGifts`, interactions stemming from
 * a purchase in `gift_purchases` do not count: the user's interactions with the gift item from the day of
 * the purchase on (the buy, that day's views and cart, a later review) and that day's interactions in the
 * gift's category (the items compared while choosing).
 */
export function interestScoresSql(config: InterestConfig, asOf: Date | null, excludeGifts = false): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [asOf];
  const weight = interactionWeightSql(
    {
      actions: Object.fromEntries(BONUS_ACTIONS.map((a, k) => [a, `(i.actions & ${1 << k}) <> 0`])) as Record<(typeof BONUS_ACTIONS)[number], string>,
      dwell: 'i.dwell',
      age: '((epoch_us(a.as_of) - epoch_us(i.last_ts)) / 86400000000.0)',
    },
    config,
    params.length + 1,
  );
  params.push(...weight.params);
  const score = interestScoreSql('s.weight', config, params.length + 1);
  params.push(...score.params);
  const typeList = TYPES.map((t) => `'${t}'`).join(', '); // closed vocabulary from the model, not user input
  const viewList = VIEW_TYPES.map((t) => `'${t}'`).join(', ');
  const sql = `CREATE OR REPLACE TABLE ${INTEREST_TABLE} AS
  WITH a AS (
    SELECT COALESCE(CAST($1 AS TIMESTAMP), (SELECT max(ts) FROM events)) AS as_of
  ), i AS (
    -- one interaction: a user with one item (else one content piece) on one local day
    SELECT e.user_id, e.item_id,
      CASE WHEN e.item_id IS NULL THEN e.content_id END AS content_id,
      CAST(e.ts AS DATE) AS day,
      max(e.ts) AS last_ts,
      min(e.category_id) AS category_id,
      bit_or(CASE e.type ${BONUS_ACTIONS.map((a, k) => `WHEN '${ACTION_TYPE[a]}' THEN ${1 << k}`).join(' ')} ELSE 0 END) AS actions,
      sum(e.dwell_s) FILTER (WHERE e.type IN (${viewList})) AS dwell
    FROM events e, a
    WHERE e.ts <= a.as_of AND e.type IN (${typeList}) AND (e.item_id IS NOT NULL OR e.content_id IS NOT NULL)
    GROUP BY ALL
  ), w AS MATERIALIZED (
    SELECT i.user_id, i.item_id, i.content_id,
      COALESCE(i.category_id, it.category_id, c.category_id) AS category_id,
      it.brand,
      ${weight.sql} AS w
    FROM i CROSS JOIN a
    LEFT JOIN items it ON it.item_id = i.item_id
    LEFT JOIN content c ON c.content_id = i.content_id${excludeGifts ? giftExclusionSql() : ''}
  ), tags AS (
    SELECT DISTINCT content_id, tag FROM (
      SELECT content_id, trim(unnest(string_split(tags, ','))) AS tag FROM content WHERE tags IS NOT NULL
    ) WHERE tag <> ''
  ), s AS (
    SELECT user_id, 'category' AS dimension, CAST(category_id AS VARCHAR) AS tag, sum(w) AS weight, count(*) AS interactions
    FROM w WHERE category_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT user_id, 'brand', brand, sum(w), count(*)
    FROM w WHERE brand IS NOT NULL AND trim(brand) <> '' GROUP BY ALL
    UNION ALL
    SELECT w.user_id, 'content_tag', t.tag, sum(w.w), count(*)
    FROM w JOIN tags t ON t.content_id = w.content_id GROUP BY ALL
  )
  SELECT CAST(s.user_id AS BIGINT) AS user_id, CAST(s.dimension AS VARCHAR) AS dimension, CAST(s.tag AS VARCHAR) AS tag,
    CAST(s.weight AS DOUBLE) AS weight, CAST(${score.sql} AS DOUBLE) AS score,
    CAST(s.interactions AS BIGINT) AS interactions, a.as_of
  FROM s CROSS JOIN a
  ORDER BY s.user_id`;
  return { sql, params };
}

/** Anti-joins of the interactions stemming from gift purchases, appended to the weighted interactions' FROM. */
function giftExclusionSql(): string {
  return `
    LEFT JOIN (SELECT user_id, item_id, min(CAST(ts AS DATE)) AS day FROM ${GIFT_PURCHASES_TABLE} GROUP BY ALL) gi
      ON gi.user_id = i.user_id AND gi.item_id = i.item_id AND i.day >= gi.day
    LEFT JOIN (SELECT DISTINCT user_id, category_id, CAST(ts AS DATE) AS day FROM ${GIFT_PURCHASES_TABLE}) gc
      ON gc.user_id = i.user_id AND gc.day = i.day AND gc.category_id = COALESCE(i.category_id, it.category_id, c.category_id)
    WHERE gi.user_id IS NULL AND gc.user_id IS NULL`;
}

async function hasGiftTable(ws: Workspace): Promise<boolean> {
  const rows = await ws.wh.query<{ n: number | bigint }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1",
    [GIFT_PURCHASES_TABLE],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Builds interest_scores; returns the as-of time used, the rows written and the seconds taken. */
export async function buildInterestScores(ws: Workspace, options: InterestBuildOptions = {}): Promise<InterestBuildReport> {
  const started = Date.now();
  const config = resolveInterestConfig(options.config ?? {});
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) {
    throw new PortraitError('interest scores: asOf is not a valid date');
  }
  const { wh } = ws;
  return wh.transaction(async () => {
    const excludeGifts = options.excludeGifts ?? (await hasGiftTable(ws));
    const { sql, params } = interestScoresSql(config, options.asOf ?? null, excludeGifts);
    const asOf = await requireAsOf(wh, options.asOf, 'interest scores');
    await wh.run(sql, params);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${INTEREST_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
