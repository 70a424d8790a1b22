/**
 * What the benchmark times for the social graph, as stages over an opened workspace (bench/stages.ts wraps
 * each in its own process and workspace). Each returns the rows it handled and the measures worth keeping.
 */
import type { Workspace } from '../workspace/workspace.js';
import { buildSocialGraph } from './build.js';
import { communitySummaries, kolRanking } from './read.js';
import { listCampaigns, spreadTree } from './spread.js';

export interface SocialBenchStage {
  name: string;
  description: string;
  run(ws: Workspace): Promise<{ rows: number; [measure: string]: number }>;
}

export const socialBenchStages: readonly SocialBenchStage[] = [
  {
    name: 'social-build',
    description: 'social graph build: PageRank on follows and shares, Louvain on friendships (graphology), both tables swapped in',
    run: async (ws) => {
      const r = await buildSocialGraph(ws);
      const step = (name: string) => [...r.influence.steps, ...r.communities.steps].find((s) => s.step === name)?.seconds ?? 0;
      return {
        rows: r.influence.rows + r.communities.rows,
        influenceNodes: r.influence.nodes,
        influenceEdges: r.influence.edges,
        friendNodes: r.communities.nodes,
        friendEdges: r.communities.edges,
        loadFriendsSeconds: step('communities: load graph'),
        louvainSeconds: r.communities.louvainSeconds,
        pagerankSeconds: r.influence.pagerankSeconds,
      };
    },
  },
  {
    name: 'social-read',
    description: 'KOL ranking (top 100) and community portraits (every community of 10 or more) from the built tables',
    run: async (ws) => {
      const kols = await kolRanking(ws, { top: 100 });
      const communities = await communitySummaries(ws, { minSize: 10 });
      return { rows: kols.top.length + communities.shown.length, communities: communities.communities };
    },
  },
  {
    name: 'spread',
    description: 'every campaign with its reach, then the spread tree of the campaign that reached most users',
    run: async (ws) => {
      const list = await listCampaigns(ws);
      const first = list.campaigns[0];
      if (!first) return { rows: 0, campaigns: 0, depth: 0 };
      const tree = await spreadTree(ws, { campaign: first.campaign });
      return { rows: tree.nodes.length, campaigns: list.campaigns.length, depth: tree.depth };
    },
  },
];
