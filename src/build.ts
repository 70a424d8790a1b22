/**
 * `portrait build`: every build stage, in order, "as of" one time (default: the newest event), so a run
 * is reproducible. Each capability that derives tables from the warehouse adds its stage here.
 */
import { buildPurchaseCycles } from './analytics/cycles/index.js';
import { buildInterestScores } from './tags/interest/index.js';
import { buildPredictions } from './tags/predict/index.js';
import type { Workspace } from './workspace/workspace.js';

export interface BuildStageReport {
  stage: string;
  rows: number;
  seconds: number;
}

export interface BuildReport {
  asOf: Date;
  stages: BuildStageReport[];
}

export async function runBuild(ws: Workspace, options: { asOf?: Date } = {}): Promise<BuildReport> {
  const stages: BuildStageReport[] = [];
  const interest = await buildInterestScores(ws, { asOf: options.asOf });
  stages.push({ stage: 'interest scores', rows: interest.rows, seconds: interest.seconds });
  const cycles = await buildPurchaseCycles(ws, { asOf: interest.asOf });
  stages.push({ stage: 'purchase cycles', rows: cycles.rows, seconds: cycles.seconds });
  const predictions = await buildPredictions(ws, { asOf: interest.asOf });
  stages.push({ stage: 'predicted attributes', rows: predictions.rows, seconds: predictions.seconds });
  return { asOf: interest.asOf, stages };
}
