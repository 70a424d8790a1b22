/**
 * Offline evaluation of the recommendation algorithms on interaction files, in any warehouse (the CLI
 * uses an in-memory one). Protocol:
 *
 * - split: `leave-last-out` (each user's last interaction, by time then file order, is the test
 *   interaction; users with fewer than 2 interactions stay in training only), `time` (a global cut: the
 *   timestamp at quantile FRACTION of all interactions; interactions at or before it train, later ones
 *   test), or explicit train and test files;
 * - evaluated users: test users with at least one training interaction and at least one relevant item;
 * - relevant items of a user: the distinct test items not among the user's training items (candidates are
 *   all items not in the user's training interactions, so a test item the user already had cannot be
 *   recommended and is not counted);
 * - each algorithm trains on the training interactions (default options unless given), recommends its top
 *   K for the evaluated users (training items left out), and is scored with the metrics in metrics.ts.
 */
import { PortraitError } from '../../errors.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { ALGORITHMS, dropModel } from '../algorithms/index.js';
import type { AlgorithmName, ItemCfOptions, PopularOptions, TrainedModel, UserCfOptions } from '../algorithms/types.js';
import { computeMetrics, type Metrics } from './metrics.js';
import { readInteractions } from './read.js';

export type Split = { kind: 'leave-last-out' } | { kind: 'time'; fraction: number };

export type EvaluationInput = { interactions: string; split: Split } | { train: string; test: string };

/** Per-algorithm options (without the table prefix, which the evaluation chooses). */
export interface AlgorithmOptions {
  popular?: Omit<PopularOptions, 'prefix' | 'temporary'>;
  itemcf?: Omit<ItemCfOptions, 'prefix' | 'temporary'>;
  usercf?: Omit<UserCfOptions, 'prefix' | 'temporary'>;
}

export interface EvaluateOptions {
  k: number;
  algorithms: readonly AlgorithmName[];
  options?: AlgorithmOptions;
}

export interface AlgorithmResult {
  algorithm: AlgorithmName;
  options: Record<string, unknown>;
  metrics: Metrics;
  trainMs: number;
  recommendMs: number;
  modelRows: number;
}

export interface EvaluationReport {
  input: { interactions: string | null; train: string | null; test: string | null; split: string };
  k: number;
  data: {
    interactions: number;
    trainInteractions: number;
    testInteractions: number;
    trainUsers: number;
    trainItems: number;
    testUsers: number;
    /** Test users with no training interaction (left out). */
    coldTestUsers: number;
    /** Test users whose test items were all already in their training items (left out). */
    repeatOnlyTestUsers: number;
    evaluatedUsers: number;
    relevantItems: number;
    timeCut: string | null;
  };
  results: AlgorithmResult[];
}

const ALL = 'rec_eval_all';
const TRAIN = 'rec_eval_train';
const TEST = 'rec_eval_test';
const RELEVANT = 'rec_eval_relevant';
const USERS = 'rec_eval_users';
const RECS = 'rec_eval_recs';

/** Parses `leave-last-out` or `time:FRACTION` (0 < FRACTION < 1). */
export function parseSplit(text: string): Split {
  const t = text.trim();
  if (t === 'leave-last-out') return { kind: 'leave-last-out' };
  const m = /^time:(0?\.\d+|0|1(\.0*)?)$/.exec(t);
  if (m) {
    const fraction = Number(m[1]);
    if (fraction > 0 && fraction < 1) return { kind: 'time', fraction };
  }
  throw new PortraitError(`unknown split "${text}"`, 'use leave-last-out or time:FRACTION with 0 < FRACTION < 1, e.g. time:0.8');
}

export function splitName(split: Split): string {
  return split.kind === 'time' ? `time:${split.fraction}` : split.kind;
}

