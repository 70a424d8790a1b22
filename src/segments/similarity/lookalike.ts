/**
 * Lookalike: from a seed group of users, rank every other user by how much they resemble it, and keep
 * the best N. Every method turns the seed into one weight per feature and scores a user by the dot
 * product of the weights with the user's unit-length vector, a sparse join in the engine:
 *
 * - `centroid`: the cosine to the seed's mean vector;
 * - `contrast` (default): the seed's mean minus everyone's mean (a linear discriminant with identity
 *   covariance): features common to everybody stop counting, features that set the seed apart count
 *   double;
 * - `logistic`: an L2 logistic regression of the seed against a sample of the other users.
 *
 * docs/similarity.md compares the three on the synthetic world's hidden taste groups.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PortraitError } from '../../errors.js';
import { recordAudit } from '../../privacy/audit.js';
import { consentRefusedSql } from '../../privacy/consent.js';
import { fitLogisticSparse } from '../../tags/predict/logistic.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { dropFeatures, prepareFeatures, readSample, type FeatureSpace } from './features.js';
import { sampleIndexes, type SparseMatrix } from './sparse.js';
import type { FeatureSpecInput } from './spec.js';

export const LOOKALIKE_METHODS = ['contrast', 'centroid', 'logistic'] as const;
export type LookalikeMethod = (typeof LOOKALIKE_METHODS)[number];

/** A relation of users: a query returning a column `user_id`, with its bound parameters. */
export interface UserRelation {
  sql: string;
  params: SqlValue[];
}

export interface LookalikeOptions {
  seedUsers: UserRelation;
  /** How many users to return (default 1000). */
  top?: number;
  method?: LookalikeMethod;
  /** For `logistic`: the most seed users and other users it trains on (default 20,000 each). */
  maxTrain?: number;
  seed?: number;
  spec?: FeatureSpecInput;
}

export interface LookalikeUser {
  user_id: number;
  rank: number;
  score: number;
}

export interface LookalikeResult {
  method: LookalikeMethod;
  /** Seed users with a portrait (used). */
  seeds: number;
  /** Seed users without one (no features: not used). */
  seedsWithoutPortrait: number;
  /** Users ranked: everyone with a portrait outside the seed. */
  candidates: number;
  features: number;
  users: LookalikeUser[];
  seconds: number;
}

