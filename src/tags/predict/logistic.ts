/**
 * Multinomial logistic regression (softmax) with an L2 penalty, fitted by L-BFGS with a backtracking
 * (Armijo) line search from all-zero weights: no randomness, so the same data gives the same model to the
 * bit. Features are standardised with the training means and deviations; the intercepts are not penalised.
 *
 * Rows are sparse (CSR): behaviour features are mostly zero (a user sees a few of hundreds of leaves and
 * brands). Standardisation is applied implicitly (w . (x - mean) / scale = (w / scale) . x - (w / scale)
 * . mean), so the zeros stay zeros and time and memory follow the non-zero values.
 */

/** Rows in compressed sparse row form: row i holds col[ptr[i] .. ptr[i+1]) with values val[...]. */
export interface SparseRows {
  rows: number;
  cols: number;
  ptr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/** The non-zero values of a dense row-major n x d matrix, as sparse rows. */
export function toSparse(x: Float64Array, d: number): SparseRows {
  const n = d > 0 ? x.length / d : 0;
  let nnz = 0;
  for (let q = 0; q < x.length; q++) if (x[q] !== 0) nnz++;
  const ptr = new Int32Array(n + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j]!;
      if (v !== 0) {
        col[k] = j;
        val[k++] = v;
      }
    }
    ptr[i + 1] = k;
  }
  return { rows: n, cols: d, ptr, col, val };
}

export interface LogisticOptions {
  /** L2 penalty on the (standardised) weights, per training row: loss = mean NLL + l2 / 2 * |W|^2. */
  l2?: number;
  /** Most L-BFGS iterations. */
  maxIterations?: number;
  /** Stop when the gradient's largest component falls below this. */
  tolerance?: number;
  /** L-BFGS memory. */
  memory?: number;
}

export interface LogisticModel {
  classes: number;
  features: number;
  /** Per feature: training mean and deviation (1 for a constant feature). */
  mean: Float64Array;
  scale: Float64Array;
  /** classes x (features + 1), row-major; the last column of a class is its intercept. */
  weights: Float64Array;
  iterations: number;
  loss: number;
}

export const LOGISTIC_DEFAULTS: Required<LogisticOptions> = { l2: 0.2, maxIterations: 300, tolerance: 1e-5, memory: 10 };

function standardise(x: SparseRows): { mean: Float64Array; scale: Float64Array } {
  const n = x.rows;
  const d = x.cols;
  const mean = new Float64Array(d);
  const ss = new Float64Array(d);
  const nnz = new Float64Array(d);
  const end = x.ptr[n]!;
  for (let q = 0; q < end; q++) mean[x.col[q]!]! += x.val[q]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(n, 1);
  for (let q = 0; q < end; q++) {
    const j = x.col[q]!;
    const t = x.val[q]! - mean[j]!;
    ss[j]! += t * t;
    nnz[j]! += 1;
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt((ss[j]! + (n - nnz[j]!) * mean[j]! * mean[j]!) / Math.max(n, 1));
    scale[j] = s > 1e-12 ? s : 1;
  }
  return { mean, scale };
}

/**
 * Effective weights on the raw features, feature-major (u[j * k + c] = w[c][j] / scale[j]), and per class
 * the intercept less the mean's share: the scores of a sparse row are offset + its non-zeros times u.
 */
function effective(w: Float64Array, mean: Float64Array, scale: Float64Array, k: number, d: number, u: Float64Array, offset: Float64Array): void {
  for (let c = 0; c < k; c++) {
    const base = c * (d + 1);
    let off = w[base + d]!;
    for (let j = 0; j < d; j++) {
      const v = w[base + j]! / scale[j]!;
      u[j * k + c] = v;
      off -= v * mean[j]!;
    }
    offset[c] = off;
  }
}

/** Class probabilities of sparse row i into `out`. */
function softmaxSparse(x: SparseRows, i: number, u: Float64Array, offset: Float64Array, k: number, out: Float64Array): void {
  for (let c = 0; c < k; c++) out[c] = offset[c]!;
  for (let q = x.ptr[i]!, e = x.ptr[i + 1]!; q < e; q++) {
    const v = x.val[q]!;
    const b = x.col[q]! * k;
    for (let c = 0; c < k; c++) out[c]! += u[b + c]! * v;
  }
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (out[c]! > max) max = out[c]!;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(out[c]! - max);
    sum += out[c]!;
  }
  for (let c = 0; c < k; c++) out[c]! /= sum;
}

/**
 * Fits the model to `n` rows of `d` features (`x`, dense row-major) with labels `y` in 0..classes-1.
 */
export function fitLogistic(x: Float64Array, y: ArrayLike<number>, classes: number, options: LogisticOptions = {}): LogisticModel {
  const n = y.length;
  if (n === 0) throw new Error('logistic regression: no training rows');
  const d = x.length / n;
  if (!Number.isInteger(d)) throw new Error('logistic regression: x is not n x d');
  return fitLogisticSparse(toSparse(x, d), y, classes, options);
}

