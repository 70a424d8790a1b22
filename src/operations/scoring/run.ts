/**
 * `portrait score` as one library call: read the plan (a file, or the id of a stored plan), validate it,
 * store it as a versioned definition, score, and describe the result (bands, histogram, best leads with
 * their reasons), exporting the best leads when asked.
 */
import { basename } from 'node:path';
import { PortraitError } from '../../errors.js';
import { storedDefinitions } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';
import { PortraitConditions, requirePortrait } from './conditions.js';
import { loadScoringPlan, type ScoringPlan } from './plan.js';
import { exportTopLeads, leadDistribution, topLeads, type Lead, type LeadDistribution, type LeadExport } from './report.js';
import { scoreLeads, type ScoringRun } from './score.js';
import { storeVersioned, type StoredDefinition } from './versioned.js';

/** Stores a validated plan as definitions/scoring/ID.json (versioned) unless the stored one is the same. */
export function storeScoringPlan(ws: Workspace, plan: ScoringPlan): StoredDefinition {
  return storeVersioned(ws, 'scoring', plan.id, plan);
}

/** The workspace's stored plans, each validated against the current tags and segments. */
export function storedScoringPlans(ws: Workspace, conditions = PortraitConditions.load(ws)): ScoringPlan[] {
  return storedDefinitions(ws, 'scoring').map(([path, json]) => {
    const plan = loadScoringPlan(json, path, conditions);
    if (basename(path) !== `${plan.id}.json`) throw new PortraitError(`${path}: id "${plan.id}" does not match the file name`);
    return plan;
  });
}

export interface ScoringOptions {
  /** How many best leads to explain (and export). Default 10. */
  top?: number;
  /** Export the best `top` leads who allow targeting to this .csv or .parquet file. */
  out?: string;
}

export interface ScoringResult {
  plan: ScoringPlan;
  stored: StoredDefinition;
  run: ScoringRun;
  distribution: LeadDistribution;
  top: Lead[];
  export: LeadExport | null;
}

/**
 * Scores with a plan given as a parsed JSON document (`where` names its file) or as a stored plan's id.
 * Nothing is stored unless the plan is valid and the portrait is built.
 */
export async function runScoringPlan(ws: Workspace, plan: { input: unknown; where: string } | { id: string }, options: ScoringOptions = {}): Promise<ScoringResult> {
  const top = options.top ?? 10;
  if (!Number.isSafeInteger(top) || top < 1) throw new PortraitError(`top must be a whole number of at least 1 (got ${top})`);
  const conditions = PortraitConditions.load(ws);
  let parsed: ScoringPlan;
  if ('id' in plan) {
    // Only this plan is read and checked: another stored plan gone stale must not block it.
    const stored = storedDefinitions(ws, 'scoring').find(([path]) => basename(path) === `${plan.id}.json`);
    if (!stored) throw new PortraitError(`unknown scoring plan "${plan.id}"`, 'give a plan file: portrait score --plan PLAN.json');
    parsed = loadScoringPlan(stored[1], stored[0], conditions);
    if (parsed.id !== plan.id) throw new PortraitError(`${stored[0]}: id "${parsed.id}" does not match the file name`);
  } else {
    parsed = loadScoringPlan(plan.input, plan.where, conditions);
  }
  await requirePortrait(ws, `scoring plan ${parsed.id}`);
  const stored = storeScoringPlan(ws, parsed);
  const run = await scoreLeads(ws, parsed);
  return {
    plan: parsed,
    stored,
    run,
    distribution: await leadDistribution(ws, parsed),
    top: await topLeads(ws, parsed, top),
    export: options.out ? await exportTopLeads(ws, parsed, top, options.out) : null,
  };
}

/** Re-scores every stored plan as of the portrait's build time (for the build, after the tags). */
export async function rescoreStoredPlans(ws: Workspace): Promise<ScoringRun[]> {
  const runs: ScoringRun[] = [];
  for (const plan of storedScoringPlans(ws)) runs.push(await scoreLeads(ws, plan));
  return runs;
}
