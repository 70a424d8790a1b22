/**
 * The neighbour step of item-CF and user-CF on typed arrays: cosine similarity between the rows of a
 * sparse matrix and each row's top K, over data the engine prepared.
 *
 * Item-CF's rows ("entities") are items and its columns ("contexts") users; user-CF is the transpose. The
 * engine gives every entity and context a dense index (entities numbered in id order, so "ties by smaller
 * id" is "ties by smaller index") and hands over each context's entities as lists, a slice of contexts at
 * a time. Here they become two compressed sparse rows (context → entities, entity → contexts), and each
 * entity's row of co-occurrences is counted in a dense counter array:
 *
 *   for e: for c in C(e): for e2 in E(c), e2 ≠ e: dot[e2] += v(c,e)·v(c,e2)·f(c); n[e2] += 1
 *
 * then sim(e, e2) = dot / sqrt(|e|²·|e2|²) (× n / (n + λ)), and the K best by (sim rounded to 9 decimals
 * descending, smaller index) are kept. Only the touched counters are read and reset, so a row costs its
 * co-occurrences, not the number of entities. The arithmetic is the SQL's, in the same order, so on the
 * binary matrix (every value 1, sums of whole numbers) the similarities are bit-for-bit those of the SQL
 * definition; with weights or IUF only the order of a floating-point sum differs.
 *
 * Memory: the two index arrays (4 bytes per (context, entity) pair, twice), one float per pair for
 * weights, counters per entity and the kept neighbours (K per entity). Nothing grows with the number of
 * distinct pairs, which is what made the SQL pair table large.
 *
 * The neighbours go back into the engine as binary column chunks (`Warehouse.appendColumns`; text
 * parameters split in the engine took six times as long), and are mapped to the original ids there.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { neighboursOf, prepare, sharedFloat64, sharedInt32, type Neighbours, type Prepared } from './cooccurrence-kernel.js';
import { createAs, table, withoutInsertionOrder } from './sql.js';
import type { BaseTrainOptions } from './types.js';

export interface NeighbourJob {
  /** The model's table prefix; work tables `{prefix}_ent`, `{prefix}_ctx`, `{prefix}_nx` are temporary and dropped. */
  options: BaseTrainOptions;
  /** The history table (quoted) with columns `item_id`, `user_id` and `v`. */
  history: string;
  /** Entity and context column names in the history table; the entity's is also the output's (the neighbour is `neighbour_id`). */
  entity: 'item_id' | 'user_id';
  context: 'item_id' | 'user_id';
  /** Neighbours kept per entity. */
  k: number;
  /** Values are all 1 (binary matrix): the counters alone give the dot products. */
  binary: boolean;
  shrinkage: number;
  /** Weight of a context with n entities in a co-occurrence: 1 (textbook) or 1/ln(1+n) (IUF / IIF). */
  inverseFrequency: boolean;
  /** Contexts with more entities than this are left out of the pairing (not of the norms). */
  maxContextSize: number;
  /** Worker threads for the counting; default: the cores (at most 8) on large inputs, else none (1). */
  threads?: number;
}

export interface NeighbourResult {
  entities: number;
  rows: number;
  timings: Record<string, number>;
}

/** Worker threads from this many (entity, context) pairs (below, the start-up costs more than it saves). */
const PARALLEL_FROM = 200_000;
const MAX_THREADS = 8;
/** Entities a worker takes at a time. */
const BLOCK = 256;

/**
 * Fills `{prefix}_neighbours` (columns `{entity}, neighbour_id, sim DOUBLE, common BIGINT`) with each
 * entity's K most similar entities (sim > 0; ties by smaller id).
 */
export async function trainNeighbours(wh: Warehouse, job: NeighbourJob): Promise<NeighbourResult> {
  // Nothing here reads a table in stored order (the context lists are sorted in ./cooccurrence.ts itself).
  return withoutInsertionOrder(wh, () => neighbourSteps(wh, job));
}

