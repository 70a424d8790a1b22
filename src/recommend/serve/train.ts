/**
 * `trainRecommendations`: every user's top N, precomputed into `user_recommendations` (sorted by user, then
 * rank) so serving is a point read. Steps: the interactions as of a time, the shared source tables, the
 * models (popular, item-CF, user-CF from src/recommend/algorithms), then the blend chunk by chunk of users
 * (by user id, `chunkUsers` at a time, so a million users never sit in one sort), appended in user order into
 * a staging table that replaces the old one in one transaction. The working tables are dropped at the end.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import type { Workspace } from '../../workspace/workspace.js';
import { dropModel, itemcf, popular, usercf, type InteractionsRelation, type Relation, type TrainedModel } from '../algorithms/index.js';
import { CANDIDATE_TABLE_COLUMNS, CANDIDATE_TABLE_DDL, candidateParts, OUTPUT_COLUMNS, rankSql } from '../blend/blend.js';
import { resolveRecsConfig, type RecsConfig, type RecsConfigInput } from '../blend/config.js';
import { workspaceInteractions } from '../interactions.js';
import { dropPrepared, prepareSources } from '../sources/prepare.js';
import { scoreCollaborative } from '../sources/cfscore.js';
import { T, type SourceContext } from '../sources/types.js';
import { rememberTrained } from './read.js';

export const RECS_TABLE = 'user_recommendations';
export const RECS_BUILDS_TABLE = 'recommendation_builds';
const STAGING = 'user_recommendations_staging';

export interface TrainStep {
  step: string;
  seconds: number;
}

export interface TrainReport {
  asOf: Date;
  users: number;
  rows: number;
  chunks: number;
  seconds: number;
  steps: TrainStep[];
  /** The blend's parts, summed over chunks: the chunk's users, each source's candidates, the ranking. */
  blend: TrainStep[];
  /** Training time of each model, milliseconds. */
  models: Record<string, number>;
}

export interface TrainOptions {
  asOf?: Date;
  config?: RecsConfigInput;
  /** Keep the working tables (rec_*) for inspection. Default false. */
  keepWorkingTables?: boolean;
  log?: (step: TrainStep) => void;
}

const MODEL_PREFIX = { popular: 'rec_m_popular', itemcf: 'rec_m_itemcf', usercf: 'rec_m_usercf' } as const;

/**
 * Trains the models the blend uses (those with a positive weight; popular always, for users who opted out).
 * `temporary` keeps the model tables out of the database file: they live only for this connection, and at
 * 100M events writing them to disk cost as much as computing them.
 */
export async function trainModels(
  ws: Workspace,
  interactions: InteractionsRelation,
  asOf: Date,
  config: RecsConfig,
  temporary = false,
): Promise<SourceContext['models']> {
  const models: SourceContext['models'] = {};
  models.popular = await popular.train(ws.wh, interactions, { prefix: MODEL_PREFIX.popular, temporary, count: 'users', halfLifeDays: config.popular.halfLifeDays, asOf });
  if (config.weights.itemcf > 0) {
    const c = config.itemcf;
    models.itemcf = await itemcf.train(ws.wh, interactions, {
      prefix: MODEL_PREFIX.itemcf, temporary, neighbours: c.neighbours, historyCap: c.historyCap, shrinkage: c.shrinkage, useWeights: c.useWeights,
    });
  }
  if (config.weights.usercf > 0) {
    const c = config.usercf;
    models.usercf = await usercf.train(ws.wh, interactions, {
      prefix: MODEL_PREFIX.usercf, temporary, neighbours: c.neighbours, historyCap: c.historyCap, maxItemUsers: c.maxItemUsers, useWeights: c.useWeights,
    });
  }
  return models;
}

/**
 * The blend of every chunk appended to `target` (OUTPUT_COLUMNS) in user order: per chunk, the chunk's users
 * once, each source's candidates into one table (a statement per source, planned alone), then the ranking
 * over that table. Returns the time of each part summed over chunks.
 */
