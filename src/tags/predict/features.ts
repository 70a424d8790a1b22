/**
 * Per-user behaviour features for the model tags, computed in the engine as of a time, kept there (one
 * row of non-zero indexes and values per user) and read back in chunks of users as sparse rows. Every
 * value is a share, a log count or an average log price, so all are of a similar scale; the model
 * standardises them anyway. See docs/predict.md.
 */
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import type { SparseRows } from './logistic.js';

/** How many leaf categories (those seen by the most users) get a feature of their own. */
export const TOP_LEAVES = 300;
/** How many brands (those seen by the most users) get a feature of their own. */
export const TOP_BRANDS = 400;
/** Events per partition of users when features are computed (bounds the engine's working memory). */
export const EVENTS_PER_PARTITION = 10_000_000;


const VIEW_TYPES = `'pv', 'content_view'`;
const ACTION_TYPES = `'fav', 'cart', 'buy'`;
const LIVE_TYPES = ['live_watch', 'live_like', 'live_follow', 'live_reward', 'content_view', 'like', 'comment', 'share', 'search', 'coupon_claim'];

const VOCAB_LEAVES = 'predict_vocab_leaves';
const VOCAB_BRANDS = 'predict_vocab_brands';

/** The categories with their top-level and second-level ancestors (a CTE body). */
const ANCESTORS_SQL = `
    -- every category with its top-level (level 1) and second-level ancestors
    WITH RECURSIVE up(category_id, ancestor_id, depth) AS (
      SELECT category_id, category_id, 0 FROM categories
      UNION ALL
      SELECT up.category_id, c.parent_id, up.depth + 1 FROM up JOIN categories c ON c.category_id = up.ancestor_id
      WHERE c.parent_id IS NOT NULL AND up.depth < 20
    )
    SELECT up.category_id,
      max(up.ancestor_id) FILTER (WHERE c.level = 1) AS top_id,
      max(up.ancestor_id) FILTER (WHERE c.level = 2) AS mid_id
    FROM up JOIN categories c ON c.category_id = up.ancestor_id
    GROUP BY up.category_id`;

/**
 * The vocabulary of leaf and brand features, over all users: the leaves, then the brands, viewed by the
 * most users (ties by smaller id or name). $1 is the as-of time, $2 how many to keep.
 */
export function vocabularySql(): string[] {
  const viewed = `SELECT DISTINCT e.user_id, COALESCE(e.category_id, it.category_id) AS category_id, it.brand
    FROM events e LEFT JOIN items it ON it.item_id = e.item_id
    WHERE e.ts <= CAST($1 AS TIMESTAMP) AND e.type IN (${VIEW_TYPES})
      AND COALESCE(e.category_id, it.category_id) IN (SELECT category_id FROM categories)`;
  return [
    `CREATE OR REPLACE TABLE ${VOCAB_LEAVES} AS SELECT category_id FROM (
       SELECT category_id, count(*) AS n FROM (SELECT DISTINCT user_id, category_id FROM (${viewed})) GROUP BY category_id)
     ORDER BY n DESC, category_id LIMIT CAST($2 AS BIGINT)`,
    `CREATE OR REPLACE TABLE ${VOCAB_BRANDS} AS SELECT brand FROM (
       SELECT brand, count(*) AS n FROM (SELECT DISTINCT user_id, brand FROM (${viewed}) WHERE brand IS NOT NULL) GROUP BY brand)
     ORDER BY n DESC, brand LIMIT CAST($2 AS BIGINT)`,
  ];
}

/**
 * The SQL of the long (user_id, feature, value) table for one partition of the users (((user_id % $2) + $2) % $2 =
 * $3), so no step holds more than a partition's events; $1 is the as-of time. Reads the vocabulary
 * tables that vocabularySql makes.
 */
