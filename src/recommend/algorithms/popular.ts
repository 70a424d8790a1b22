/**
 * Popular items: the textbook baseline. An item's score is the number of distinct users who interacted
 * with it in training; every user gets the top k items they have not interacted with.
 *
 * Options: `count: 'weight'` sums the interactions' weights instead; `halfLifeDays` decays each
 * interaction by 0.5^(age/halfLife) (age from the latest interaction, or `asOf`), so with `count: 'users'`
 * each user adds the decay of their latest interaction with the item, with `count: 'weight'` every
 * interaction adds weight × decay.
 */
import { PortraitError } from '../../errors.js';
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import { tableNames, trainSeen } from './history.js';
import { combine, countOf, createAs, exclusion, rankedSql, recommendFor, table } from './sql.js';
import type { Algorithm, Exclude, InteractionsRelation, PopularOptions, Relation, TrainedModel, UsersRelation } from './types.js';

async function train(wh: Warehouse, interactions: InteractionsRelation, options: PopularOptions): Promise<TrainedModel> {
  const started = performance.now();
  const count = options.count ?? 'users';
  if (count !== 'users' && count !== 'weight') throw new PortraitError(`popular: count must be users or weight (got ${String(count)})`);
  const halfLife = options.halfLifeDays;
  if (halfLife !== undefined && (!Number.isFinite(halfLife) || halfLife <= 0)) {
    throw new PortraitError(`popular: half-life must be a number of days above 0 (got ${halfLife})`);
  }
  const stats = await trainSeen(wh, interactions, options);
  const seen = table(options.prefix, 'seen');
  let select: string;
  const params: SqlValue[] = [];
  if (halfLife === undefined) {
    select = count === 'users' ? `SELECT item_id, CAST(count(*) AS DOUBLE) AS score FROM ${seen} GROUP BY item_id` : `SELECT item_id, sum(w) AS score FROM ${seen} GROUP BY item_id`;
  } else {
    // Decay needs each interaction's time: read the relation again (the seen table keeps the latest only).
    const ref = options.asOf ? '$1::TIMESTAMP' : `(SELECT max(last_ts) FROM ${seen})`;
    if (options.asOf) params.push(options.asOf.toISOString());
    const decay = (ts: string) => `pow(0.5, (epoch(${ref}) - epoch(${ts})) / 86400.0 / ${Number(halfLife)})`;
    if (count === 'users') {
      select = `SELECT item_id, sum(${decay('last_ts')}) AS score FROM ${seen} GROUP BY item_id`;
    } else {
      const rel = combine([{ sql: '', params: [...params] }, interactions], ([, sql]) => sql!);
      select = `SELECT CAST(item_id AS BIGINT) AS item_id, sum(coalesce(weight, 1) * ${decay('ts')}) AS score
        FROM (${rel.sql}) i WHERE user_id IS NOT NULL AND item_id IS NOT NULL GROUP BY 1`;
      params.splice(0, params.length, ...rel.params);
    }
  }
  await wh.run(
    createAs(
      options,
      'items',
      `SELECT item_id, CAST(score AS DOUBLE) AS score,
         CAST(row_number() OVER (ORDER BY round(score, 9) DESC, item_id ASC) AS BIGINT) AS pop_rank
       FROM (${select}) s`,
    ),
    params,
  );
  const modelRows = await countOf(wh, `SELECT count(*) AS n FROM ${table(options.prefix, 'items')}`);
  return {
    algorithm: 'popular',
    prefix: options.prefix,
    options: { count, halfLifeDays: halfLife ?? null, asOf: options.asOf?.toISOString() ?? null },
    tables: tableNames(options.prefix, ['seen', 'items']),
    stats: { ...stats, modelRows },
    trainMs: performance.now() - started,
  };
}

function recommendSql(model: TrainedModel, users: UsersRelation, k: number, exclude?: Exclude): Relation {
  const items = table(model.prefix, 'items');
  const ex = exclusion(model, exclude);
  const relations = ex ? [users, ex] : [users];
  return combine(relations, ([u, x]) => {
    // A user's top k lie within the first k + (the user's excluded items) of the ranked list.
    const excluded = x
      ? `LEFT JOIN (SELECT CAST(user_id AS BIGINT) AS user_id, count(DISTINCT item_id) AS n FROM (${x}) e GROUP BY 1) s ON s.user_id = u.user_id`
      : 'LEFT JOIN (SELECT NULL::BIGINT AS user_id, 0 AS n) s ON FALSE';
    const candidates = `SELECT u.user_id, i.item_id, i.score, NULL AS evidence_item_id, i.score AS evidence_count
      FROM (SELECT DISTINCT CAST(user_id AS BIGINT) AS user_id FROM (${u}) q) u
      ${excluded}
      JOIN ${items} i ON i.pop_rank <= ${Math.floor(k)} + coalesce(s.n, 0)`;
    return rankedSql(candidates, x ?? null, k);
  });
}

export const popular: Algorithm<PopularOptions> = {
  name: 'popular',
  train,
  recommendSql,
  recommend: (wh, model, userIds, k, exclude) => recommendFor(wh, userIds, (users) => recommendSql(model, users, k, exclude)),
};