async function neighbourSteps(wh: Warehouse, job: NeighbourJob): Promise<NeighbourResult> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - t);
    t = now;
  };
  const temp = { ...job.options, temporary: true };
  const ent = table(job.options.prefix, 'ent');
  const ctx = table(job.options.prefix, 'ctx');
  const nx = table(job.options.prefix, 'nx');
  const { history, entity, context } = job;
  try {
    // Dense indexes: entities in id order (the tie-break), contexts in id order, with each context's size.
    await wh.run(
      createAs(temp, 'ent', `SELECT ${entity} AS id, CAST(row_number() OVER (ORDER BY ${entity}) - 1 AS INTEGER) AS ix, sum(v * v) AS n2 FROM ${history} GROUP BY ${entity}`),
    );
    await wh.run(
      createAs(temp, 'ctx', `SELECT ${context} AS id, CAST(row_number() OVER (ORDER BY ${context}) - 1 AS INTEGER) AS ix, CAST(count(*) AS INTEGER) AS n FROM ${history} GROUP BY ${context}`),
    );
    const sizes = await wh.query<{ ne: number; nc: number }>(`SELECT (SELECT count(*) FROM ${ent}) AS ne, (SELECT count(*) FROM ${ctx}) AS nc`);
    const nEnt = Number(sizes[0]!.ne);
    const nCtx = Number(sizes[0]!.nc);
    // Context → entities (CSR): the offsets from the sizes, then a counting sort of the (context, entity)
    // pairs as the engine streams them in any order, then each context's few entities sorted. This is the
    // engine's ORDER BY context, entity over the whole history, without its sort (a minute at 50M rows).
    const ctxStart = sharedInt32(nCtx + 1);
    await wh.scanColumns(`SELECT ix, n FROM ${ctx}`, [], (columns, rows) => {
      const ix = columns[0]!;
      const n = columns[1]!;
      for (let i = 0; i < rows; i++) ctxStart[ix[i]! + 1] = n[i]!;
    });
    for (let c = 0; c < nCtx; c++) ctxStart[c + 1] = ctxStart[c + 1]! + ctxStart[c]!;
    const nRows = ctxStart[nCtx]!;
    lap('index');

    const ctxEnt = sharedInt32(nRows);
    const ctxVal = job.binary ? null : sharedFloat64(nRows);
    const fill = ctxStart.slice(0, nCtx);
    const read = await wh.scanColumns(
      `SELECT c.ix AS c, e.ix AS e${ctxVal ? ', h.v' : ''} FROM ${history} h JOIN ${ent} e ON e.id = h.${entity} JOIN ${ctx} c ON c.id = h.${context}`,
      [],
      (columns, rows) => {
        const cs = columns[0]!;
        const es = columns[1]!;
        const vs = columns[2];
        for (let i = 0; i < rows; i++) {
          const c = cs[i]!;
          const at = fill[c]!;
          if (at >= ctxStart[c + 1]!) throw new Error('neighbours: a context has more rows than its size');
          ctxEnt[at] = es[i]!;
          if (ctxVal) ctxVal[at] = vs![i]!;
          fill[c] = at + 1;
        }
      },
    );
    if (read !== nRows) throw new Error(`neighbours: read ${read} of ${nRows} rows`);
    sortContexts(ctxStart, ctxEnt, ctxVal);
    lap('fetch');

    const prep = prepare(ctxStart, ctxEnt, ctxVal, nEnt, job);
    lap('prepare');
    const threads = job.threads ?? (prep.entCtx.length >= PARALLEL_FROM ? Math.min(MAX_THREADS, availableParallelism()) : 1);
    const result = await neighboursParallel(prep, threads);
    lap('pairs+topk');

    // Back into the engine: dense indexes, then the original ids. On the binary matrix without shrinkage
    // or inverse frequency the similarity is recomputed there from the count, with the same operations (exact), and not sent.
    const sendSim = !(job.binary && !job.inverseFrequency && !(job.shrinkage > 0));
    const cols = sendSim ? [result.ent, result.nbr, result.common, result.sim] : [result.ent, result.nbr, result.common];
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${nx} (e INTEGER, n INTEGER, common INTEGER${sendSim ? ', sim DOUBLE' : ''})`);
    await wh.appendColumns(`${job.options.prefix}_nx`, cols, { temporary: true, rows: result.rows });
    const sim = sendSim ? 'x.sim' : 'CAST(x.common AS DOUBLE) / sqrt(a.n2 * b.n2)';
    await wh.run(
      createAs(
        job.options,
        'neighbours',
        `SELECT a.id AS ${entity}, b.id AS neighbour_id, CAST(${sim} AS DOUBLE) AS sim, CAST(x.common AS BIGINT) AS common
         FROM ${nx} x JOIN ${ent} a ON a.ix = x.e JOIN ${ent} b ON b.ix = x.n`,
      ),
    );
    lap("store");
    return { entities: nEnt, rows: result.rows, timings };
  } finally {
    for (const t2 of [nx, ent, ctx]) await wh.run(`DROP TABLE IF EXISTS ${t2}`);
  }
}



/**
 * Sorts each context's entities in increasing order (the values move with them). A context lists an
 * entity once (the history has one row per user and item), so the order is total.
 */
export function sortContexts(ctxStart: Int32Array, ctxEnt: Int32Array, ctxVal: Float64Array | null): void {
  const nCtx = ctxStart.length - 1;
  let order = new Int32Array(0);
  let ents = new Int32Array(0);
  let vals = new Float64Array(0);
  for (let c = 0; c < nCtx; c++) {
    const lo = ctxStart[c]!;
    const hi = ctxStart[c + 1]!;
    const n = hi - lo;
    if (n < 2) continue;
    if (!ctxVal) {
      ctxEnt.subarray(lo, hi).sort();
    } else if (n <= 32) {
      for (let i = lo + 1; i < hi; i++) {
        const e = ctxEnt[i]!;
        const v = ctxVal[i]!;
        let j = i - 1;
        while (j >= lo && ctxEnt[j]! > e) {
          ctxEnt[j + 1] = ctxEnt[j]!;
          ctxVal[j + 1] = ctxVal[j]!;
          j--;
        }
        ctxEnt[j + 1] = e;
        ctxVal[j + 1] = v;
      }
    } else {
      if (order.length < n) {
        order = new Int32Array(n);
        ents = new Int32Array(n);
        vals = new Float64Array(n);
      }
      for (let i = 0; i < n; i++) order[i] = i;
      ents.set(ctxEnt.subarray(lo, hi));
      vals.set(ctxVal.subarray(lo, hi));
      order.subarray(0, n).sort((a, b) => ents[a]! - ents[b]!);
      for (let i = 0; i < n; i++) {
        ctxEnt[lo + i] = ents[order[i]!]!;
        ctxVal[lo + i] = vals[order[i]!]!;
      }
    }
  }
}

/**
 * Every entity's neighbours, on `threads` worker threads taking blocks of entities from a shared counter
 * (1: on this thread). The rows come back grouped by entity, blocks in any order.
 */
export async function neighboursParallel(prep: Prepared, threads: number): Promise<Neighbours> {
  if (threads <= 1) return neighboursOf(prep);
  const next = sharedInt32(1);
  // Built, the worker is a .js file next to this one; run from the .ts sources (tests, scripts under tsx),
  // the worker registers tsx itself before importing the .ts worker.
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './cooccurrence-worker.ts' : './cooccurrence-worker.js', import.meta.url);
  const spawn = (workerData: unknown) =>
    fromSources
      ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
      : new Worker(url, { workerData });
  const parts = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<Neighbours>((resolve, reject) => {
          const w = spawn({ prep, next, block: BLOCK });
          let done = false;
          w.once('message', (m: Neighbours) => {
            done = true;
            resolve(m);
          });
          w.once('error', reject);
          w.once('exit', (code) => {
            if (!done) reject(new Error(`neighbours: a worker thread stopped (exit code ${code})`));
          });
        }),
    ),
  );
  const total = parts.reduce((a, p) => a + p.rows, 0);
  const out: Neighbours = { rows: total, ent: new Int32Array(total), nbr: new Int32Array(total), sim: new Float64Array(total), common: new Int32Array(total) };
  let at = 0;
  for (const p of parts) {
    out.ent.set(p.ent.subarray(0, p.rows), at);
    out.nbr.set(p.nbr.subarray(0, p.rows), at);
    out.sim.set(p.sim.subarray(0, p.rows), at);
    out.common.set(p.common.subarray(0, p.rows), at);
    at += p.rows;
  }
  return out;
}
