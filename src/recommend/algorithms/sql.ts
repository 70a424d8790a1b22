/** SQL pieces shared by the algorithms: table names from a checked prefix, relations with renumbered parameters, ranking. */
import { PortraitError } from '../../errors.js';
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import type { BaseTrainOptions, Exclude, Recommendation, Relation, TrainedModel, UsersRelation } from './types.js';

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** Checks a table prefix (it becomes part of identifiers, so it never comes from a user unchecked). */
export function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix)) throw new PortraitError(`not a valid model table prefix: "${prefix}"`, 'use letters, digits and _ (not first), at most 41 characters');
  return prefix;
}

/** A model table's quoted name. */
export function table(prefix: string, part: string): string {
  return `"${checkPrefix(prefix)}_${part}"`;
}

/** Shifts `$n` placeholders in `sql` by `offset` (relations are numbered from $1 each). */
export function shiftParams(sql: string, offset: number): string {
  if (offset === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
}

/**
 * Joins relations into one statement: `build` receives each relation's SQL with its placeholders moved
 * after the previous ones' and returns the statement; the parameters are concatenated in order.
 */
export function combine(relations: readonly Relation[], build: (sqls: string[]) => string): Relation {
  const sqls: string[] = [];
  const params: SqlValue[] = [];
  for (const r of relations) {
    sqls.push(shiftParams(r.sql, params.length));
    params.push(...r.params);
  }
  return { sql: build(sqls), params };
}

/** The ranking order: score (rounded to 9 decimals so sums in a different order still tie) descending, then smaller item id. */
export const RANK_ORDER = 'round(score, 9) DESC, item_id ASC';

export function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new PortraitError(`k must be a whole number of at least 1 (got ${k})`);
  return k;
}

/** The exclusion as a relation of pairs (`null` for none). */
export function exclusion(model: TrainedModel, exclude: Exclude | undefined): Relation | null {
  if (exclude === 'none') return null;
  if (exclude === undefined || exclude === 'training') return { sql: `SELECT user_id, item_id FROM ${table(model.prefix, 'seen')}`, params: [] };
  return exclude;
}

/**
 * Final ranking of scored candidates: `candidates` selects user_id, item_id, score, evidence_item_id,
 * evidence_count; excluded pairs are dropped; each user's top k kept.
 */
export function rankedSql(candidates: string, exclude: string | null, k: number): string {
  const anti = exclude === null ? '' : `WHERE NOT EXISTS (SELECT 1 FROM (${exclude}) x WHERE x.user_id = c.user_id AND x.item_id = c.item_id)`;
  return `SELECT user_id, item_id, score, rank, evidence_item_id, evidence_count FROM (
    SELECT CAST(c.user_id AS BIGINT) AS user_id, CAST(c.item_id AS BIGINT) AS item_id, CAST(c.score AS DOUBLE) AS score,
      CAST(row_number() OVER (PARTITION BY c.user_id ORDER BY round(c.score, 9) DESC, c.item_id ASC) AS BIGINT) AS rank,
      CAST(c.evidence_item_id AS BIGINT) AS evidence_item_id, CAST(c.evidence_count AS DOUBLE) AS evidence_count
    FROM (${candidates}) c ${anti}
  ) WHERE rank <= ${checkK(k)}`;
}

/** Runs a recommendation relation for a list of users; rows by user (in the order given) then rank. */
export async function recommendFor(
  wh: Warehouse,
  userIds: readonly (number | bigint)[],
  makeSql: (users: UsersRelation) => Relation,
): Promise<Recommendation[]> {
  if (userIds.length === 0) return [];
  const ids = userIds.map((u) => BigInt(u));
  const users: UsersRelation = { sql: 'SELECT CAST(unnest($1::BIGINT[]) AS BIGINT) AS user_id', params: [listParam(ids)] };
  const rel = makeSql(users);
  const rows = await wh.query<Recommendation>(`SELECT * FROM (${rel.sql}) r`, rel.params);
  const order = new Map<string, number>();
  ids.forEach((id, i) => {
    if (!order.has(String(id))) order.set(String(id), i);
  });
  return rows
    .map((r) => ({ ...r, score: Number(r.score), rank: Number(r.rank), evidence_count: Number(r.evidence_count) }))
    .sort((a, b) => order.get(String(a.user_id))! - order.get(String(b.user_id))! || a.rank - b.rank);
}

/** A list of ids as one bound text parameter ('[1,2,3]'), cast to BIGINT[] in SQL. */
function listParam(ids: bigint[]): string {
  return `[${ids.join(',')}]`;
}

/** CREATE [TEMP] TABLE ... AS, replacing an older one. */
export function createAs(options: BaseTrainOptions, part: string, select: string): string {
  return `CREATE OR REPLACE ${options.temporary ? 'TEMP ' : ''}TABLE ${table(options.prefix, part)} AS ${select}`;
}

/** Drops every table of a model. */
export async function dropModel(wh: Warehouse, model: TrainedModel): Promise<void> {
  for (const t of model.tables) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new Error(`not a model table: ${t}`);
    await wh.run(`DROP TABLE IF EXISTS "${t}"`);
  }
}

export async function countOf(wh: Warehouse, sql: string, params: SqlValue[] = []): Promise<number> {
  const rows = await wh.query<{ n: number | bigint }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Whole number >= min, or the default. */
export function wholeOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity) return Infinity;
  if (!Number.isInteger(value) || value < min) throw new PortraitError(`${name} must be a whole number of at least ${min} (got ${value})`);
  return value;
}

export function nonNegativeOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new PortraitError(`${name} must be a number >= 0 (got ${value})`);
  return value;
}

/**
 * Runs `work` with the engine's `preserve_insertion_order` off, then puts the setting back. The training
 * tables are read only through joins, GROUP BY and ORDER BY, never in stored order, and without the
 * setting the engine writes a big CREATE TABLE AS from all its threads without re-ordering buffers.
 */
export async function withoutInsertionOrder<T>(wh: Warehouse, work: () => Promise<T>): Promise<T> {
  const rows = await wh.query<{ pio: boolean }>("SELECT current_setting('preserve_insertion_order') AS pio");
  const before = rows[0]?.pio !== false;
  if (!before) return work();
  await wh.run('SET preserve_insertion_order = false');
  try {
    return await work();
  } finally {
    await wh.run('SET preserve_insertion_order = true');
  }
}
