/**
 * Item-based collaborative filtering, the textbook form (Sarwar et al. 2001; Linden et al. 2003):
 *
 *   sim(i, j) = |U(i) ∩ U(j)| / sqrt(|U(i)| · |U(j)|)        cosine on the binary user-item matrix
 *   score(u, j) = Σ_{i ∈ H(u), j ∈ N_K(i)} sim(i, j)          H(u): the user's items, N_K(i): i's K nearest items
 *
 * Options (improvements, off by default except the two bounds): `useWeights` (cosine on summed behaviour
 * weights, and score(u, j) = Σ w_ui · sim(i, j)), `shrinkage` λ (sim × n_ij / (n_ij + λ)), `iuf` (a user
 * with n items adds 1/ln(1+n) to a co-occurrence), `neighbours` K (default 20) and `historyCap` (default
 * the 100 most recent items per user, in training and in scoring; bounds the pair work per user to 100²).
 *
 * The similarities and the top K are computed on typed arrays over dense indexes the engine prepared
 * (./cooccurrence.ts): each item's row of co-occurrences in a dense counter array, never a table of all
 * pairs, so time and memory follow the capped history.
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { tableNames, trainHistory, trainSeen } from './history.js';
import { trainNeighbours } from './cooccurrence.js';
import { combine, countOf, exclusion, nonNegativeOption, rankedSql, recommendFor, table, wholeOption } from './sql.js';
import type { Algorithm, Exclude, InteractionsRelation, ItemCfOptions, Relation, TrainedModel, UsersRelation } from './types.js';

export const ITEMCF_DEFAULTS = { neighbours: 20, historyCap: 100, shrinkage: 0, useWeights: false, iuf: false } as const;

async function train(wh: Warehouse, interactions: InteractionsRelation, options: ItemCfOptions): Promise<TrainedModel> {
  const started = performance.now();
  const k = wholeOption('itemcf: neighbours', options.neighbours, ITEMCF_DEFAULTS.neighbours, 1);
  const cap = wholeOption('itemcf: history cap', options.historyCap, ITEMCF_DEFAULTS.historyCap, 0);
  const shrinkage = nonNegativeOption('itemcf: shrinkage', options.shrinkage, 0);
  const useWeights = options.useWeights ?? false;
  const iuf = options.iuf ?? false;
  const stats = await trainSeen(wh, interactions, options);
  await trainHistory(wh, options, cap, useWeights);
  const history = table(options.prefix, 'history');
  await trainNeighbours(wh, {
    options,
    history,
    entity: 'item_id',
    context: 'user_id',
    k,
    binary: !useWeights,
    shrinkage,
    inverseFrequency: iuf,
    maxContextSize: Infinity,
  });
  const modelRows = await countOf(wh, `SELECT count(*) AS n FROM ${table(options.prefix, 'neighbours')}`);
  return {
    algorithm: 'itemcf',
    prefix: options.prefix,
    options: { neighbours: k, historyCap: Number.isFinite(cap) && cap > 0 ? cap : null, shrinkage, useWeights, iuf },
    tables: tableNames(options.prefix, ['seen', 'history', 'neighbours']),
    stats: { ...stats, modelRows },
    trainMs: performance.now() - started,
  };
}

function recommendSql(model: TrainedModel, users: UsersRelation, k: number, exclude?: Exclude): Relation {
  const history = table(model.prefix, 'history');
  const neighbours = table(model.prefix, 'neighbours');
  const ex = exclusion(model, exclude);
  return combine(ex ? [users, ex] : [users], ([u, x]) => {
    const candidates = `SELECT h.user_id, n.neighbour_id AS item_id, sum(h.v * n.sim) AS score,
        arg_max(h.item_id, {'c': round(h.v * n.sim, 9), 'i': -h.item_id}) AS evidence_item_id, count(*) AS evidence_count
      FROM (SELECT DISTINCT CAST(user_id AS BIGINT) AS user_id FROM (${u}) q) us
      JOIN ${history} h ON h.user_id = us.user_id
      JOIN ${neighbours} n ON n.item_id = h.item_id
      GROUP BY h.user_id, n.neighbour_id`;
    return rankedSql(candidates, x ?? null, k);
  });
}

export const itemcf: Algorithm<ItemCfOptions> = {
  name: 'itemcf',
  train,
  recommendSql,
  recommend: (wh, model, userIds, k, exclude) => recommendFor(wh, userIds, (users) => recommendSql(model, users, k, exclude)),
};
