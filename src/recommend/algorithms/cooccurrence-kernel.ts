/**
 * The counting kernel of ./cooccurrence.ts: plain functions over typed arrays, run on the main thread or
 * in worker threads (./cooccurrence-worker.ts). See ./cooccurrence.ts for the method.
 */

/** DuckDB's round(x, 9) for x >= 0: round half away from zero of x·1e9, divided back. */
export function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

export interface Neighbours {
  rows: number;
  ent: Int32Array;
  nbr: Int32Array;
  sim: Float64Array;
  common: Int32Array;
}

/**
 * The inputs of the counting, in shared memory so that worker threads read them without copies.
 * `ctxStart`/`ctxEnt` list each context's entities in increasing order, `ctxVal` their values (null: all
 * 1); `entStart`/`entCtx`/`entPos` list each entity's pairing contexts and its position in their lists.
 */
export interface Prepared {
  nEnt: number;
  k: number;
  shrinkage: number;
  /** Values all 1 and no context factor: the counters are the dot products. */
  binary: boolean;
  ctxStart: Int32Array;
  ctxEnt: Int32Array;
  ctxVal: Float64Array | null;
  factor: Float64Array;
  norm2: Float64Array;
  entStart: Int32Array;
  entCtx: Int32Array;
  entPos: Int32Array;
  /** The entity's index in id order (the tie-break and the output) by its working label. */
  orig: Int32Array;
}

export interface KernelJob {
  k: number;
  shrinkage: number;
  inverseFrequency: boolean;
  maxContextSize: number;
}

function shared<T extends Int32Array | Float64Array>(make: new (b: SharedArrayBuffer) => T, bytes: number, n: number): T {
  return new make(new SharedArrayBuffer(Math.max(1, n) * bytes));
}
export const sharedInt32 = (n: number): Int32Array => shared(Int32Array, 4, n);
export const sharedFloat64 = (n: number): Float64Array => shared(Float64Array, 8, n);

/**
 * Norms (over every context), context factors, and the entity → context index of the pairing contexts.
 *
 * The entities are relabelled by decreasing number of contexts (`ctxEnt` is rewritten in place; `orig`
 * maps back): the counters of the popular entities, which nearly every row touches, then sit together in
 * a few hundred kilobytes that stay in the core's cache, instead of being spread over the whole counter
 * array. Labels change nothing else: ties and the output use `orig`, and a row's sums run over its
 * contexts in the same order.
 */
export function prepare(ctxStart: Int32Array, ctxEnt: Int32Array, ctxVal: Float64Array | null, nEnt: number, job: KernelJob): Prepared {
  const nCtx = ctxStart.length - 1;
  const orig = relabelByDegree(ctxStart, ctxEnt, nEnt);
  const norm2 = sharedFloat64(nEnt);
  const factor = sharedFloat64(nCtx);
  const pairs = new Uint8Array(nCtx);
  const entStart = sharedInt32(nEnt + 1);
  for (let c = 0; c < nCtx; c++) {
    const size = ctxStart[c + 1]! - ctxStart[c]!;
    factor[c] = job.inverseFrequency ? 1.0 / Math.log(1 + size) : 1.0;
    pairs[c] = size >= 2 && size <= job.maxContextSize ? 1 : 0;
    for (let p = ctxStart[c]!; p < ctxStart[c + 1]!; p++) {
      const v = ctxVal ? ctxVal[p]! : 1;
      const e = ctxEnt[p]!;
      norm2[e] = norm2[e]! + v * v;
      if (pairs[c]) entStart[e + 1] = entStart[e + 1]! + 1;
    }
  }
  for (let e = 0; e < nEnt; e++) entStart[e + 1] = entStart[e + 1]! + entStart[e]!;
  const entCtx = sharedInt32(entStart[nEnt]!);
  const entPos = sharedInt32(ctxVal ? entStart[nEnt]! : 0);
  const fill = entStart.slice(0, nEnt);
  for (let c = 0; c < nCtx; c++) {
    if (!pairs[c]) continue;
    for (let p = ctxStart[c]!; p < ctxStart[c + 1]!; p++) {
      const e = ctxEnt[p]!;
      const at = fill[e]!;
      entCtx[at] = c;
      if (ctxVal) entPos[at] = p;
      fill[e] = at + 1;
    }
  }
  return {
    nEnt,
    k: job.k,
    shrinkage: job.shrinkage,
    binary: ctxVal === null && !job.inverseFrequency,
    ctxStart,
    ctxEnt,
    ctxVal,
    factor,
    norm2,
    entStart,
    entCtx,
    entPos,
    orig,
  };
}