export async function blendInto(ctx: SourceContext, chunks: number, target: string): Promise<TrainStep[]> {
  const wh = ctx.wh;
  const totals = new Map<string, number>();
  const add = (name: string, since: number) => totals.set(name, (totals.get(name) ?? 0) + (Date.now() - since) / 1000);
  try {
    for (let chunk = 0; chunk < chunks; chunk++) {
      let t = Date.now();
      await wh.run(`CREATE OR REPLACE TEMP TABLE ${T.chunk} AS SELECT user_id, personalised FROM ${T.users} WHERE chunk = $1 ORDER BY user_id`, [chunk]);
      await wh.run(`CREATE OR REPLACE TEMP TABLE ${T.candidates} (${CANDIDATE_TABLE_DDL})`);
      add('chunk users', t);
      // The collaborative sources are scored in JavaScript (sources/cfscore.ts) into a table of their own.
      const overrides: Partial<Record<'itemcf' | 'usercf', Relation>> = {};
      for (const name of ['itemcf', 'usercf'] as const) {
        const model = ctx.models[name];
        if (!model || !(ctx.config.weights[name] > 0)) continue;
        t = Date.now();
        const table = `rec_cf_${name}`;
        await wh.run(`CREATE OR REPLACE TEMP TABLE ${table} (user_id BIGINT, item_id BIGINT, score DOUBLE, ev_item BIGINT, ev_n DOUBLE)`);
        await scoreCollaborative(wh, model, `(SELECT user_id FROM ${T.chunk} WHERE personalised)`, ctx.config.candidatesPerSource, table);
        overrides[name] = {
          sql: `SELECT user_id, item_id, score, ev_item, CAST(NULL AS BIGINT) AS ev_cat, ev_n, CAST(NULL AS DOUBLE) AS ev_m,
                  CAST(NULL AS VARCHAR) AS ev_text, CAST(NULL AS VARCHAR) AS ev_text2 FROM ${table}`,
          params: [],
        };
        add(`scoring ${name}`, t);
      }
      const parts = candidateParts(
        ctx,
        { sql: `SELECT user_id FROM ${T.chunk} WHERE personalised`, params: [] },
        { sql: `SELECT user_id FROM ${T.chunk} WHERE NOT personalised`, params: [] },
        overrides,
      );
      for (const part of parts) {
        t = Date.now();
        await wh.run(`INSERT INTO ${T.candidates} (${CANDIDATE_TABLE_COLUMNS}) ${part.rel.sql}`, part.rel.params);
        add(`candidates ${part.name}`, t);
      }
      t = Date.now();
      const rel = rankSql(ctx, T.candidates);
      await wh.run(`INSERT INTO ${target} (${OUTPUT_COLUMNS}) ${rel.sql}`, rel.params);
      add('ranking', t);
    }
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${T.candidates}`);
    await wh.run(`DROP TABLE IF EXISTS ${T.chunk}`);
    for (const name of ['itemcf', 'usercf']) await wh.run(`DROP TABLE IF EXISTS rec_cf_${name}`);
  }
  return [...totals].map(([step, seconds]) => ({ step, seconds: Math.round(seconds * 1000) / 1000 }));
}

export async function trainRecommendations(ws: Workspace, options: TrainOptions = {}): Promise<TrainReport> {
  const started = Date.now();
  const wh = ws.wh;
  const config = resolveRecsConfig(options.config);
  const asOf = await requireAsOf(wh, options.asOf, 'recs train');
  const steps: TrainStep[] = [];
  const timed = async <R>(step: string, work: () => Promise<R>): Promise<R> => {
    const t = Date.now();
    const r = await work();
    const s = { step, seconds: (Date.now() - t) / 1000 };
    steps.push(s);
    options.log?.(s);
    return r;
  };

  let models: SourceContext['models'] = {};
  try {
    const raw = await workspaceInteractions(wh, { asOf, weights: config.behaviour });
    const prepared = await timed('interactions and source tables', () => prepareSources(wh, raw, asOf, config));
    const interactions: InteractionsRelation = { sql: `SELECT user_id, item_id, ts, weight FROM ${T.interactions}`, params: [] };
    models = await timed('models', () => trainModels(ws, interactions, asOf, config, !options.keepWorkingTables));
    const ctx: SourceContext = { wh, asOf, config, has: prepared.has, models };

    await wh.run(`CREATE OR REPLACE TABLE ${STAGING} (user_id BIGINT, rank INTEGER, item_id BIGINT, score DOUBLE, source VARCHAR, reason_en VARCHAR, reason_zh VARCHAR)`);
    let blendSteps: TrainStep[] = [];
    await timed('blend', async () => {
      blendSteps = await blendInto(ctx, prepared.chunks, STAGING);
    });
    for (const s of blendSteps) options.log?.({ step: `blend: ${s.step}`, seconds: s.seconds });
    const [count] = await wh.query<{ n: number; users: number }>(`SELECT count(*) AS n, count(DISTINCT user_id) AS users FROM ${STAGING}`);
    const report: TrainReport = {
      asOf,
      users: Number(count!.users),
      rows: Number(count!.n),
      chunks: prepared.chunks,
      seconds: 0,
      steps,
      blend: blendSteps,
      models: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, (m as TrainedModel).trainMs])),
    };
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${RECS_TABLE}`);
      await wh.run(`ALTER TABLE ${STAGING} RENAME TO ${RECS_TABLE}`);
      await wh.run(`CREATE OR REPLACE TABLE ${RECS_BUILDS_TABLE} (as_of TIMESTAMP, users BIGINT, rows BIGINT, config VARCHAR)`);
      await wh.run(`INSERT INTO ${RECS_BUILDS_TABLE} VALUES ($1, $2, $3, $4)`, [asOf, report.users, report.rows, JSON.stringify(config)]);
    });
    rememberTrained(ws, asOf);
    report.seconds = (Date.now() - started) / 1000;
    return report;
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGING}`);
    if (!options.keepWorkingTables) {
      for (const m of Object.values(models)) if (m) await dropModel(wh, m);
      await dropPrepared(wh);
    }
  }
}
