/**
 * Feature vectors from the stored portrait, built in the engine and kept there as temporary tables:
 *
 * - `sim_raw(user_id, f, block, v)`: every feature value before scaling (an interest score / 10, a
 *   standardised numeric tag, a one-hot 1); used to describe clusters;
 * - `sim_users(r, user_id)`: the users with at least one feature, numbered 0.. in user order;
 * - `sim_names(j, f, block)`: the features, numbered 0.. in name order;
 * - `sim_x(r, j, v)`: the unit-length vectors, sparse (only non-zero values), sorted by (r, j).
 *
 * Cosine similarity is then a join on `j` and a sum; JavaScript reads rows only in chunks (`readRows`),
 * so memory stays bounded at a million users. No user value reaches the SQL text: the spec is bound as
 * JSON parameters.
 */
import { PortraitError } from '../../errors.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveFeatureSpec, type FeatureSpec, type FeatureSpecInput } from './spec.js';
import type { SparseMatrix } from './sparse.js';

export const NUMERIC_BLOCK = 'numeric';
export const PROFILE_BLOCK = 'profile';

export interface FeatureSpace {
  spec: FeatureSpec;
  users: number;
  features: number;
  /** Features per block. */
  blocks: Record<string, number>;
  /** Tags of the spec with no value stored (not built, or a custom tag never defined). */
  missingTags: string[];
  seconds: number;
}

