/**
 * k-means on sparse rows with dense centroids: k-means++ seeding from a seeded generator, Lloyd
 * iterations until no point moves, the best of a few seedings by inertia; and the silhouette score.
 */
import { addRow, dotDense, rng, rowNorm2, type SparseMatrix } from './sparse.js';

export interface KMeansOptions {
  seed?: number;
  maxIterations?: number;
  /** Seedings tried; the one with the lowest inertia is kept (default 2). */
  restarts?: number;
  /** Stop when at most this share of the points changed cluster in an iteration (default 0.001). */
  tolerance?: number;
}

export interface KMeansResult {
  k: number;
  /** k x cols, row-major. */
  centroids: Float64Array;
  labels: Int32Array;
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  iterations: number;
}

/** Squared distance of row i to centroid c, given |x_i|^2 and |c|^2. */
function dist2(x: SparseMatrix, i: number, xn: number, centroids: Float64Array, cn: Float64Array, c: number): number {
  return Math.max(0, xn - 2 * dotDense(x, i, centroids, c * x.cols) + cn[c]!);
}

function centroidNorms(centroids: Float64Array, k: number, cols: number): Float64Array {
  const cn = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += centroids[c * cols + j]! ** 2;
    cn[c] = s;
  }
  return cn;
}

/** k-means++: the first centre uniformly, each next with probability proportional to D(x)^2. */
function seedCentroids(x: SparseMatrix, k: number, xn: Float64Array, next: () => number): Float64Array {
  const n = x.rows;
  const d = x.cols;
  const centroids = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(next() * n);
  for (let c = 0; c < k; c++) {
    addRow(x, pick, centroids, c * d);
    const cn = new Float64Array(k);
    cn[c] = xn[pick]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dd = dist2(x, i, xn[i]!, centroids, cn, c);
      if (dd < nearest[i]!) nearest[i] = dd;
      total += nearest[i]!;
    }
    if (c + 1 === k) break;
    if (total <= 0) {
      pick = Math.floor(next() * n);
      continue;
    }
    let target = next() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i]!;
      if (target < 0) {
        pick = i;
        break;
      }
    }
  }
  return centroids;
}

function lloyd(x: SparseMatrix, k: number, xn: Float64Array, centroids: Float64Array, maxIterations: number, tolerance: number): KMeansResult {
  const n = x.rows;
  const d = x.cols;
  const labels = new Int32Array(n).fill(-1);
  const best = new Float64Array(n);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const cn = centroidNorms(centroids, k, d);
    let moved = 0;
    for (let i = 0; i < n; i++) {
      let bc = 0;
      let bd = Infinity;
      for (let c = 0; c < k; c++) {
        const dd = dist2(x, i, xn[i]!, centroids, cn, c);
        if (dd < bd) {
          bd = dd;
          bc = c;
        }
      }
      best[i] = bd;
      if (labels[i] !== bc) {
        labels[i] = bc;
        moved++;
      }
    }
    if (iterations > 0 && moved <= Math.floor(tolerance * n)) break;
    const sizes = new Int32Array(k);
    centroids.fill(0);
    for (let i = 0; i < n; i++) {
      sizes[labels[i]!]!++;
      addRow(x, i, centroids, labels[i]! * d);
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] === 0) {
        // An empty cluster takes the point farthest from its centre.
        let far = 0;
        for (let i = 1; i < n; i++) if (best[i]! > best[far]!) far = i;
        best[far] = 0;
        addRow(x, far, centroids, c * d);
        continue;
      }
      for (let j = 0; j < d; j++) centroids[c * d + j]! /= sizes[c]!;
    }
  }
  const cn = centroidNorms(centroids, k, d);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2(x, i, xn[i]!, centroids, cn, labels[i]!);
  return { k, centroids, labels, inertia, iterations };
}

/** k-means of the rows of `x` into k clusters (k <= rows). */
export function kmeans(x: SparseMatrix, k: number, options: KMeansOptions = {}): KMeansResult {
  if (k < 1 || k > x.rows) throw new Error(`kmeans: k must be between 1 and the number of rows (${x.rows}), got ${k}`);
  const next = rng(options.seed ?? 42);
  const xn = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) xn[i] = rowNorm2(x, i);
  let best: KMeansResult | null = null;
  for (let t = 0; t < Math.max(1, options.restarts ?? 2); t++) {
    const result = lloyd(x, k, xn, seedCentroids(x, k, xn, next), options.maxIterations ?? 50, options.tolerance ?? 0.001);
    if (!best || result.inertia < best.inertia - 1e-9) best = result;
  }
  return best!;
}

/** The nearest centroid of row i (ties: the smaller cluster number). */
export function nearestCentroid(x: SparseMatrix, i: number, centroids: Float64Array, cn: Float64Array, k: number): number {
  const xn = rowNorm2(x, i);
  let bc = 0;
  let bd = Infinity;
  for (let c = 0; c < k; c++) {
    const dd = dist2(x, i, xn, centroids, cn, c);
    if (dd < bd) {
      bd = dd;
      bc = c;
    }
  }
  return bc;
}

export { centroidNorms };

/**
 * Mean silhouette of a labelling, from an n x n distance matrix: s(i) = (b - a) / max(a, b) with a the
 * mean distance to the rest of i's cluster and b the smallest mean distance to another cluster; 0 for
 * a point alone in its cluster. Undefined (NaN) for fewer than 2 clusters.
 */
export function silhouette(dist: Float32Array, labels: ArrayLike<number>, k: number): number {
  const n = labels.length;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]!++;
  if (sizes.filter((s) => s > 0).length < 2) return NaN;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let m = 0; m < n; m++) sums[labels[m]!]! += dist[i * n + m]!;
    const own = labels[i]!;
    if (sizes[own]! <= 1) continue;
    const a = sums[own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[c]! / sizes[c]!);
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}
