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
 * The neighbours go back into the engine as text parameters split there (faster than a list cast), a
 * slice at a time, and are mapped to the original ids in the engine.
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { createAs, table } from './sql.js';
import type { BaseTrainOptions } from './types.js';

export interface NeighbourJob {
  /** The model's table prefix; work tables `{prefix}_ent`, `{prefix}_ctx`, `{prefix}_cx`, `{prefix}_nx` are temporary and dropped. */
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
}

export interface NeighbourResult {
  entities: number;
  rows: number;
  timings: Record<string, number>;
}

/** Rows fetched from the engine per query (as lists per context). */
const FETCH_ROWS = 1_000_000;
/** Neighbour rows sent back per statement. */
const STORE_ROWS = 500_000;

/** DuckDB's round(x, 9) for x >= 0: round half away from zero of x·1e9, divided back. */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/**
 * Fills `{prefix}_neighbours` (columns `{entity}, neighbour_id, sim DOUBLE, common BIGINT`) with each
 * entity's K most similar entities (sim > 0; ties by smaller id).
 */
export async function trainNeighbours(wh: Warehouse, job: NeighbourJob): Promise<NeighbourResult> {
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
  const cx = table(job.options.prefix, 'cx');
  const nx = table(job.options.prefix, 'nx');
  const { history, entity, context } = job;
  try {
    // Dense indexes: entities in id order (the tie-break), contexts in id order.
    await wh.run(createAs(temp, 'ent', `SELECT ${entity} AS id, CAST(row_number() OVER (ORDER BY ${entity}) - 1 AS INTEGER) AS ix FROM (SELECT DISTINCT ${entity} FROM ${history})`));
    await wh.run(createAs(temp, 'ctx', `SELECT ${context} AS id, CAST(row_number() OVER (ORDER BY ${context}) - 1 AS INTEGER) AS ix FROM (SELECT DISTINCT ${context} FROM ${history})`));
    await wh.run(
      createAs(
        temp,
        'cx',
        `SELECT c.ix AS c, e.ix AS e, h.v FROM ${history} h JOIN ${ent} e ON e.id = h.${entity} JOIN ${ctx} c ON c.id = h.${context} ORDER BY c.ix, e.ix`,
      ),
    );
    const sizes = await wh.query<{ ne: number; nc: number; nr: number }>(
      `SELECT (SELECT count(*) FROM ${ent}) AS ne, (SELECT count(*) FROM ${ctx}) AS nc, (SELECT count(*) FROM ${cx}) AS nr`,
    );
    const nEnt = Number(sizes[0]!.ne);
    const nCtx = Number(sizes[0]!.nc);
    const nRows = Number(sizes[0]!.nr);
    lap('index');

    // Context → entities (CSR), read a slice of contexts at a time.
    const ctxStart = new Int32Array(nCtx + 1);
    const ctxEnt = new Int32Array(nRows);
    const ctxVal = job.binary ? null : new Float64Array(nRows);
    const perQuery = Math.max(1, Math.floor((FETCH_ROWS * nCtx) / Math.max(1, nRows)));
    let at = 0;
    for (let lo = 0; lo < nCtx; lo += perQuery) {
      const rows = await wh.query<{ c: number; es: number[]; vs?: number[] }>(
        `SELECT c, list(e ORDER BY e) AS es${ctxVal ? ', list(v ORDER BY e) AS vs' : ''} FROM ${cx} WHERE c >= $1 AND c < $2 GROUP BY c ORDER BY c`,
        [lo, lo + perQuery],
      );
      for (const r of rows) {
        const c = Number(r.c);
        ctxStart[c] = at;
        const es = r.es;
        for (let i = 0; i < es.length; i++) ctxEnt[at + i] = es[i]!;
        if (ctxVal) {
          const vs = r.vs!;
          for (let i = 0; i < vs.length; i++) ctxVal[at + i] = vs[i]!;
        }
        at += es.length;
      }
    }
    ctxStart[nCtx] = at;
    // Every context has at least one row (the indexes come from the history), so the starts are filled in order.
    if (at !== nRows) throw new Error(`neighbours: read ${at} of ${nRows} rows`);
    await wh.run(`DROP TABLE IF EXISTS ${cx}`);
    lap('fetch');

    const result = neighboursOf(ctxStart, ctxEnt, ctxVal, nEnt, job);
    lap('pairs+topk');

    // Back into the engine: dense indexes, then the original ids.
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${nx} (e INTEGER, n INTEGER, sim DOUBLE, common INTEGER)`);
    for (let lo = 0; lo < result.rows; lo += STORE_ROWS) {
      const hi = Math.min(result.rows, lo + STORE_ROWS);
      await wh.run(
        `INSERT INTO ${nx} SELECT CAST(unnest(string_split($1, ',')) AS INTEGER), CAST(unnest(string_split($2, ',')) AS INTEGER),
           CAST(unnest(string_split($3, ',')) AS DOUBLE), CAST(unnest(string_split($4, ',')) AS INTEGER)`,
        [listText(result.ent, lo, hi), listText(result.nbr, lo, hi), listText(result.sim, lo, hi), listText(result.common, lo, hi)],
      );
    }
    await wh.run(
      createAs(
        job.options,
        'neighbours',
        `SELECT a.id AS ${entity}, b.id AS neighbour_id, x.sim, CAST(x.common AS BIGINT) AS common
         FROM ${nx} x JOIN ${ent} a ON a.ix = x.e JOIN ${ent} b ON b.ix = x.n`,
      ),
    );
    lap("store");
    if (process.env.CF_DEBUG) console.error(JSON.stringify(timings));
    return { entities: nEnt, rows: result.rows, timings };
  } finally {
    for (const t2 of [cx, nx, ent, ctx]) await wh.run(`DROP TABLE IF EXISTS ${t2}`);
  }
}

/** A slice of a typed array as comma-separated text (numbers print in their shortest round-trip form, read back exactly). */
function listText(a: Int32Array | Float64Array, lo: number, hi: number): string {
  return a.subarray(lo, hi).join(',');
}

interface Neighbours {
  rows: number;
  ent: Int32Array;
  nbr: Int32Array;
  sim: Float64Array;
  common: Int32Array;
}

/**
 * The counting itself (exported for the tests). `ctxStart`/`ctxEnt` list each context's entities in
 * increasing order, `ctxVal` their values (null: all 1).
 */
export function neighboursOf(
  ctxStart: Int32Array,
  ctxEnt: Int32Array,
  ctxVal: Float64Array | null,
  nEnt: number,
  job: Pick<NeighbourJob, 'k' | 'shrinkage' | 'inverseFrequency' | 'maxContextSize'>,
): Neighbours {
  const nCtx = ctxStart.length - 1;
  // Norms over every context; context factors; contexts taking part in the pairing.
  const norm2 = new Float64Array(nEnt);
  const factor = new Float64Array(nCtx);
  const pairs = new Uint8Array(nCtx);
  for (let c = 0; c < nCtx; c++) {
    const size = ctxStart[c + 1]! - ctxStart[c]!;
    factor[c] = job.inverseFrequency ? 1.0 / Math.log(1 + size) : 1.0;
    pairs[c] = size >= 2 && size <= job.maxContextSize ? 1 : 0;
    for (let p = ctxStart[c]!; p < ctxStart[c + 1]!; p++) {
      const v = ctxVal ? ctxVal[p]! : 1;
      const e = ctxEnt[p]!;
      norm2[e] = norm2[e]! + v * v;
    }
  }
  // Entity → (context, position of the entity in the context's list), pairing contexts only.
  const entStart = new Int32Array(nEnt + 1);
  for (let c = 0; c < nCtx; c++) if (pairs[c]) for (let p = ctxStart[c]!; p < ctxStart[c + 1]!; p++) {
        const e = ctxEnt[p]! + 1;
        entStart[e] = entStart[e]! + 1;
      }
  for (let e = 0; e < nEnt; e++) entStart[e + 1] = entStart[e + 1]! + entStart[e]!;
  const entCtx = new Int32Array(entStart[nEnt]!);
  const entPos = new Int32Array(entStart[nEnt]!);
  const fill = entStart.slice(0, nEnt);
  for (let c = 0; c < nCtx; c++) {
    if (!pairs[c]) continue;
    for (let p = ctxStart[c]!; p < ctxStart[c + 1]!; p++) {
      const e = ctxEnt[p]!;
      entCtx[fill[e]!] = c;
      entPos[fill[e]!] = p;
      fill[e] = fill[e]! + 1;
    }
  }

  const k = job.k;
  const binary = ctxVal === null && !job.inverseFrequency;
  const count = new Int32Array(nEnt);
  const dot = binary ? null : new Float64Array(nEnt);
  const touched = new Int32Array(nEnt);
  const best = new Best(k);
  const out = new Out(Math.max(1024, Math.min(nEnt * k, 1 << 20)));
  // One small function per step of a row, so that each is optimised on its own.
  for (let e = 0; e < nEnt; e++) {
    const nTouched = binary
      ? countBinary(e, entStart, entCtx, ctxStart, ctxEnt, count, touched)
      : countWeighted(e, entStart, entCtx, entPos, ctxStart, ctxEnt, ctxVal, factor, count, dot!, touched);
    // The entity met itself once per context: not a neighbour.
    count[e] = 0;
    if (dot) dot[e] = 0;
    selectBest(norm2[e]!, nTouched, touched, count, dot, norm2, job.shrinkage, best);
    out.push(e, best);
  }
  return out.result();
}

function countBinary(e: number, entStart: Int32Array, entCtx: Int32Array, ctxStart: Int32Array, ctxEnt: Int32Array, count: Int32Array, touched: Int32Array): number {
  let nTouched = 0;
  const qEnd = entStart[e + 1]!;
  for (let q = entStart[e]!; q < qEnd; q++) {
    const c = entCtx[q]!;
    const to = ctxStart[c + 1]!;
    for (let p = ctxStart[c]!; p < to; p++) {
      const e2 = ctxEnt[p]!;
      const n = count[e2]!;
      if (n === 0) touched[nTouched++] = e2;
      count[e2] = n + 1;
    }
  }
  return nTouched;
}

function countWeighted(
  e: number,
  entStart: Int32Array,
  entCtx: Int32Array,
  entPos: Int32Array,
  ctxStart: Int32Array,
  ctxEnt: Int32Array,
  ctxVal: Float64Array | null,
  factor: Float64Array,
  count: Int32Array,
  dot: Float64Array,
  touched: Int32Array,
): number {
  let nTouched = 0;
  const qEnd = entStart[e + 1]!;
  for (let q = entStart[e]!; q < qEnd; q++) {
    const c = entCtx[q]!;
    const ve = ctxVal ? ctxVal[entPos[q]!]! : 1;
    const f = factor[c]!;
    const to = ctxStart[c + 1]!;
    for (let p = ctxStart[c]!; p < to; p++) {
      const e2 = ctxEnt[p]!;
      const n = count[e2]!;
      if (n === 0) touched[nTouched++] = e2;
      count[e2] = n + 1;
      // As the SQL: a.v * b.v * a.f
      dot[e2] = dot[e2]! + ve * (ctxVal ? ctxVal[p]! : 1) * f;
    }
  }
  return nTouched;
}

/** The row's K best, sorted by (rounded sim desc, index asc). */
class Best {
  size = 0;
  readonly ix: Int32Array;
  readonly key: Float64Array;
  readonly sim: Float64Array;
  readonly n: Int32Array;
  constructor(readonly k: number) {
    this.ix = new Int32Array(k);
    this.key = new Float64Array(k);
    this.sim = new Float64Array(k);
    this.n = new Int32Array(k);
  }
}

/**
 * Scores the touched entities (resetting their counters) and keeps the best in `best`. A candidate more
 * than 2e-9 below the current k-th cannot beat it after rounding to 9 decimals, so most are rejected
 * before rounding.
 */
function selectBest(ne: number, nTouched: number, touched: Int32Array, count: Int32Array, dot: Float64Array | null, norm2: Float64Array, lambda: number, best: Best): void {
  const k = best.k;
  const bIx = best.ix;
  const bKey = best.key;
  const bSim = best.sim;
  const bN = best.n;
  let size = 0;
  // The current k-th (worst kept) once k are kept.
  let worstKey = -1;
  let worstIx = -1;
  let floor = -1;
  for (let t = 0; t < nTouched; t++) {
    const e2 = touched[t]!;
    const n = count[e2]!;
    if (n === 0) continue;
    count[e2] = 0;
    let d = n;
    if (dot !== null) {
      d = dot[e2]!;
      dot[e2] = 0;
    }
    let sim = d / Math.sqrt(ne * norm2[e2]!);
    if (lambda > 0) sim = (sim * n) / (n + lambda);
    if (!(sim > 0) || sim < floor) continue;
    const key = round9(sim);
    if (size === k && (key < worstKey || (key === worstKey && e2 > worstIx))) continue;
    let i = size < k ? size++ : k - 1;
    while (i > 0 && (bKey[i - 1]! < key || (bKey[i - 1] === key && bIx[i - 1]! > e2))) {
      bIx[i] = bIx[i - 1]!;
      bKey[i] = bKey[i - 1]!;
      bSim[i] = bSim[i - 1]!;
      bN[i] = bN[i - 1]!;
      i--;
    }
    bIx[i] = e2;
    bKey[i] = key;
    bSim[i] = sim;
    bN[i] = n;
    if (size === k) {
      worstKey = bKey[k - 1]!;
      worstIx = bIx[k - 1]!;
      floor = bSim[k - 1]! - 2e-9;
    }
  }
  best.size = size;
}

/** The kept neighbours, growing as needed. */
class Out {
  rows = 0;
  ent: Int32Array;
  nbr: Int32Array;
  sim: Float64Array;
  common: Int32Array;
  constructor(private cap: number) {
    this.ent = new Int32Array(cap);
    this.nbr = new Int32Array(cap);
    this.sim = new Float64Array(cap);
    this.common = new Int32Array(cap);
  }
  push(e: number, best: Best): void {
    while (this.rows + best.size > this.cap) {
      this.cap *= 2;
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const next = make(this.cap);
        next.set(a);
        return next;
      };
      this.ent = grow(this.ent, (n) => new Int32Array(n));
      this.nbr = grow(this.nbr, (n) => new Int32Array(n));
      this.sim = grow(this.sim, (n) => new Float64Array(n));
      this.common = grow(this.common, (n) => new Int32Array(n));
    }
    for (let i = 0; i < best.size; i++) {
      this.ent[this.rows] = e;
      this.nbr[this.rows] = best.ix[i]!;
      this.sim[this.rows] = best.sim[i]!;
      this.common[this.rows] = best.n[i]!;
      this.rows++;
    }
  }
  result(): Neighbours {
    return { rows: this.rows, ent: this.ent, nbr: this.nbr, sim: this.sim, common: this.common };
  }
}
