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
 * The co-occurrence is counted once per unordered pair (i < j) and mirrored after, halving the work.
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { tableNames, trainHistory, trainSeen } from './history.js';
import { combine, countOf, createAs, exclusion, nonNegativeOption, rankedSql, recommendFor, table, wholeOption } from './sql.js';
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
  const norms = table(options.prefix, 'norms');
  const pairs = table(options.prefix, 'pairs');
  // ||i||² over the (capped) history.
  await wh.run(createAs({ ...options, temporary: true }, 'norms', `SELECT item_id, sum(v * v) AS n2 FROM ${history} GROUP BY item_id`));
  const userFactor = iuf ? '1.0 / ln(1 + count(*) OVER (PARTITION BY user_id))' : '1.0';
  await wh.run(
    createAs(
      { ...options, temporary: true },
      'pairs',
      `WITH h AS (SELECT user_id, item_id, v, ${userFactor} AS f FROM ${history})
       SELECT a.item_id AS i, b.item_id AS j, sum(a.v * b.v * a.f) AS dot, count(*) AS n
       FROM h a JOIN h b ON a.user_id = b.user_id AND a.item_id < b.item_id
       GROUP BY 1, 2`,
    ),
  );
  const shrink = shrinkage > 0 ? ` * p.n / (p.n + ${shrinkage})` : '';
  await wh.run(
    createAs(
      options,
      'neighbours',
      `WITH s AS (
         SELECT p.i, p.j, p.n, p.dot / sqrt(ni.n2 * nj.n2)${shrink} AS sim
         FROM ${pairs} p JOIN ${norms} ni ON ni.item_id = p.i JOIN ${norms} nj ON nj.item_id = p.j),
       both_ways AS (SELECT i AS item_id, j AS neighbour_id, sim, n FROM s UNION ALL SELECT j, i, sim, n FROM s)
       SELECT item_id, neighbour_id, CAST(sim AS DOUBLE) AS sim, CAST(n AS BIGINT) AS common FROM both_ways
       WHERE sim > 0
       QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY round(sim, 9) DESC, neighbour_id ASC) <= ${k}`,
    ),
  );
  await wh.run(`DROP TABLE IF EXISTS ${pairs}`);
  await wh.run(`DROP TABLE IF EXISTS ${norms}`);
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
