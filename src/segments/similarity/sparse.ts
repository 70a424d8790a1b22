/** Sparse rows (CSR) in 32-bit floats, and the few operations similarity needs. */

/** Row i holds col[ptr[i] .. ptr[i+1]) with values val[...]; columns ascending within a row. */
export interface SparseMatrix {
  rows: number;
  cols: number;
  ptr: Int32Array;
  col: Int32Array;
  val: Float32Array;
}

/** Squared length of row i. */
export function rowNorm2(x: SparseMatrix, i: number): number {
  let s = 0;
  for (let q = x.ptr[i]!; q < x.ptr[i + 1]!; q++) s += x.val[q]! * x.val[q]!;
  return s;
}

/** Dot product of row i with a dense vector (offset `at` into `dense`). */
export function dotDense(x: SparseMatrix, i: number, dense: Float32Array | Float64Array, at = 0): number {
  let s = 0;
  for (let q = x.ptr[i]!; q < x.ptr[i + 1]!; q++) s += x.val[q]! * dense[at + x.col[q]!]!;
  return s;
}

/** Adds `scale` x row i to a dense vector (offset `at`). */
export function addRow(x: SparseMatrix, i: number, dense: Float64Array, at = 0, scale = 1): void {
  for (let q = x.ptr[i]!; q < x.ptr[i + 1]!; q++) dense[at + x.col[q]!]! += scale * x.val[q]!;
}

/** Sparse rows from dense row-major arrays (for fixtures and tests). */
export function fromDense(rows: readonly (readonly number[])[]): SparseMatrix {
  const cols = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ptr = new Int32Array(rows.length + 1);
  const col: number[] = [];
  const val: number[] = [];
  rows.forEach((r, i) => {
    r.forEach((v, j) => {
      if (v !== 0) {
        col.push(j);
        val.push(v);
      }
    });
    ptr[i + 1] = col.length;
  });
  return { rows: rows.length, cols, ptr, col: Int32Array.from(col), val: Float32Array.from(val) };
}

/**
 * Euclidean distances between every pair of rows, as a dense n x n matrix (n = x.rows; keep n to a few
 * thousand: 2,000 rows take 16 MB).
 */
export function pairwiseDistances(x: SparseMatrix): Float32Array {
  const n = x.rows;
  const d = new Float32Array(n * n);
  const dense = new Float64Array(x.cols);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = rowNorm2(x, i);
  for (let i = 0; i < n; i++) {
    addRow(x, i, dense);
    for (let k = i + 1; k < n; k++) {
      const dist = Math.sqrt(Math.max(0, norms[i]! + norms[k]! - 2 * dotDense(x, k, dense)));
      d[i * n + k] = dist;
      d[k * n + i] = dist;
    }
    addRow(x, i, dense, 0, -1);
    for (let q = x.ptr[i]!; q < x.ptr[i + 1]!; q++) dense[x.col[q]!] = 0;
  }
  return d;
}

/** A small deterministic random generator (mulberry32): the same seed gives the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first `n` of a deterministic shuffle of 0..m-1 (a seeded partial Fisher-Yates), ascending. */
export function sampleIndexes(m: number, n: number, seed: number): number[] {
  if (n >= m) return Array.from({ length: m }, (_, i) => i);
  const next = rng(seed);
  const picked = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i + Math.floor(next() * (m - i));
    const vk = picked.get(k) ?? k;
    picked.set(k, picked.get(i) ?? i);
    out.push(vk);
  }
  return out.sort((a, b) => a - b);
}