async function tableExists(ws: Workspace, name: string): Promise<boolean> {
  const rows = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1",
    [name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Builds every user's feature vector from `interest_scores` and `tag_values` into the temporary tables
 * above (replacing earlier ones). Call `dropFeatures` when done.
 */
export async function prepareFeatures(ws: Workspace, input: FeatureSpecInput = {}): Promise<FeatureSpace> {
  const started = Date.now();
  const spec = resolveFeatureSpec(input);
  const hasInterest = await tableExists(ws, 'interest_scores');
  const hasTags = await tableExists(ws, 'tag_values');
  if (!hasInterest && !hasTags) {
    throw new PortraitError('no portrait to compare users by: interest_scores and tag_values are missing', 'run portrait build first');
  }
  const interest = hasInterest ? spec.interest.filter((f) => f.weight > 0) : [];
  const numeric = hasTags && spec.numericWeight > 0 ? spec.numeric : [];
  const categorical = hasTags && spec.categoricalWeight > 0 ? spec.categorical : [];
  const parts: string[] = [];
  const params: SqlValue[] = [];
  const bind = (v: SqlValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (interest.length > 0) {
    parts.push(`(WITH ds AS (
        SELECT unnest(from_json(${bind(JSON.stringify(interest.map((f) => f.dimension)))}, '["VARCHAR"]')) AS dimension,
               unnest(from_json(${bind(JSON.stringify(interest.map((f) => f.top)))}, '["BIGINT"]')) AS top_n,
               unnest(from_json(${bind(JSON.stringify(interest.map((f) => f.minScore)))}, '["DOUBLE"]')) AS min_score
      ), held AS (
        SELECT i.user_id, i.dimension, i.tag, i.score FROM interest_scores i JOIN ds USING (dimension)
        WHERE i.score >= ds.min_score AND i.score > 0
      ), vocab AS (
        SELECT dimension, tag FROM (
          SELECT h.dimension, h.tag, ds.top_n,
            row_number() OVER (PARTITION BY h.dimension ORDER BY count(*) DESC, h.tag) AS rk
          FROM held h JOIN ds USING (dimension) GROUP BY h.dimension, h.tag, ds.top_n
        ) WHERE rk <= top_n
      )
      SELECT h.user_id, h.dimension || ':' || h.tag AS f, 'interest:' || h.dimension AS block, h.score / 10.0 AS v
      FROM held h JOIN vocab USING (dimension, tag))`);
  }
  if (numeric.length > 0) {
    parts.push(`(WITH ns AS (
        SELECT unnest(from_json(${bind(JSON.stringify(numeric.map((f) => f.tag)))}, '["VARCHAR"]')) AS tag,
               unnest(from_json(${bind(JSON.stringify(numeric.map((f) => f.log)))}, '["BOOLEAN"]')) AS lg
      ), nv AS (
        SELECT t.user_id, t.tag, CASE WHEN ns.lg THEN ln(1 + greatest(t.num, 0)) ELSE t.num END AS x
        FROM tag_values t JOIN ns USING (tag) WHERE t.num IS NOT NULL AND isfinite(t.num)
      ), st AS (
        SELECT tag, avg(x) AS m, stddev_pop(x) AS s FROM nv GROUP BY tag
      )
      SELECT nv.user_id, nv.tag AS f, '${NUMERIC_BLOCK}' AS block, greatest(-3.0, least(3.0, (nv.x - st.m) / st.s)) AS v
      FROM nv JOIN st USING (tag) WHERE st.s > 0)`);
  }
  if (categorical.length > 0) {
    parts.push(`(SELECT t.user_id, t.tag || '=' || t.txt AS f, '${PROFILE_BLOCK}' AS block, 1.0 AS v
      FROM tag_values t WHERE t.tag IN (SELECT unnest(from_json(${bind(JSON.stringify(categorical.map((f) => f.tag)))}, '["VARCHAR"]')))
        AND t.txt IS NOT NULL AND t.txt <> '')`);
  }
  if (parts.length === 0) throw new PortraitError('feature spec: every block is empty or weighs 0');
  await ws.wh.run(
    `CREATE OR REPLACE TEMP TABLE sim_raw AS SELECT CAST(user_id AS BIGINT) AS user_id, f, block, CAST(v AS DOUBLE) AS v
     FROM (${parts.join('\nUNION ALL\n')}) WHERE v <> 0`,
    params,
  );
  const weights = [
    ...interest.map((f) => ({ block: `interest:${f.dimension}`, weight: f.weight })),
    { block: NUMERIC_BLOCK, weight: spec.numericWeight },
    { block: PROFILE_BLOCK, weight: spec.categoricalWeight },
  ];
  await ws.wh.run(
    `CREATE OR REPLACE TEMP TABLE sim_names AS
     SELECT CAST(row_number() OVER (ORDER BY f) - 1 AS INTEGER) AS j, f, block FROM (SELECT DISTINCT f, block FROM sim_raw)`,
  );
  await ws.wh.run(
    `CREATE OR REPLACE TEMP TABLE sim_users AS
     SELECT CAST(row_number() OVER (ORDER BY user_id) - 1 AS INTEGER) AS r, user_id FROM (SELECT DISTINCT user_id FROM sim_raw)`,
  );
  await ws.wh.run(
    `CREATE OR REPLACE TEMP TABLE sim_x AS
     WITH w AS (
       SELECT unnest(from_json($1, '["VARCHAR"]')) AS block, unnest(from_json($2, '["DOUBLE"]')) AS weight
     ), bn AS (
       SELECT user_id, block, sqrt(sum(v * v)) AS n FROM sim_raw GROUP BY user_id, block
     ), x AS (
       SELECT r.user_id, r.f, r.v / bn.n * sqrt(w.weight) AS v
       FROM sim_raw r JOIN bn USING (user_id, block) JOIN w USING (block) WHERE w.weight > 0
     ), tot AS (
       SELECT user_id, sqrt(sum(v * v)) AS n FROM x GROUP BY user_id
     )
     SELECT u.r, nm.j, CAST(x.v / tot.n AS FLOAT) AS v
     FROM x JOIN tot USING (user_id) JOIN sim_users u USING (user_id) JOIN sim_names nm USING (f)
     ORDER BY u.r, nm.j`,
    [JSON.stringify(weights.map((w) => w.block)), JSON.stringify(weights.map((w) => w.weight))],
  );
  const counts = await ws.wh.query<{ block: string; n: number }>('SELECT block, count(*) AS n FROM sim_names GROUP BY block ORDER BY block');
  const users = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM sim_users');
  const wanted = [...numeric.map((f) => f.tag), ...categorical.map((f) => f.tag)];
  let missingTags: string[] = [];
  if (wanted.length > 0) {
    const present = await ws.wh.query<{ tag: string }>(
      `SELECT DISTINCT tag FROM tag_values WHERE tag IN (SELECT unnest(from_json($1, '["VARCHAR"]')))`,
      [JSON.stringify(wanted)],
    );
    const have = new Set(present.map((r) => r.tag));
    missingTags = [...new Set(wanted.filter((t) => !have.has(t)))];
  }
  const blocks: Record<string, number> = {};
  for (const c of counts) blocks[c.block] = Number(c.n);
  return {
    spec,
    users: Number(users[0]?.n ?? 0),
    features: Object.values(blocks).reduce((s, n) => s + n, 0),
    blocks,
    missingTags,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Drops the temporary tables of `prepareFeatures`. */
export async function dropFeatures(ws: Workspace): Promise<void> {
  for (const t of ['sim_x', 'sim_users', 'sim_names', 'sim_raw']) await ws.wh.run(`DROP TABLE IF EXISTS ${t}`);
}

/** Users read back per query. */
export const CHUNK_USERS = 20000;

/** The vectors of users `from <= r < to` (row numbers of sim_users), as sparse rows in r order. */
export async function readRows(ws: Workspace, from: number, to: number, cols: number): Promise<SparseMatrix> {
  const rows = await ws.wh.query<{ r: number; js: number[]; vs: number[] }>(
    `SELECT r, list(j ORDER BY j) AS js, list(v ORDER BY j) AS vs FROM sim_x WHERE r >= $1 AND r < $2 GROUP BY r ORDER BY r`,
    [from, to],
  );
  return packRows(rows, from, to - from, cols);
}

/** The vectors of the given users (row numbers, ascending), in that order; for samples. */
export async function readSample(ws: Workspace, rs: readonly number[], cols: number): Promise<SparseMatrix> {
  const rows = await ws.wh.query<{ r: number; js: number[]; vs: number[] }>(
    `SELECT r, list(j ORDER BY j) AS js, list(v ORDER BY j) AS vs FROM sim_x
     WHERE r IN (SELECT unnest(from_json($1, '["INTEGER"]'))) GROUP BY r ORDER BY r`,
    [JSON.stringify(rs)],
  );
  const at = new Map(rs.map((r, i) => [r, i]));
  const ordered = rows.map((row) => ({ ...row, r: at.get(Number(row.r))! }));
  return packRows(ordered, 0, rs.length, cols);
}

function packRows(rows: { r: number; js: number[]; vs: number[] }[], base: number, n: number, cols: number): SparseMatrix {
  let nnz = 0;
  for (const row of rows) nnz += row.js.length;
  const ptr = new Int32Array(n + 1);
  const col = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  const counts = new Int32Array(n);
  for (const row of rows) counts[Number(row.r) - base] = row.js.length;
  for (let i = 0; i < n; i++) ptr[i + 1] = ptr[i]! + counts[i]!;
  for (const row of rows) {
    let q = ptr[Number(row.r) - base]!;
    for (let t = 0; t < row.js.length; t++) {
      col[q] = Number(row.js[t]);
      val[q++] = Number(row.vs[t]);
    }
  }
  return { rows: n, cols, ptr, col, val };
}