/** Fits the model to sparse rows `x` with labels `y` in 0..classes-1. */
export function fitLogisticSparse(x: SparseRows, y: ArrayLike<number>, classes: number, options: LogisticOptions = {}): LogisticModel {
  const o = { ...LOGISTIC_DEFAULTS, ...options };
  const n = y.length;
  if (n === 0) throw new Error('logistic regression: no training rows');
  if (x.rows !== n) throw new Error(`logistic regression: ${x.rows} rows but ${n} labels`);
  const d = x.cols;
  for (let i = 0; i < n; i++) if (!(y[i]! >= 0 && y[i]! < classes && Number.isInteger(y[i]))) throw new Error(`logistic regression: bad label ${y[i]}`);
  const { mean, scale } = standardise(x);
  const k = classes;
  const p = k * (d + 1);
  const prob = new Float64Array(k);
  const u = new Float64Array(d * k);
  const offset = new Float64Array(k);
  const acc = new Float64Array(d * k);
  const gsum = new Float64Array(k);

  const evaluate = (w: Float64Array, grad: Float64Array): number => {
    effective(w, mean, scale, k, d, u, offset);
    acc.fill(0);
    gsum.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      softmaxSparse(x, i, u, offset, k, prob);
      const yi = y[i]!;
      loss -= Math.log(Math.max(prob[yi]!, 1e-300));
      prob[yi]! -= 1; // now the gradient of the row's loss in its scores
      for (let c = 0; c < k; c++) gsum[c]! += prob[c]!;
      for (let q = x.ptr[i]!, e = x.ptr[i + 1]!; q < e; q++) {
        const v = x.val[q]!;
        const b = x.col[q]! * k;
        for (let c = 0; c < k; c++) acc[b + c]! += prob[c]! * v;
      }
    }
    loss /= n;
    for (let c = 0; c < k; c++) {
      const base = c * (d + 1);
      for (let j = 0; j < d; j++) {
        const wq = w[base + j]!;
        grad[base + j] = (acc[j * k + c]! - mean[j]! * gsum[c]!) / (n * scale[j]!) + o.l2 * wq;
        loss += (o.l2 / 2) * wq * wq;
      }
      grad[base + d] = gsum[c]! / n;
    }
    return loss;
  };

  const w = new Float64Array(p);
  const g = new Float64Array(p);
  let f = evaluate(w, g);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const dir = new Float64Array(p);
  const wNew = new Float64Array(p);
  const gNew = new Float64Array(p);
  const alpha = new Float64Array(o.memory);
  let iterations = 0;
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let q = 0; q < p; q++) s += a[q]! * b[q]!;
    return s;
  };
  const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  while (iterations < o.maxIterations && maxAbs(g) > o.tolerance) {
    iterations++;
    // two-loop recursion: dir = -H g
    for (let q = 0; q < p; q++) dir[q] = -g[q]!;
    const m = sHist.length;
    for (let h = m - 1; h >= 0; h--) {
      alpha[h] = rhoHist[h]! * dot(sHist[h]!, dir);
      const yh = yHist[h]!;
      for (let q = 0; q < p; q++) dir[q]! -= alpha[h]! * yh[q]!;
    }
    if (m > 0) {
      const gamma = dot(sHist[m - 1]!, yHist[m - 1]!) / dot(yHist[m - 1]!, yHist[m - 1]!);
      for (let q = 0; q < p; q++) dir[q]! *= gamma;
    }
    for (let h = 0; h < m; h++) {
      const beta = rhoHist[h]! * dot(yHist[h]!, dir);
      const sh = sHist[h]!;
      for (let q = 0; q < p; q++) dir[q]! += (alpha[h]! - beta) * sh[q]!;
    }
    let slope = dot(dir, g);
    if (!(slope < 0)) {
      // not a descent direction: restart from steepest descent
      for (let q = 0; q < p; q++) dir[q] = -g[q]!;
      slope = dot(dir, g);
      sHist.length = yHist.length = rhoHist.length = 0;
    }
    let step = m === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let q = 0; q < p; q++) wNew[q] = w[q]! + step * dir[q]!;
      fNew = evaluate(wNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f)) break; // no progress possible
    const s = new Float64Array(p);
    const yv = new Float64Array(p);
    for (let q = 0; q < p; q++) {
      s[q] = wNew[q]! - w[q]!;
      yv[q] = gNew[q]! - g[q]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      sHist.push(s);
      yHist.push(yv);
      rhoHist.push(1 / sy);
      if (sHist.length > o.memory) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
    }
    w.set(wNew);
    g.set(gNew);
    const converged = Math.abs(f - fNew) <= 1e-10 * Math.max(1, Math.abs(f));
    f = fNew;
    if (converged) break;
  }
  return { classes: k, features: d, mean, scale, weights: w, iterations, loss: f };
}

/** Class probabilities of every row of `x` (n x features, row-major): n x classes, row-major. */
export function predictProba(model: LogisticModel, x: Float64Array): Float64Array {
  return predictProbaSparse(model, toSparse(x, model.features));
}

/** Class probabilities of every sparse row: rows x classes, row-major. */
export function predictProbaSparse(model: LogisticModel, x: SparseRows): Float64Array {
  const d = model.features;
  const k = model.classes;
  if (x.cols !== d) throw new Error(`logistic regression: rows have ${x.cols} features, the model ${d}`);
  const u = new Float64Array(d * k);
  const offset = new Float64Array(k);
  effective(model.weights, model.mean, model.scale, k, d, u, offset);
  const out = new Float64Array(x.rows * k);
  const prob = new Float64Array(k);
  for (let i = 0; i < x.rows; i++) {
    softmaxSparse(x, i, u, offset, k, prob);
    out.set(prob, i * k);
  }
  return out;
}

/** The most probable class of each row (ties to the lower class) and its probability. */
export function predictClasses(model: LogisticModel, x: Float64Array | SparseRows): { labels: Int32Array; confidence: Float64Array } {
  const k = model.classes;
  const proba = x instanceof Float64Array ? predictProba(model, x) : predictProbaSparse(model, x);
  const n = proba.length / k;
  const labels = new Int32Array(n);
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    labels[i] = best;
    confidence[i] = proba[i * k + best]!;
  }
  return { labels, confidence };
}
