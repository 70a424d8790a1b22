/**
 * Influence: who reaches whom (PageRank on the follow/share graph) and whom they make buy (buyers whose buy
 * event carries the user as referrer, or the id of content or a live stream the user made). The score
 * combines both; tiers name the KOLs (large reach) and KOCs (smaller reach that converts). Definitions:
 * docs/social.md, "Influence".
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { InfluenceOptions } from './config.js';
import { dropGraphTables, loadDirected, stageGraph, storeNodeValues, timed, type BuildStep } from './graph.js';
import { pagerank } from './graphology.js';
import { influenceEdgesSql } from './relations.js';

export interface InfluenceStageReport {
  /** Users in the influence graph, and its weighted edges (parallel edges merged). */
  nodes: number;
  edges: number;
  /** Seconds spent in graphology's PageRank. */
  pagerankSeconds: number;
  /** Rows written to the staging table. */
  rows: number;
  /** Seconds per step: staging the edges, loading the graph, PageRank, writing the table. */
  steps: BuildStep[];
}

/**
 * Conversions driven by each user as of `$1`: distinct buyers and their buy events' amount (else list price
 * x quantity), from buys carrying the user as referrer or the id of the user's content or live stream.
 * Buying through one's own link or stream does not count. A buy credited both ways counts once per user.
 */
function conversionsSql(asOf: string): string {
  return `WITH b AS (
      SELECT e.event_id, e.user_id AS buyer, e.referrer_user_id, e.content_id, e.live_id,
        CAST(coalesce(e.amount, i.price * coalesce(e.quantity, 1)) AS DOUBLE) AS amount
      FROM events e LEFT JOIN items i ON i.item_id = e.item_id
      WHERE e.type = 'buy' AND e.ts <= CAST(${asOf} AS TIMESTAMP)
        AND (e.referrer_user_id IS NOT NULL OR e.content_id IS NOT NULL OR e.live_id IS NOT NULL)
    ), credit AS (
      SELECT referrer_user_id AS user_id, buyer, event_id, amount, true AS referred FROM b WHERE referrer_user_id IS NOT NULL
      UNION ALL
      SELECT c.creator_id, b.buyer, b.event_id, b.amount, false FROM b JOIN content c ON c.content_id = b.content_id
      UNION ALL
      SELECT l.creator_id, b.buyer, b.event_id, b.amount, false FROM b JOIN live_streams l ON l.live_id = b.live_id
    ), one AS (
      SELECT user_id, buyer, event_id, any_value(amount) AS amount, bool_or(referred) AS referred, bool_or(NOT referred) AS made
      FROM credit WHERE user_id <> buyer GROUP BY user_id, buyer, event_id
    )
    SELECT user_id, count(DISTINCT buyer) AS buyers, count(DISTINCT buyer) FILTER (WHERE referred) AS referred_buyers,
      count(DISTINCT buyer) FILTER (WHERE made) AS content_buyers, sum(amount) AS gmv
    FROM one GROUP BY user_id`;
}

/**
 * The influence table from the PageRank hand-over (social_w_pr) and the conversions. Parameters: $1 as-of,
 * $2 nodes of the graph, $3 conversion weight, $4 KOL reach, $5 KOC reach.
 */