/** Ranks every user with a portrait outside the seed by resemblance to it; returns the best `top`. */
export async function lookalike(ws: Workspace, options: LookalikeOptions): Promise<LookalikeResult> {
  const started = Date.now();
  const top = options.top ?? 1000;
  if (!Number.isInteger(top) || top < 1) throw new PortraitError(`top must be a whole number, at least 1 (got ${top})`);
  const method = options.method ?? 'contrast';
  if (!LOOKALIKE_METHODS.includes(method)) throw new PortraitError(`unknown lookalike method "${String(method)}"`, `use one of ${LOOKALIKE_METHODS.join(', ')}`);
  const space = await prepareFeatures(ws, options.spec);
  try {
    await ws.wh.run(`CREATE OR REPLACE TEMP TABLE sim_seed_ids AS SELECT DISTINCT CAST(user_id AS BIGINT) AS user_id FROM (${options.seedUsers.sql})`, options.seedUsers.params);
    await ws.wh.run('CREATE OR REPLACE TEMP TABLE sim_seed AS SELECT u.r FROM sim_seed_ids s JOIN sim_users u USING (user_id)');
    const counts = await ws.wh.query<{ all_seeds: number; seeds: number }>(
      'SELECT (SELECT count(*) FROM sim_seed_ids) AS all_seeds, (SELECT count(*) FROM sim_seed) AS seeds',
    );
    const seeds = Number(counts[0]!.seeds);
    if (seeds === 0) throw new PortraitError('no seed user has a portrait to learn from', 'check the seed ids, or run portrait build');
    await seedWeights(ws, space, method, { maxTrain: options.maxTrain, seed: options.seed });
    const rows = await ws.wh.query<{ user_id: number; rk: number; score: number }>(`${rankedSql()} SELECT user_id, rk, score FROM ranked WHERE rk <= $1 ORDER BY rk`, [top]);
    return {
      method,
      seeds,
      seedsWithoutPortrait: Number(counts[0]!.all_seeds) - seeds,
      candidates: space.users - seeds,
      features: space.features,
      users: rows.map((r) => ({ user_id: Number(r.user_id), rank: Number(r.rk), score: Number(r.score) })),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await ws.wh.run('DROP TABLE IF EXISTS sim_seed_ids');
    await ws.wh.run('DROP TABLE IF EXISTS sim_seed');
    await ws.wh.run('DROP TABLE IF EXISTS sim_w');
    await dropFeatures(ws);
  }
}

/**
 * The CTE `ranked(r, user_id, score, rk)`: every user outside `sim_seed`, scored by the weights in
 * `sim_w` (a user sharing no feature with them scores 0), best first, ties to the smaller id.
 */
export function rankedSql(): string {
  return `WITH s AS (
      SELECT x.r, sum(CAST(x.v AS DOUBLE) * w.w) AS score FROM sim_x x JOIN sim_w w USING (j) GROUP BY x.r
    ), ranked AS (
      SELECT u.r, u.user_id, coalesce(s.score, 0) AS score,
        row_number() OVER (ORDER BY round(coalesce(s.score, 0), 9) DESC, u.user_id) AS rk
      FROM sim_users u LEFT JOIN s USING (r) WHERE u.r NOT IN (SELECT r FROM sim_seed)
    )`;
}

/** Writes `sim_w(j, w)`, the per-feature weights of the seed in `sim_seed(r)`, by `method`. */
export async function seedWeights(
  ws: Workspace,
  space: FeatureSpace,
  method: LookalikeMethod,
  options: { maxTrain?: number | undefined; seed?: number | undefined } = {},
): Promise<void> {
  if (method === 'centroid') {
    await ws.wh.run(
      `CREATE OR REPLACE TEMP TABLE sim_w AS
       WITH c AS (SELECT j, sum(CAST(v AS DOUBLE)) AS w FROM sim_x WHERE r IN (SELECT r FROM sim_seed) GROUP BY j),
       n AS (SELECT sqrt(sum(w * w)) AS n FROM c)
       SELECT j, w / n AS w FROM c CROSS JOIN n WHERE n > 0`,
    );
    return;
  }
  if (method === 'contrast') {
    await ws.wh.run(
      `CREATE OR REPLACE TEMP TABLE sim_w AS
       WITH ns AS (SELECT count(*) AS n FROM sim_seed),
       seedm AS (SELECT j, sum(CAST(v AS DOUBLE)) / (SELECT n FROM ns) AS m FROM sim_x WHERE r IN (SELECT r FROM sim_seed) GROUP BY j),
       allm AS (SELECT j, sum(CAST(v AS DOUBLE)) / $1 AS m FROM sim_x GROUP BY j)
       SELECT j, coalesce(seedm.m, 0) - allm.m AS w FROM allm LEFT JOIN seedm USING (j)`,
      [space.users],
    );
    return;
  }
  // logistic: the seed (or a sample of it) against a sample of everyone else.
  const maxTrain = options.maxTrain ?? 20000;
  const seed = options.seed ?? 42;
  const seedRs = (await ws.wh.query<{ r: number }>('SELECT r FROM sim_seed ORDER BY r')).map((x) => Number(x.r));
  const positives = sampleIndexes(seedRs.length, maxTrain, seed).map((i) => seedRs[i]!);
  const inSeed = new Set(seedRs);
  const others = space.users - seedRs.length;
  if (others < 1) throw new PortraitError('every user with a portrait is in the seed: nobody left to rank');
  const wantNeg = Math.min(others, maxTrain, Math.max(2000, 5 * positives.length));
  // Draw from all users and skip seeds: a few extra draws cover them.
  const negatives: number[] = [];
  for (const r of sampleIndexes(space.users, Math.min(space.users, wantNeg + seedRs.length), seed + 1)) {
    if (!inSeed.has(r)) negatives.push(r);
    if (negatives.length >= wantNeg) break;
  }
  const rs = [...positives, ...negatives].sort((a, b) => a - b);
  const x = await readSample(ws, rs, space.features);
  const pos = new Set(positives);
  const y = Int32Array.from(rs, (r) => (pos.has(r) ? 1 : 0));
  const model = fitLogisticSparse(toFloat64(x), y, 2, { l2: 0.01, maxIterations: 200 });
  const d = model.features;
  const js: number[] = [];
  const ws_: number[] = [];
  for (let j = 0; j < d; j++) {
    const w = (model.weights[d + 1 + j]! - model.weights[j]!) / model.scale[j]!;
    if (w !== 0 && Number.isFinite(w)) {
      js.push(j);
      ws_.push(w);
    }
  }
  await ws.wh.run(
    `CREATE OR REPLACE TEMP TABLE sim_w AS
     SELECT unnest(from_json($1, '["INTEGER"]')) AS j, unnest(from_json($2, '["DOUBLE"]')) AS w`,
    [JSON.stringify(js), JSON.stringify(ws_)],
  );
}

function toFloat64(x: SparseMatrix) {
  return { rows: x.rows, cols: x.cols, ptr: x.ptr, col: x.col, val: Float64Array.from(x.val) };
}

export interface LookalikeExport {
  file: string;
  /** Users written (the kept users who allow targeting). */
  users: number;
  /** Kept users left out because they refused targeting. */
  optedOut: number;
}

/**
 * A lookalike audience as CSV (`user_id,rank,score`), like every other audience export: users who refused
 * targeting left out, refused under the workspace's minimum audience size, written beside the target and
 * renamed when complete, with its audit-log entry in the same step.
 */
export async function exportLookalike(ws: Workspace, result: LookalikeResult, out: string, options: { minSize?: number; subject?: string } = {}): Promise<LookalikeExport> {
  const refused = new Set(
    (await ws.wh.query<{ user_id: number }>(`SELECT user_id FROM (${consentRefusedSql('targeting', null)})`)).map((r) => Number(r.user_id)),
  );
  const kept = result.users.filter((u) => !refused.has(Number(u.user_id)));
  const minSize = options.minSize ?? ws.config.defaults.minAudienceSize;
  const optedOut = result.users.length - kept.length;
  if (kept.length < minSize) {
    throw new PortraitError(
      `the lookalike audience has ${kept.length} user${kept.length === 1 ? '' : 's'} who allow targeting${optedOut ? ` (${optedOut} opted out)` : ''}; an export needs at least ${minSize}`,
      'small audiences can single people out: keep more users (--top), or change defaults.minAudienceSize in portrait.json',
    );
  }
  const temp = `${out}.partial`;
  try {
    writeFileSync(temp, `user_id,rank,score\n${kept.map((u) => `${u.user_id},${u.rank},${u.score}`).join('\n')}${kept.length ? '\n' : ''}`);
    await ws.wh.transaction(async () => {
      await recordAudit(ws, {
        action: 'export',
        subject: `lookalike: ${options.subject ?? 'seed users'}`,
        rows: kept.length,
        file: resolve(out),
        details: { kind: 'lookalike', method: result.method, seeds: result.seeds, opted_out: optedOut, min_size: minSize },
      });
      renameSync(temp, out);
    });
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
  return { file: out, users: kept.length, optedOut };
}
