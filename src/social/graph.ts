/**
 * Moving a graph between the warehouse and graphology, sized for a million users: the engine aggregates
 * the edges and numbers the nodes 0..n-1 (by user id, so runs are reproducible), adjacency travels as text
 * one page of nodes at a time, and graphology holds only the dense integer keys and one weight per edge.
 * Results go back as (index, value) through a CSV file in the workspace's tmp folder, which the engine
 * joins to the node table. Working tables are temporary (this connection only).
 */
import { rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlValue, Warehouse } from '../warehouse/warehouse.js';
import { DirectedGraph, UndirectedGraph } from './graphology.js';

/** Temporary tables of a loaded graph: nodes (user_id, ix) and edges (a, b, w) by node index. */
export interface GraphTables {
  nodes: string;
  edges: string;
}

export interface LoadedGraph<G> {
  graph: G;
  tables: GraphTables;
  /** Nodes (0..order-1) and stored edges (pairs for an undirected graph). */
  order: number;
  size: number;
}

/** Seconds one step of a build took. */
export interface BuildStep {
  step: string;
  seconds: number;
}

/** Runs `work` and appends its wall-clock seconds to `steps`. */
export async function timed<T>(steps: BuildStep[], step: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    steps.push({ step, seconds: (Date.now() - started) / 1000 });
  }
}

/** Nodes per page of adjacency text read from the engine. */
const PAGE_NODES = 100_000;

/**
 * Stages `edgesSql` (columns a, b, w: user ids and a positive weight) as temporary tables
 * `${prefix}_nodes` and `${prefix}_edges` with dense node indexes. Parallel rows are summed into one edge;
 * for an undirected graph (a, b) and (b, a) are the same pair, stored once with a < b. Self-loops are
 * dropped.
 */
export async function stageGraph(wh: Warehouse, prefix: string, edgesSql: string, params: readonly SqlValue[], undirected = false): Promise<GraphTables> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`not a table prefix: ${prefix}`);
  const raw = `${prefix}_raw`;
  const nodes = `${prefix}_nodes`;
  const edges = `${prefix}_edges`;
  const [a, b] = undirected ? ['least(a, b)', 'greatest(a, b)'] : ['a', 'b'];
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${raw} AS
     SELECT ${a} AS a, ${b} AS b, sum(CAST(w AS DOUBLE)) AS w FROM (${edgesSql}) e WHERE w > 0 AND a <> b GROUP BY ALL`,
    params,
  );
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${nodes} AS
    SELECT user_id, CAST(row_number() OVER (ORDER BY user_id) - 1 AS INTEGER) AS ix
    FROM (SELECT a AS user_id FROM ${raw} UNION SELECT b FROM ${raw}) u`);
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${edges} AS
    SELECT na.ix AS a, nb.ix AS b, r.w FROM ${raw} r JOIN ${nodes} na ON na.user_id = r.a JOIN ${nodes} nb ON nb.user_id = r.b`);
  await wh.run(`DROP TABLE ${raw}`);
  return { nodes, edges };
}

export async function dropGraphTables(wh: Warehouse, tables: GraphTables): Promise<void> {
  await wh.run(`DROP TABLE IF EXISTS ${tables.nodes}`);
  await wh.run(`DROP TABLE IF EXISTS ${tables.edges}`);
}

async function countOf(wh: Warehouse, table: string): Promise<number> {
  const rows = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

/** Calls `add(a, b, w)` for every staged edge, in order of a then b (the order fixes the graph's iteration order). */
async function forEachEdge(wh: Warehouse, tables: GraphTables, order: number, add: (a: number, b: number, w: number) => void): Promise<void> {
  for (let start = 0; start < order; start += PAGE_NODES) {
    const rows = await wh.query<{ a: number; l: string }>(
      `SELECT a, string_agg(CAST(b AS VARCHAR) || ':' || CAST(w AS VARCHAR), ',' ORDER BY b) AS l
       FROM ${tables.edges} WHERE a >= $1 AND a < $2 GROUP BY a ORDER BY a`,
      [start, start + PAGE_NODES],
    );
    for (const r of rows) {
      const a = Number(r.a);
      for (const part of r.l.split(',')) {
        const c = part.indexOf(':');
        add(a, Number(part.slice(0, c)), Number(part.slice(c + 1)));
      }
    }
  }
}

/** The staged graph as a graphology DirectedGraph: node keys 0..n-1, edge attribute `weight`. */
export async function loadDirected(wh: Warehouse, tables: GraphTables): Promise<LoadedGraph<DirectedGraph>> {
  const order = await countOf(wh, tables.nodes);
  const graph = new DirectedGraph();
  for (let i = 0; i < order; i++) graph.addNode(i);
  await forEachEdge(wh, tables, order, (a, b, w) => void graph.addDirectedEdge(a, b, { weight: w }));
  return { graph, tables, order, size: graph.size };
}

/** The graph staged with `undirected` as a graphology UndirectedGraph, edge attribute `weight`. */
export async function loadUndirected(wh: Warehouse, tables: GraphTables): Promise<LoadedGraph<UndirectedGraph>> {
  const order = await countOf(wh, tables.nodes);
  const graph = new UndirectedGraph();
  for (let i = 0; i < order; i++) graph.addNode(i);
  await forEachEdge(wh, tables, order, (a, b, w) => void graph.addUndirectedEdge(a, b, { weight: w }));
  return { graph, tables, order, size: graph.size };
}

/**
 * Writes one or more numeric columns per node index into a temporary table `target` (ix INTEGER, then the
 * named DOUBLE columns) through a CSV file in `tmpDir`. `values[c][ix]` is column c of node ix; NaN is null.
 */
export async function storeNodeValues(
  wh: Warehouse,
  tmpDir: string,
  target: string,
  columns: readonly string[],
  values: readonly ArrayLike<number>[],
  order: number,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(target) || !columns.every((c) => /^[a-z_][a-z0-9_]*$/.test(c))) throw new Error('storeNodeValues: bad identifier');
  const file = join(tmpDir, `${target}-${process.pid}-${Date.now()}.csv`);
  writeFileSync(file, '');
  try {
    let chunk = '';
    for (let ix = 0; ix < order; ix++) {
      chunk += String(ix);
      for (const column of values) {
        const v = column[ix]!;
        // Doubles as JS writes them: the shortest text that reads back to the same number.
        chunk += Number.isNaN(v) ? ',' : `,${v}`;
      }
      chunk += '\n';
      if (chunk.length > 1 << 20) {
        appendFileSync(file, chunk);
        chunk = '';
      }
    }
    appendFileSync(file, chunk);
    const types = [`'ix': 'INTEGER'`, ...columns.map((c) => `'${c}': 'DOUBLE'`)].join(', ');
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${target} AS SELECT * FROM read_csv($1, header = false, auto_detect = false, delim = ',', quote = '', escape = '', columns = {${types}})`,
      [file],
    );
  } finally {
    rmSync(file, { force: true });
  }
}