/** Reads the file(s), splits, and evaluates each algorithm. Tables it makes are TEMP and dropped at the end. */
export async function evaluateFiles(wh: Warehouse, input: EvaluationInput, options: EvaluateOptions): Promise<EvaluationReport> {
  checkOptions(options);
  try {
    let total: number;
    let timeCut: string | null = null;
    if ('interactions' in input) {
      total = await readInteractions(wh, input.interactions, ALL);
      if (total === 0) throw new PortraitError(`${input.interactions}: no interactions`);
      timeCut = await split(wh, input.split);
    } else {
      const a = await readInteractions(wh, input.train, TRAIN);
      const b = await readInteractions(wh, input.test, TEST);
      if (a === 0) throw new PortraitError(`${input.train}: no interactions`);
      total = a + b;
    }
    const { data, results } = await evaluateSplit(wh, options);
    return {
      input: {
        interactions: 'interactions' in input ? input.interactions : null,
        train: 'train' in input ? input.train : null,
        test: 'test' in input ? input.test : null,
        split: 'interactions' in input ? splitName(input.split) : 'explicit',
      },
      k: options.k,
      data: { ...data, interactions: total, timeCut },
      results,
    };
  } finally {
    for (const t of [ALL, TRAIN, TEST, RELEVANT, USERS, RECS]) await wh.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

function checkOptions(options: EvaluateOptions): void {
  if (!Number.isInteger(options.k) || options.k < 1) throw new PortraitError(`k must be a whole number of at least 1 (got ${options.k})`);
  if (options.algorithms.length === 0) throw new PortraitError('no algorithms to evaluate', `choose from ${Object.keys(ALGORITHMS).join(', ')}`);
  for (const a of options.algorithms) {
    if (!(a in ALGORITHMS)) throw new PortraitError(`unknown algorithm "${a}"`, `choose from ${Object.keys(ALGORITHMS).join(', ')}`);
  }
}

/** Splits ALL into TRAIN and TEST; returns the time cut for a time split. */
async function split(wh: Warehouse, s: Split): Promise<string | null> {
  if (s.kind === 'leave-last-out') {
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${ALL}_ranked AS
       SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, line DESC) AS from_end,
         count(*) OVER (PARTITION BY user_id) AS n FROM ${ALL}`,
    );
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${TEST} AS SELECT user_id, item_id, ts, weight, line FROM ${ALL}_ranked WHERE n >= 2 AND from_end = 1`);
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${TRAIN} AS SELECT user_id, item_id, ts, weight, line FROM ${ALL}_ranked WHERE NOT (n >= 2 AND from_end = 1)`);
    await wh.run(`DROP TABLE ${ALL}_ranked`);
    return null;
  }
  const cut = await wh.query<{ cut: string | null }>(`SELECT strftime(quantile_disc(ts, $1::DOUBLE), '%Y-%m-%d %H:%M:%S.%f') AS cut FROM ${ALL}`, [s.fraction]);
  const at = cut[0]!.cut!;
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${TRAIN} AS SELECT * FROM ${ALL} WHERE ts <= $1::TIMESTAMP`, [at]);
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${TEST} AS SELECT * FROM ${ALL} WHERE ts > $1::TIMESTAMP`, [at]);
  return at.replace(/\.0+$/, '');
}

/** Evaluates every algorithm on the TRAIN and TEST tables. */
async function evaluateSplit(
  wh: Warehouse,
  options: EvaluateOptions,
): Promise<{ data: Omit<EvaluationReport['data'], 'interactions' | 'timeCut'>; results: AlgorithmResult[] }> {
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${RELEVANT} AS
     SELECT DISTINCT t.user_id, t.item_id FROM ${TEST} t
     WHERE EXISTS (SELECT 1 FROM ${TRAIN} a WHERE a.user_id = t.user_id)
       AND NOT EXISTS (SELECT 1 FROM ${TRAIN} a WHERE a.user_id = t.user_id AND a.item_id = t.item_id)`,
  );
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${USERS} AS SELECT DISTINCT user_id FROM ${RELEVANT}`);
  const counts = (
    await wh.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM ${TRAIN}) AS train_n, (SELECT count(*) FROM ${TEST}) AS test_n,
         (SELECT count(DISTINCT user_id) FROM ${TRAIN}) AS train_users, (SELECT count(DISTINCT item_id) FROM ${TRAIN}) AS train_items,
         (SELECT count(DISTINCT user_id) FROM ${TEST}) AS test_users,
         (SELECT count(DISTINCT user_id) FROM ${TEST} t WHERE NOT EXISTS (SELECT 1 FROM ${TRAIN} a WHERE a.user_id = t.user_id)) AS cold,
         (SELECT count(*) FROM ${USERS}) AS evaluated, (SELECT count(*) FROM ${RELEVANT}) AS relevant`,
    )
  )[0]!;
  const testUsers = Number(counts.test_users);
  const cold = Number(counts.cold);
  const evaluated = Number(counts.evaluated);
  const data = {
    trainInteractions: Number(counts.train_n),
    testInteractions: Number(counts.test_n),
    trainUsers: Number(counts.train_users),
    trainItems: Number(counts.train_items),
    testUsers,
    coldTestUsers: cold,
    repeatOnlyTestUsers: testUsers - cold - evaluated,
    evaluatedUsers: evaluated,
    relevantItems: Number(counts.relevant),
  };
  if (evaluated === 0) {
    throw new PortraitError(
      'no user to evaluate: no test user has both training interactions and a test item outside their training items',
      'use a split that leaves each user some history, or a test file whose users appear in the training file',
    );
  }
  const interactions = { sql: `SELECT user_id, item_id, ts, weight FROM ${TRAIN}`, params: [] };
  const results: AlgorithmResult[] = [];
  for (const name of options.algorithms) {
    const prefix = `rec_eval_model_${name}`;
    let model: TrainedModel | null = null;
    try {
      model = await ALGORITHMS[name].train(wh, interactions, { ...(options.options?.[name] ?? {}), prefix, temporary: true });
      const started = performance.now();
      const rel = ALGORITHMS[name].recommendSql(model, { sql: `SELECT user_id FROM ${USERS}`, params: [] }, options.k);
      await wh.run(`CREATE OR REPLACE TEMP TABLE ${RECS} AS ${rel.sql}`, rel.params);
      const recommendMs = performance.now() - started;
      const metrics = await computeMetrics(wh, RECS, RELEVANT, `${prefix}_seen`, options.k);
      results.push({ algorithm: name, options: model.options, metrics, trainMs: model.trainMs, recommendMs, modelRows: model.stats.modelRows });
    } finally {
      if (model) await dropModel(wh, model);
      await wh.run(`DROP TABLE IF EXISTS ${RECS}`);
    }
  }
  return { data, results };
}
