/**
 * User-based collaborative filtering ("people like you"), the textbook form (Resnick et al. 1994; Herlocker et al. 1999):
 *
 *   sim(u, v) = |I(u) ∩ I(v)| / sqrt(|I(u)| · |I(v)|)         cosine between users on the binary user-item matrix
 *   score(u, j) = Σ_{v ∈ N_K(u), j ∈ I(v)} sim(u, v)          N_K(u): the user's K nearest users
 *
 * Evidence: how many of the K neighbours had the item. Options as for item-CF (`useWeights`: cosine on
 * summed weights and score Σ sim(u,v) · w_vj; `shrinkage`; `neighbours` K default 20; `historyCap`
 * default 100 most recent items per user), plus `iif` (an item with n users adds 1/ln(1+n) to a pair's
 * overlap) and `maxItemUsers` (items with more users are left out of the pairing: their pairs grow as n²).
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { tableNames, trainHistory, trainSeen } from './history.js';
import { trainNeighbours } from './cooccurrence.js';
import { combine, countOf, exclusion, nonNegativeOption, rankedSql, recommendFor, table, wholeOption } from './sql.js';
import type { Algorithm, Exclude, InteractionsRelation, Relation, TrainedModel, UserCfOptions, UsersRelation } from './types.js';

export const USERCF_DEFAULTS = { neighbours: 20, historyCap: 100, shrinkage: 0, useWeights: false, iif: false } as const;

async function train(wh: Warehouse, interactions: InteractionsRelation, options: UserCfOptions): Promise<TrainedModel> {
  const started = performance.now();
  const k = wholeOption('usercf: neighbours', options.neighbours, USERCF_DEFAULTS.neighbours, 1);
  const cap = wholeOption('usercf: history cap', options.historyCap, USERCF_DEFAULTS.historyCap, 0);
  const maxItemUsers = wholeOption('usercf: max item users', options.maxItemUsers, Infinity, 2);
  const shrinkage = nonNegativeOption('usercf: shrinkage', options.shrinkage, 0);
  const useWeights = options.useWeights ?? false;
  const iif = options.iif ?? false;
  const stats = await trainSeen(wh, interactions, options);
  await trainHistory(wh, options, cap, useWeights);
  const history = table(options.prefix, 'history');
  await trainNeighbours(wh, {
    options,
    history,
    entity: 'user_id',
    context: 'item_id',
    k,
    binary: !useWeights,
    shrinkage,
    inverseFrequency: iif,
    maxContextSize: maxItemUsers,
  });
  const modelRows = await countOf(wh, `SELECT count(*) AS n FROM ${table(options.prefix, 'neighbours')}`);
  return {
    algorithm: 'usercf',
    prefix: options.prefix,
    options: {
      neighbours: k,
      historyCap: Number.isFinite(cap) && cap > 0 ? cap : null,
      shrinkage,
      useWeights,
      iif,
      maxItemUsers: Number.isFinite(maxItemUsers) ? maxItemUsers : null,
    },
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
    const candidates = `SELECT n.user_id, h.item_id, sum(n.sim * h.v) AS score, NULL AS evidence_item_id, count(*) AS evidence_count
      FROM (SELECT DISTINCT CAST(user_id AS BIGINT) AS user_id FROM (${u}) q) us
      JOIN ${neighbours} n ON n.user_id = us.user_id
      JOIN ${history} h ON h.user_id = n.neighbour_id
      GROUP BY n.user_id, h.item_id`;
    return rankedSql(candidates, x ?? null, k);
  });
}

export const usercf: Algorithm<UserCfOptions> = {
  name: 'usercf',
  train,
  recommendSql,
  recommend: (wh, model, userIds, k, exclude) => recommendFor(wh, userIds, (users) => recommendSql(model, users, k, exclude)),
};