/** Rewrites `ctxEnt` with labels by decreasing degree (ties by index); returns label → index. */
function relabelByDegree(ctxStart: Int32Array, ctxEnt: Int32Array, nEnt: number): Int32Array {
  const nRows = ctxStart[ctxStart.length - 1]!;
  const degree = new Int32Array(nEnt);
  let maxDegree = 0;
  for (let p = 0; p < nRows; p++) {
    const d = ++degree[ctxEnt[p]!]!;
    if (d > maxDegree) maxDegree = d;
  }
  // Counting sort by degree, descending, stable.
  const startOf = new Int32Array(maxDegree + 2);
  for (let e = 0; e < nEnt; e++) {
    const slot = maxDegree - degree[e]! + 1;
    startOf[slot] = startOf[slot]! + 1;
  }
  for (let d = 0; d <= maxDegree; d++) startOf[d + 1] = startOf[d + 1]! + startOf[d]!;
  const orig = sharedInt32(nEnt);
  const label = degree; // reused: degree → label
  for (let e = 0; e < nEnt; e++) {
    const slot = maxDegree - degree[e]!;
    const at = startOf[slot]!;
    startOf[slot] = at + 1;
    orig[at] = e;
  }
  for (let l = 0; l < nEnt; l++) label[orig[l]!] = l;
  for (let p = 0; p < nRows; p++) ctxEnt[p] = label[ctxEnt[p]!]!;
  return orig;
}

/** Scratch space for one thread's rows. */
export interface Scratch {
  count: Int32Array;
  dot: Float64Array | null;
  touched: Int32Array;
  best: Best;
}

export function scratch(prep: Prepared): Scratch {
  return {
    count: new Int32Array(prep.nEnt),
    dot: prep.binary ? null : new Float64Array(prep.nEnt),
    touched: new Int32Array(prep.nEnt),
    best: new Best(prep.k),
  };
}

/** The neighbours of entities lo..hi-1, appended to `out`. */
export function rows(prep: Prepared, lo: number, hi: number, s: Scratch, out: Out): void {
  const { entStart, entCtx, entPos, ctxStart, ctxEnt, ctxVal, factor, norm2, orig } = prep;
  const { count, dot, touched, best } = s;
  // One small function per step of a row, so that each is optimised on its own.
  for (let e = lo; e < hi; e++) {
    const nTouched = dot === null
      ? countBinary(e, entStart, entCtx, ctxStart, ctxEnt, count, touched)
      : countWeighted(e, entStart, entCtx, entPos, ctxStart, ctxEnt, ctxVal, factor, count, dot, touched);
    // The entity met itself once per context: not a neighbour.
    count[e] = 0;
    if (dot) dot[e] = 0;
    selectBest(norm2[e]!, nTouched, touched, count, dot, norm2, orig, prep.shrinkage, best);
    out.push(orig[e]!, best);
  }
}

/** Every entity's neighbours on this thread. */
export function neighboursOf(prep: Prepared): Neighbours {
  const out = new Out(Math.max(1024, Math.min(prep.nEnt * prep.k, 1 << 20)));
  rows(prep, 0, prep.nEnt, scratch(prep), out);
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
export class Best {
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
function selectBest(
  ne: number,
  nTouched: number,
  touched: Int32Array,
  count: Int32Array,
  dot: Float64Array | null,
  norm2: Float64Array,
  orig: Int32Array,
  lambda: number,
  best: Best,
): void {
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
  let floorSq = -1;
  const cheap = dot === null && !(lambda > 0);
  for (let t = 0; t < nTouched; t++) {
    const e2 = touched[t]!;
    const n = count[e2]!;
    if (n === 0) continue;
    count[e2] = 0;
    // Binary, no shrinkage: sim = n / sqrt(ne·n2) and n2 >= n (the neighbour has at least the n common
    // contexts), so sim <= sqrt(n / ne): below the floor when n < floor²·ne, without reading n2; else
    // n / sqrt(ne·n2) < floor  <=>  n² < floor²·ne·n2, without the square root.
    if (cheap && (n < floorSq || n * n < floorSq * norm2[e2]!)) continue;
    let d = n;
    if (dot !== null) {
      d = dot[e2]!;
      dot[e2] = 0;
    }
    let sim = d / Math.sqrt(ne * norm2[e2]!);
    if (lambda > 0) sim = (sim * n) / (n + lambda);
    if (!(sim > 0) || sim < floor) continue;
    const key = round9(sim);
    const o2 = orig[e2]!;
    if (size === k && (key < worstKey || (key === worstKey && o2 > worstIx))) continue;
    let i = size < k ? size++ : k - 1;
    while (i > 0 && (bKey[i - 1]! < key || (bKey[i - 1] === key && bIx[i - 1]! > o2))) {
      bIx[i] = bIx[i - 1]!;
      bKey[i] = bKey[i - 1]!;
      bSim[i] = bSim[i - 1]!;
      bN[i] = bN[i - 1]!;
      i--;
    }
    bIx[i] = o2;
    bKey[i] = key;
    bSim[i] = sim;
    bN[i] = n;
    if (size === k) {
      worstKey = bKey[k - 1]!;
      worstIx = bIx[k - 1]!;
      floor = bSim[k - 1]! - 2e-9;
      floorSq = floor > 0 ? floor * floor * ne : -1;
    }
  }
  best.size = size;
}

/** The kept neighbours, growing as needed. */
export class Out {
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