export function featureSql(): string {
  const typeCounts = LIVE_TYPES.map(
    (t) => `SELECT user_id, 'n:${t}' AS f, ln(1 + count(*) FILTER (WHERE type = '${t}')) AS v FROM e GROUP BY user_id`,
  ).join('\n    UNION ALL ');
  return `WITH a AS (
    SELECT CAST($1 AS TIMESTAMP) AS as_of
  ), anc AS (${ANCESTORS_SQL}
  ), e AS MATERIALIZED (
    SELECT e.user_id, e.type, e.ts, e.amount, e.live_id,
      COALESCE(e.category_id, it.category_id) AS category_id, it.price, it.brand
    FROM events e CROSS JOIN a
    LEFT JOIN items it ON it.item_id = e.item_id
    WHERE e.ts <= a.as_of AND ((e.user_id % CAST($2 AS BIGINT)) + CAST($2 AS BIGINT)) % CAST($2 AS BIGINT) = CAST($3 AS BIGINT)
  ), ec AS MATERIALIZED (
    SELECT e.user_id, e.type, e.category_id, anc.top_id, anc.mid_id, e.brand,
      CASE WHEN e.type IN (${VIEW_TYPES}) THEN 'view' WHEN e.type IN (${ACTION_TYPES}) THEN 'act' END AS kind
    FROM e JOIN anc ON anc.category_id = e.category_id
    WHERE e.type IN (${VIEW_TYPES}, ${ACTION_TYPES})
  ), kinds AS (
    SELECT user_id, kind, count(*) AS n FROM ec GROUP BY ALL
  ), shares AS (
    SELECT user_id, kind || ':top:' || top_id AS f, count(*) AS n, kind FROM ec WHERE top_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT user_id, kind || ':mid:' || mid_id, count(*), kind FROM ec WHERE mid_id IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT user_id, 'view:leaf:' || category_id, count(*), kind FROM ec
    WHERE kind = 'view' AND category_id IN (SELECT category_id FROM ${VOCAB_LEAVES}) GROUP BY ALL
    UNION ALL
    SELECT user_id, 'view:brand:' || brand, count(*), kind FROM ec
    WHERE kind = 'view' AND brand IN (SELECT brand FROM ${VOCAB_BRANDS}) GROUP BY ALL
  )
  SELECT s.user_id, s.f, CAST(s.n AS DOUBLE) / k.n AS v FROM shares s JOIN kinds k USING (user_id, kind)
  UNION ALL
  SELECT user_id, 'n:events', ln(1 + count(*)) FROM e GROUP BY user_id
  UNION ALL
  SELECT user_id, 'n:views', ln(1 + count(*) FILTER (WHERE type IN (${VIEW_TYPES}))) FROM e GROUP BY user_id
  UNION ALL
  SELECT user_id, 'n:actions', ln(1 + count(*) FILTER (WHERE type IN (${ACTION_TYPES}))) FROM e GROUP BY user_id
  UNION ALL
  ${typeCounts}
  UNION ALL
  SELECT user_id, 'live:buy_share', avg(CASE WHEN live_id IS NOT NULL THEN 1.0 ELSE 0.0 END) FROM e WHERE type = 'buy' GROUP BY user_id
  UNION ALL
  SELECT user_id, 'price:view', avg(ln(1 + price)) FROM e WHERE type = 'pv' AND price IS NOT NULL GROUP BY user_id
  UNION ALL
  SELECT user_id, 'price:buy', avg(ln(1 + amount)) FROM e WHERE type = 'buy' AND amount IS NOT NULL GROUP BY user_id
  UNION ALL
  SELECT user_id, 'hour:' || (hour(ts) // 3), count(*) / CAST(sum(count(*)) OVER (PARTITION BY user_id) AS DOUBLE)
  FROM e GROUP BY user_id, hour(ts) // 3
  UNION ALL
  SELECT user_id, 'weekend', avg(CASE WHEN isodow(ts) >= 6 THEN 1.0 ELSE 0.0 END) FROM e GROUP BY user_id`;
}

/** Temporary tables of a feature space (one connection's temp schema). */
const LONG_TABLE = 'predict_features_long';
const NAMES_TABLE = 'predict_feature_names';
const ROWS_TABLE = 'predict_feature_rows';

