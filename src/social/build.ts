/**
 * The social build stage, as of one time: the influence table (reach, conversions, score, tier) and the
 * communities of the friend graph. Both are computed into staging tables and swapped in together inside
 * one transaction, with a row describing the build, so readers never see half of a build.
 */
import { requireAsOf } from '../analytics/as-of.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { buildCommunities, type CommunityStageReport } from './communities.js';
import { parseSocialOptions, SocialBuildOptionsSchema, type SocialBuildOptions, type SocialBuildOptionsInput } from './config.js';
import { buildInfluence, type InfluenceStageReport } from './influence.js';

export const INFLUENCE_TABLE = 'social_influence';
export const COMMUNITIES_TABLE = 'social_communities';
export const SOCIAL_BUILDS_TABLE = 'social_builds';

export interface SocialBuildReport {
  asOf: Date;
  influence: InfluenceStageReport;
  communities: CommunityStageReport;
  seconds: number;
}

/** What `social_builds` says about the stored tables. */
export interface SocialBuildInfo {
  asOf: Date;
  influenceNodes: number;
  influenceEdges: number;
  friendNodes: number;
  friendEdges: number;
  communities: number;
  modularity: number | null;
  options: Omit<SocialBuildOptions, 'asOf'>;
}

export async function buildSocialGraph(ws: Workspace, input: SocialBuildOptionsInput = {}): Promise<SocialBuildReport> {
  const options = parseSocialOptions(SocialBuildOptionsSchema, input, 'social build');
  const { wh } = ws;
  const started = Date.now();
  const asOf = await requireAsOf(wh, options.asOf, 'social build');
  const influenceStaging = `${INFLUENCE_TABLE}_staging`;
  const communitiesStaging = `${COMMUNITIES_TABLE}_staging`;
  try {
    const influence = await buildInfluence(wh, asOf, options.influence, influenceStaging, ws.paths.tmp);
    const communities = await buildCommunities(wh, asOf, options.communities, communitiesStaging, ws.paths.tmp);
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${INFLUENCE_TABLE}`);
      await wh.run(`ALTER TABLE ${influenceStaging} RENAME TO ${INFLUENCE_TABLE}`);
      await wh.run(`DROP TABLE IF EXISTS ${COMMUNITIES_TABLE}`);
      await wh.run(`ALTER TABLE ${communitiesStaging} RENAME TO ${COMMUNITIES_TABLE}`);
      await wh.run(`CREATE OR REPLACE TABLE ${SOCIAL_BUILDS_TABLE} (as_of TIMESTAMP, influence_nodes BIGINT, influence_edges BIGINT,
        friend_nodes BIGINT, friend_edges BIGINT, communities BIGINT, modularity DOUBLE, options VARCHAR)`);
      await wh.run(`INSERT INTO ${SOCIAL_BUILDS_TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        asOf,
        influence.nodes,
        influence.edges,
        communities.nodes,
        communities.edges,
        communities.communities,
        communities.modularity,
        JSON.stringify({ influence: options.influence, communities: options.communities }),
      ]);
    });
    return { asOf, influence, communities, seconds: (Date.now() - started) / 1000 };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${influenceStaging}`);
    await wh.run(`DROP TABLE IF EXISTS ${communitiesStaging}`);
  }
}

/** The stored build's description, or null when the social graph has not been built. */
export async function socialBuildInfo(wh: Warehouse): Promise<SocialBuildInfo | null> {
  const exists = await wh.query<{ n: number }>(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ($1, $2, $3)`,
    [INFLUENCE_TABLE, COMMUNITIES_TABLE, SOCIAL_BUILDS_TABLE],
  );
  if (Number(exists[0]?.n) < 3) return null;
  const rows = await wh.query<Record<string, unknown>>(`SELECT * FROM ${SOCIAL_BUILDS_TABLE} LIMIT 1`);
  const r = rows[0];
  if (!r) return null;
  return {
    asOf: r.as_of as Date,
    influenceNodes: Number(r.influence_nodes),
    influenceEdges: Number(r.influence_edges),
    friendNodes: Number(r.friend_nodes),
    friendEdges: Number(r.friend_edges),
    communities: Number(r.communities),
    modularity: r.modularity === null ? null : Number(r.modularity),
    options: JSON.parse(String(r.options)) as Omit<SocialBuildOptions, 'asOf'>,
  };
}
