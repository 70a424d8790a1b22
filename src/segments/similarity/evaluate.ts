/**
 * Lookalike against the synthetic world's hidden taste groups (it reads truth.users; nothing else in
 * similarity does). For each group: a share of its members (normal accounts with a portrait) is the
 * seed, everyone else with a portrait is ranked, and the rest of the group is what should come first.
 * recall@R (R = the rest of the group) = precision@R = hits in the top R / R; a random ranking expects
 * R / candidates. Nothing is written to the workspace.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { dropFeatures, prepareFeatures } from './features.js';
import { LOOKALIKE_METHODS, rankedSql, seedWeights, type LookalikeMethod } from './lookalike.js';
import { rng } from './sparse.js';
import type { FeatureSpecInput } from './spec.js';

export interface LookalikeEvaluationOptions {
  /** One taste group only (default: every group with at least `minMembers` members). */
  group?: number;
  /** Share of a group's members used as the seed (default 0.2). */
  seedShare?: number;
  /** Methods compared (default: all). */
  methods?: LookalikeMethod[];
  /** Groups smaller than this are left out (default 20). */
  minMembers?: number;
  /** Cut-off of the precision reported besides recall@R (default 100). */
  precisionAt?: number;
  seed?: number;
  spec?: FeatureSpecInput;
}

export interface GroupEvaluation {
  group: number;
  members: number;
  seeds: number;
  /** R: the rest of the group, to be found. */
  rest: number;
  candidates: number;
  /** Per method: recall@R and precision@precisionAt. */
  recall: Record<string, number>;
  precision: Record<string, number>;
  /** What a random ranking expects of both: R / candidates. */
  baseline: number;
}

export interface LookalikeEvaluation {
  users: number;
  features: number;
  seedShare: number;
  precisionAt: number;
  methods: LookalikeMethod[];
  groups: GroupEvaluation[];
  /** Means over the groups, per method. */
  meanRecall: Record<string, number>;
  meanPrecision: Record<string, number>;
  meanBaseline: number;
  /** meanRecall / meanBaseline, per method. */
  lift: Record<string, number>;
  seconds: number;
}

export async function evaluateLookalike(ws: Workspace, options: LookalikeEvaluationOptions = {}): Promise<LookalikeEvaluation> {
  const started = Date.now();
  const seedShare = options.seedShare ?? 0.2;
  if (!(seedShare > 0 && seedShare < 1)) throw new PortraitError(`seedShare must be between 0 and 1 (got ${seedShare})`);
  const methods = options.methods ?? [...LOOKALIKE_METHODS];
  const minMembers = options.minMembers ?? 20;
  const precisionAt = options.precisionAt ?? 100;
  const seed = options.seed ?? 42;
  const truth = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'truth' AND table_name = 'users'",
  );
  if (Number(truth[0]?.n ?? 0) === 0) {
    throw new PortraitError('lookalike evaluation needs a synthetic world (truth.users is missing)', 'run portrait synth, then portrait build');
  }
  const space = await prepareFeatures(ws, options.spec);
  try {
    const rows = await ws.wh.query<{ g: number; rs: number[] }>(
      `SELECT t.taste_group AS g, list(u.r ORDER BY u.r) AS rs FROM truth.users t JOIN sim_users u USING (user_id)
       WHERE t.kind = 'normal' AND t.taste_group IS NOT NULL AND ($1 IS NULL OR t.taste_group = $1)
       GROUP BY t.taste_group ORDER BY t.taste_group`,
      [options.group ?? null],
    );
    const groups: GroupEvaluation[] = [];
    for (const row of rows) {
      const members = row.rs.map(Number);
      if (members.length < minMembers) continue;
      const g = Number(row.g);
      const shuffled = shuffle(members, seed * 1000 + g);
      const nSeed = Math.max(1, Math.round(seedShare * members.length));
      const seeds = shuffled.slice(0, nSeed);
      const rest = shuffled.slice(nSeed);
      await ws.wh.run(`CREATE OR REPLACE TEMP TABLE sim_seed AS SELECT unnest(from_json($1, '["INTEGER"]')) AS r`, [JSON.stringify(seeds)]);
      await ws.wh.run(`CREATE OR REPLACE TEMP TABLE sim_pos AS SELECT unnest(from_json($1, '["INTEGER"]')) AS r`, [JSON.stringify(rest)]);
      const evaluation: GroupEvaluation = {
        group: g,
        members: members.length,
        seeds: nSeed,
        rest: rest.length,
        candidates: space.users - nSeed,
        recall: {},
        precision: {},
        baseline: rest.length / (space.users - nSeed),
      };
      for (const method of methods) {
        await seedWeights(ws, space, method, { seed });
        const hits = await ws.wh.query<{ at_r: number; at_p: number }>(
          `${rankedSql()}
           SELECT count(*) FILTER (WHERE rk <= $1) AS at_r, count(*) FILTER (WHERE rk <= $2) AS at_p
           FROM ranked WHERE r IN (SELECT r FROM sim_pos)`,
          [rest.length, precisionAt],
        );
        evaluation.recall[method] = Number(hits[0]!.at_r) / rest.length;
        evaluation.precision[method] = Number(hits[0]!.at_p) / Math.min(precisionAt, evaluation.candidates);
      }
      groups.push(evaluation);
    }
    if (groups.length === 0) throw new PortraitError(`no taste group with at least ${minMembers} members with a portrait`);
    const mean = (f: (g: GroupEvaluation) => number) => groups.reduce((s, g) => s + f(g), 0) / groups.length;
    const meanBaseline = mean((g) => g.baseline);
    const meanRecall: Record<string, number> = {};
    const meanPrecision: Record<string, number> = {};
    const lift: Record<string, number> = {};
    for (const m of methods) {
      meanRecall[m] = mean((g) => g.recall[m]!);
      meanPrecision[m] = mean((g) => g.precision[m]!);
      lift[m] = meanRecall[m] / meanBaseline;
    }
    return {
      users: space.users,
      features: space.features,
      seedShare,
      precisionAt,
      methods,
      groups,
      meanRecall,
      meanPrecision,
      meanBaseline,
      lift,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const t of ['sim_seed', 'sim_pos', 'sim_w']) await ws.wh.run(`DROP TABLE IF EXISTS ${t}`);
    await dropFeatures(ws);
  }
}

function shuffle(xs: readonly number[], seed: number): number[] {
  const next = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const k = Math.floor(next() * (i + 1));
    [out[i], out[k]] = [out[k]!, out[i]!];
  }
  return out;
}