/**
 * Every user's features, held by the engine: one row per user with behaviour at or before as-of
 * (`user_id`, the non-zero feature indexes `js` and values `vs`), read back in chunks of users so
 * JavaScript never holds more than a chunk (plus what a caller keeps).
 */
export interface FeatureSpace {
  /** Feature names, in column order (sorted, so the same data gives the same columns). */
  names: string[];
  /** Users with features, ascending. */
  userIds: number[];
  asOf: Date;
}

/** A chunk of users' features as sparse rows, with their user ids (ascending). */
export interface FeatureChunk {
  userIds: number[];
  x: SparseRows;
}

/**
 * Computes every user's features as of `asOf` into the engine's temporary tables (bounded by its memory
 * limit; it spills to the workspace's tmp folder). Call `dropFeatures` when done.
 */
export async function prepareFeatures(ws: Workspace, asOf: Date, leaves = TOP_LEAVES, brands = TOP_BRANDS): Promise<FeatureSpace> {
  const [leavesSql, brandsSql] = vocabularySql();
  await ws.wh.run(leavesSql!, [asOf, leaves]);
  await ws.wh.run(brandsSql!, [asOf, brands]);
  // Users are split into partitions of about EVENTS_PER_PARTITION events each: the engine never holds
  // more than one partition's events and features at a time (a 100M-event world fits its memory limit).
  const [{ n }] = (await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE ts <= CAST($1 AS TIMESTAMP)', [asOf])) as [{ n: number }];
  const parts = Math.max(1, Math.ceil(Number(n) / EVENTS_PER_PARTITION));
  // Ordinary tables (not temporary ones) so the engine can keep them on disk; dropped by dropFeatures.
  await ws.wh.run(`CREATE OR REPLACE TABLE ${LONG_TABLE} (user_id BIGINT, f VARCHAR, v DOUBLE)`);
  for (let part = 0; part < parts; part++) {
    await ws.wh.run(`INSERT INTO ${LONG_TABLE} SELECT user_id, f, CAST(v AS DOUBLE) FROM (${featureSql()}) WHERE isfinite(v) AND v <> 0`, [asOf, parts, part]);
  }
  const nameRows = await ws.wh.query<{ f: string }>(`SELECT DISTINCT f FROM ${LONG_TABLE}`);
  const names = nameRows.map((r) => r.f).sort();
  await ws.wh.run(
    `CREATE OR REPLACE TABLE ${NAMES_TABLE} AS
     SELECT unnest(from_json($1, '["VARCHAR"]')) AS f, unnest(from_json($2, '["INTEGER"]')) AS j`,
    [JSON.stringify(names), JSON.stringify(names.map((_, j) => j))],
  );
  await ws.wh.run(`CREATE OR REPLACE TABLE ${ROWS_TABLE} (user_id BIGINT, js INTEGER[], vs DOUBLE[])`);
  for (let part = 0; part < parts; part++) {
    await ws.wh.run(
      `INSERT INTO ${ROWS_TABLE}
       SELECT l.user_id, list(n.j ORDER BY n.j) AS js, list(l.v ORDER BY n.j) AS vs
       FROM ${LONG_TABLE} l JOIN ${NAMES_TABLE} n USING (f)
       WHERE ((l.user_id % CAST($1 AS BIGINT)) + CAST($1 AS BIGINT)) % CAST($1 AS BIGINT) = CAST($2 AS BIGINT)
       GROUP BY l.user_id`,
      [parts, part],
    );
  }
  await ws.wh.run(`DROP TABLE ${LONG_TABLE}`);
  // Sorted by user, so reading a chunk of users touches only its own row groups.
  await ws.wh.run(`CREATE OR REPLACE TABLE ${ROWS_TABLE} AS SELECT * FROM ${ROWS_TABLE} ORDER BY user_id`);
  // Every user with an event has a row (n:events is never zero).
  const users = await ws.wh.query<{ user_id: number }>(`SELECT user_id FROM ${ROWS_TABLE} ORDER BY user_id`);
  return { names, userIds: users.map((r) => Number(r.user_id)), asOf };
}

/** Drops the working tables of `prepareFeatures`. */
export async function dropFeatures(ws: Workspace): Promise<void> {
  for (const t of [LONG_TABLE, NAMES_TABLE, ROWS_TABLE, VOCAB_LEAVES, VOCAB_BRANDS]) await ws.wh.run(`DROP TABLE IF EXISTS ${t}`);
}

/** Users per chunk read back from the engine. */
export const CHUNK_USERS = 20000;

/**
 * Reads the features of `userIds` (ascending, a subset of the space's users) in chunks of at most
 * `chunkUsers` and hands each to `visit`, in order.
 */
export async function forEachChunk(
  ws: Workspace,
  fs: FeatureSpace,
  userIds: readonly number[],
  visit: (chunk: FeatureChunk) => void | Promise<void>,
  chunkUsers = CHUNK_USERS,
): Promise<void> {
  for (let start = 0; start < userIds.length; start += chunkUsers) {
    const ids = userIds.slice(start, start + chunkUsers);
    const rows = await ws.wh.query<{ user_id: number; js: number[]; vs: number[] }>(
      `SELECT user_id, js, vs FROM ${ROWS_TABLE} WHERE user_id BETWEEN $1 AND $2 ORDER BY user_id`,
      [ids[0]!, ids[ids.length - 1]!],
    );
    const byUser = new Map(rows.map((r) => [Number(r.user_id), r]));
    let nnz = 0;
    for (const u of ids) nnz += byUser.get(u)?.js.length ?? 0;
    const ptr = new Int32Array(ids.length + 1);
    const col = new Int32Array(nnz);
    const val = new Float64Array(nnz);
    let q = 0;
    ids.forEach((u, i) => {
      const r = byUser.get(u);
      if (r) {
        for (let t = 0; t < r.js.length; t++) {
          col[q] = Number(r.js[t]);
          val[q++] = Number(r.vs[t]);
        }
      }
      ptr[i + 1] = q;
    });
    await visit({ userIds: ids, x: { rows: ids.length, cols: fs.names.length, ptr, col, val } });
  }
}

/**
 * Gathers the sparse rows of `ids` (ascending) from the feature space, chunk by chunk, into one set.
 */
export async function gatherRows(ws: Workspace, fs: FeatureSpace, ids: readonly number[]): Promise<SparseRows> {
  const parts: SparseRows[] = [];
  await forEachChunk(ws, fs, ids, (c) => {
    parts.push(c.x);
  });
  return stackRows(parts, fs.names.length);
}

/** Sparse rows stacked in order into one (for training sets gathered chunk by chunk). */
export function stackRows(parts: readonly SparseRows[], cols: number): SparseRows {
  const rows = parts.reduce((s, p) => s + p.rows, 0);
  const nnz = parts.reduce((s, p) => s + p.ptr[p.rows]!, 0);
  const ptr = new Int32Array(rows + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let r = 0;
  let q = 0;
  for (const p of parts) {
    const n = p.ptr[p.rows]!;
    col.set(p.col.subarray(0, n), q);
    val.set(p.val.subarray(0, n), q);
    for (let i = 1; i <= p.rows; i++) ptr[r + i] = q + p.ptr[i]!;
    r += p.rows;
    q += n;
  }
  return { rows, cols, ptr, col, val };
}

/** The given rows of a chunk (indexes ascending or not), as sparse rows. */
export function pickRows(x: SparseRows, rows: readonly number[]): SparseRows {
  let nnz = 0;
  for (const i of rows) nnz += x.ptr[i + 1]! - x.ptr[i]!;
  const ptr = new Int32Array(rows.length + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let q = 0;
  rows.forEach((i, r) => {
    const a = x.ptr[i]!;
    const b = x.ptr[i + 1]!;
    col.set(x.col.subarray(a, b), q);
    val.set(x.val.subarray(a, b), q);
    q += b - a;
    ptr[r + 1] = q;
  });
  return { rows: rows.length, cols: x.cols, ptr, col, val };
}
