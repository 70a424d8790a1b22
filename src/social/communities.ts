/**
 * Communities: Louvain on the friend graph (users with at least one friend), seeded so the same data gives
 * the same communities. Communities are numbered 1, 2, ... by size (largest first), ties by their
 * smallest user id. Definitions: docs/social.md, "Communities".
 */
import { rng } from '../segments/similarity/sparse.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { CommunityOptions } from './config.js';
import { dropGraphTables, loadUndirected, stageGraph, storeNodeValues, timed, type BuildStep } from './graph.js';
import { louvain } from './graphology.js';
import { friendPairsSql } from './relations.js';

export interface CommunityStageReport {
  /** Users with at least one friend, and friendships. */
  nodes: number;
  edges: number;
  communities: number;
  /** Modularity of the partition (Newman), as Louvain computed it; null for an empty graph. */
  modularity: number | null;
  louvainSeconds: number;
  rows: number;
  /** Seconds per step: staging the friendships, loading the graph, Louvain, writing the table. */
  steps: BuildStep[];
}

/** Louvain's communities (social_w_comm) renumbered by size, then smallest user id, with each user's degree. */
function communityTableSql(target: string, nodes: string): string {
  return `CREATE OR REPLACE TABLE ${target} AS
      WITH m AS (SELECT n.user_id, CAST(c.community AS BIGINT) AS raw, CAST(c.friends AS INTEGER) AS friends
                 FROM ${nodes} n JOIN social_w_comm c USING (ix)),
      s AS (SELECT raw, count(*) AS size, min(user_id) AS first FROM m GROUP BY raw),
      r AS (SELECT raw, CAST(row_number() OVER (ORDER BY size DESC, first) AS INTEGER) AS community FROM s)
      SELECT m.user_id, r.community, m.friends FROM m JOIN r USING (raw) ORDER BY r.community, m.user_id`;
}

/** Builds `target` (a regular table, replaced): user_id, community, friends (the user's degree). */
export async function buildCommunities(wh: Warehouse, asOf: Date, options: CommunityOptions, target: string, tmpDir: string): Promise<CommunityStageReport> {
  const steps: BuildStep[] = [];
  const tables = await timed(steps, 'communities: stage friendships', () => stageGraph(wh, 'social_w_fr', `SELECT a, b, 1 AS w FROM (${friendPairsSql('$1')}) p`, [asOf], true));
  try {
    const loaded = await timed(steps, 'communities: load graph', () => loadUndirected(wh, tables));
    const { order } = loaded;
    const community = new Float64Array(order);
    const degree = new Float64Array(order);
    let modularity: number | null = null;
    await timed(steps, 'communities: Louvain', async () => {
      if (order === 0) return;
      const result = louvain.detailed(loaded.graph, { resolution: options.resolution, rng: rng(options.seed), getEdgeWeight: 'weight' });
      modularity = result.modularity;
      for (let i = 0; i < order; i++) {
        community[i] = result.communities[String(i)]!;
        degree[i] = loaded.graph.degree(String(i));
      }
    });
    const edges = loaded.size;
    loaded.graph.clear();
    await timed(steps, 'communities: table', async () => {
      await storeNodeValues(wh, tmpDir, 'social_w_comm', ['community', 'friends'], [community, degree], order);
      await wh.run(communityTableSql(target, tables.nodes));
    });
    const louvainSeconds = steps.find((s) => s.step === 'communities: Louvain')!.seconds;
    const [counts] = await wh.query<{ n: number; c: number }>(`SELECT count(*) AS n, count(DISTINCT community) AS c FROM ${target}`);
    return { nodes: order, edges, communities: Number(counts?.c ?? 0), modularity, louvainSeconds, rows: Number(counts?.n ?? 0), steps };
  } finally {
    await wh.run('DROP TABLE IF EXISTS social_w_comm');
    await dropGraphTables(wh, tables);
  }
}