function influenceTableSql(target: string, nodes: string): string {
  return `CREATE OR REPLACE TABLE ${target} AS
       WITH pr AS (SELECT n.user_id, p.pagerank, p.pagerank * CAST($2 AS DOUBLE) AS reach FROM ${nodes} n JOIN social_w_pr p USING (ix)),
       conv AS (${conversionsSql('$1')}),
       followers AS (SELECT dst_user_id AS user_id, count(DISTINCT src_user_id) AS followers FROM social_edges
                     WHERE kind = 'follow' AND ts <= CAST($1 AS TIMESTAMP) AND src_user_id <> dst_user_id GROUP BY 1),
       shared AS (SELECT src_user_id AS user_id, count(DISTINCT dst_user_id) AS share_recipients FROM social_edges
                  WHERE kind = 'share' AND ts <= CAST($1 AS TIMESTAMP) AND src_user_id <> dst_user_id GROUP BY 1),
       referred AS (SELECT referrer_user_id AS user_id, count(DISTINCT user_id) AS referred_users FROM events
                    WHERE referrer_user_id IS NOT NULL AND referrer_user_id <> user_id AND ts <= CAST($1 AS TIMESTAMP) GROUP BY 1),
       u AS (
         SELECT coalesce(pr.user_id, conv.user_id) AS user_id, coalesce(pr.pagerank, 0) AS pagerank, coalesce(pr.reach, 0) AS reach,
           coalesce(conv.buyers, 0) AS buyers, coalesce(conv.referred_buyers, 0) AS referred_buyers,
           coalesce(conv.content_buyers, 0) AS content_buyers, coalesce(conv.gmv, 0) AS gmv
         FROM pr FULL JOIN conv ON conv.user_id = pr.user_id),
       m AS (SELECT max(reach) AS max_reach, max(buyers) AS max_buyers FROM u),
       s AS (
         SELECT u.*, coalesce(f.followers, 0) AS followers, coalesce(sh.share_recipients, 0) AS share_recipients,
           coalesce(r.referred_users, 0) AS referred_users,
           (1 - CAST($3 AS DOUBLE)) * CASE WHEN m.max_reach > 0 THEN u.reach / m.max_reach ELSE 0 END
             + CAST($3 AS DOUBLE) * CASE WHEN m.max_buyers > 0 THEN u.buyers / m.max_buyers ELSE 0 END AS score
         FROM u CROSS JOIN m LEFT JOIN followers f USING (user_id) LEFT JOIN shared sh USING (user_id) LEFT JOIN referred r USING (user_id))
       SELECT CAST(row_number() OVER (ORDER BY round(score, 12) DESC, round(reach, 9) DESC, user_id) AS INTEGER) AS rank, user_id,
         score, reach, pagerank, CAST(followers AS BIGINT) AS followers, CAST(share_recipients AS BIGINT) AS share_recipients,
         CAST(referred_users AS BIGINT) AS referred_users, CAST(buyers AS BIGINT) AS buyers, CAST(referred_buyers AS BIGINT) AS referred_buyers,
         CAST(content_buyers AS BIGINT) AS content_buyers, gmv,
         CASE WHEN reach >= CAST($4 AS DOUBLE) THEN 'kol' WHEN reach >= CAST($5 AS DOUBLE) AND buyers >= 1 THEN 'koc' END AS tier
       FROM s ORDER BY rank`;
}

/**
 * Builds `target` (a regular table, replaced) with one row per user in the influence graph or credited with
 * a conversion: reach, conversions, score, rank and tier. Reads `social_edges`, `events`, `items`,
 * `content` and `live_streams` as of `asOf`; `tmpDir` holds the PageRank hand-over file for a moment.
 */
export async function buildInfluence(wh: Warehouse, asOf: Date, options: InfluenceOptions, target: string, tmpDir: string): Promise<InfluenceStageReport> {
  const steps: BuildStep[] = [];
  const tables = await timed(steps, 'influence: stage edges', () => stageGraph(wh, 'social_w_inf', influenceEdgesSql('$1', options.kinds), [asOf]));
  try {
    const loaded = await timed(steps, 'influence: load graph', () => loadDirected(wh, tables));
    const { order } = loaded;
    const scores = new Float64Array(order);
    await timed(steps, 'influence: PageRank', async () => {
      if (order === 0) return;
      // graphology stops when the summed change is below order x tolerance: pass the per-node share.
      const ranks = pagerank(loaded.graph, { alpha: options.alpha, tolerance: options.tolerance / order, maxIterations: 1000, getEdgeWeight: 'weight' });
      for (let i = 0; i < order; i++) scores[i] = ranks[String(i)] ?? 0;
    });
    const edges = loaded.size;
    loaded.graph.clear();
    const w = options.conversionWeight;
    await timed(steps, 'influence: conversions and table', async () => {
      await storeNodeValues(wh, tmpDir, 'social_w_pr', ['pagerank'], [scores], order);
      await wh.run(influenceTableSql(target, tables.nodes), [asOf, order, w, options.kolReach, options.kocReach]);
    });
    const rows = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${target}`);
    const pagerankSeconds = steps.find((s) => s.step === 'influence: PageRank')!.seconds;
    return { nodes: order, edges, pagerankSeconds, rows: Number(rows[0]?.n ?? 0), steps };
  } finally {
    await wh.run('DROP TABLE IF EXISTS social_w_pr');
    await dropGraphTables(wh, tables);
  }
}
