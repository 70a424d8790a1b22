/**
 * `portrait build`: every build stage, in order, "as of" one time (default: the newest event), so a run
 * is reproducible. Each capability that derives tables from the warehouse adds its stage here; the tags
 * come after every stage they read, and only the lead scores, which read the tags, come after them.
 */
import { buildClvScores } from './analytics/clv/build.js';
import { buildPurchaseCycles } from './analytics/cycles/index.js';
import { requireAsOf } from './analytics/as-of.js';
import { buildRhythm } from './analytics/rhythm/index.js';
import { buildLifecycle } from './analytics/lifecycle/index.js';
import { buildInterestScores } from './tags/interest/index.js';
import { buildGiftFlags } from './tags/noise/index.js';
import { buildPredictions } from './tags/predict/index.js';
import { buildTraits } from './tags/traits/build.js';
import { buildRfm } from './segments/rfm.js';
import { buildUserRisk } from './risk/index.js';
import { buildSocialGraph } from './social/build.js';
import { rescoreStoredPlans } from './operations/scoring/index.js';
import { buildMembership } from './operations/membership/index.js';
import { buildPoints } from './operations/points/index.js';
import { buildTags } from './tags/values/build.js';
import type { Workspace } from './workspace/workspace.js';

export interface BuildStageReport {
  stage: string;
  rows: number;
  seconds: number;
  /** Something the stage could not do, e.g. too few buyers to fit a model. */
  note?: string;
}

export interface BuildReport {
  asOf: Date;
  stages: BuildStageReport[];
}

interface Stage {
  name: string;
  run(ws: Workspace, asOf: Date): Promise<{ rows: number; note?: string | undefined }>;
}

/** In order: gift flags before interest scores (which leave gifts out), tags after everything they read. */
const BUILD_STAGES: readonly Stage[] = [
  { name: 'gift flags', run: (ws, asOf) => buildGiftFlags(ws, { asOf }) },
  { name: 'interest scores', run: (ws, asOf) => buildInterestScores(ws, { asOf }) },
  { name: 'purchase cycles', run: (ws, asOf) => buildPurchaseCycles(ws, { asOf }) },
  { name: 'traits', run: (ws, asOf) => buildTraits(ws, { asOf }) },
  { name: 'behaviour rhythm', run: (ws, asOf) => buildRhythm(ws, { asOf }) },
  { name: 'lifetime value', run: (ws, asOf) => buildClvScores(ws, { asOf }) },
  { name: 'lifecycle', run: (ws, asOf) => buildLifecycle(ws, { asOf, thresholds: ws.config.lifecycle }) },
  { name: 'rfm', run: (ws, asOf) => buildRfm(ws, { asOf }) },
  { name: 'abuse risk', run: (ws, asOf) => buildUserRisk(ws, { asOf }) },
  {
    name: 'membership',
    run: async (ws, asOf) => {
      const r = await buildMembership(ws, { asOf });
      return { rows: r.rows, note: `${r.eligible.toLocaleString('en-US')} eligible for 88VIP at ${r.memberPrice} yuan` };
    },
  },
  {
    name: 'points',
    run: async (ws, asOf) => {
      const r = await buildPoints(ws, { asOf });
      return { rows: r.rows, note: `${r.entries.toLocaleString('en-US')} ledger entries` };
    },
  },
  {
    name: 'social graph',
    run: async (ws, asOf) => {
      const r = await buildSocialGraph(ws, { asOf });
      return { rows: r.influence.rows + r.communities.rows, note: `${r.communities.communities} communities` };
    },
  },
  { name: 'predicted attributes', run: (ws, asOf) => buildPredictions(ws, { asOf }) },
  {
    name: 'tags',
    run: async (ws, asOf) => {
      const r = await buildTags(ws, { asOf });
      return { rows: r.rows, note: r.skipped.length ? `${r.tags} tags; not computed: ${r.skipped.map((s) => s.key).join(', ')}` : `${r.tags} tags` };
    },
  },
  {
    // Stored scoring plans read the tags just built; their own tags are then rebuilt as of the same time.
    name: 'lead scores',
    run: async (ws) => {
      const runs = await rescoreStoredPlans(ws);
      return { rows: runs.reduce((n, r) => n + r.leads, 0), note: runs.length ? `${runs.length} plan${runs.length === 1 ? '' : 's'}` : 'no stored scoring plan' };
    },
  },
];

export async function runBuild(ws: Workspace, options: { asOf?: Date; log?: (stage: BuildStageReport) => void } = {}): Promise<BuildReport> {
  const asOf = await requireAsOf(ws.wh, options.asOf, 'build');
  const stages: BuildStageReport[] = [];
  for (const stage of BUILD_STAGES) {
    const started = Date.now();
    const result = await stage.run(ws, asOf);
    const report: BuildStageReport = { stage: stage.name, rows: result.rows, seconds: (Date.now() - started) / 1000 };
    if (result.note) report.note = result.note;
    stages.push(report);
    options.log?.(report);
  }
  return { asOf, stages };
}
