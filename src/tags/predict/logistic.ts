/**
 * Multinomial logistic regression (softmax) with an L2 penalty, fitted by L-BFGS with a backtracking
 * (Armijo) line search from all-zero weights: no randomness, so the same data gives the same model to the
 * bit. Features are standardised with the training means and deviations; the intercepts are not penalised.
 */

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

function standardise(x: Float64Array, n: number, d: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(n, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j]! - mean[j]!;
      scale[j]! += t * t;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(scale[j]! / Math.max(n, 1));
    scale[j] = s > 1e-12 ? s : 1;
  }
  return { mean, scale };
}

/** Class probabilities of one row `z` (already standardised) into `out`. */
function softmaxRow(w: Float64Array, z: Float64Array, k: number, d: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = w[c * (d + 1) + d]!;
    const base = c * (d + 1);
    for (let j = 0; j < d; j++) s += w[base + j]! * z[j]!;
    out[c] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(out[c]! - max);
    sum += out[c]!;
  }
  for (let c = 0; c < k; c++) out[c]! /= sum;
}

/**
 * Fits the model to `n` rows of `d` features (`x`, row-major) with labels `y` in 0..classes-1.
 */
export function fitLogistic(x: Float64Array, y: ArrayLike<number>, classes: number, options: LogisticOptions = {}): LogisticModel {
  const o = { ...LOGISTIC_DEFAULTS, ...options };
  const n = y.length;
  if (n === 0) throw new Error('logistic regression: no training rows');
  const d = x.length / n;
  if (!Number.isInteger(d)) throw new Error('logistic regression: x is not n x d');
  for (let i = 0; i < n; i++) if (!(y[i]! >= 0 && y[i]! < classes && Number.isInteger(y[i]))) throw new Error(`logistic regression: bad label ${y[i]}`);
  const { mean, scale } = standardise(x, n, d);
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] = (x[i * d + j]! - mean[j]!) / scale[j]!;
  const k = classes;
  const p = k * (d + 1);
  const prob = new Float64Array(k);

  const evaluate = (w: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = z.subarray(i * d, i * d + d);
      softmaxRow(w, row, k, d, prob);
      const yi = y[i]!;
      loss -= Math.log(Math.max(prob[yi]!, 1e-300));
      for (let c = 0; c < k; c++) {
        const g = prob[c]! - (c === yi ? 1 : 0);
        if (g === 0) continue;
        const base = c * (d + 1);
        for (let j = 0; j < d; j++) grad[base + j]! += g * row[j]!;
        grad[base + d]! += g;
      }
    }
    loss /= n;
    for (let q = 0; q < p; q++) grad[q]! /= n;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const wq = w[c * (d + 1) + j]!;
        loss += (o.l2 / 2) * wq * wq;
        grad[c * (d + 1) + j]! += o.l2 * wq;
      }
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
  const d = model.features;
  const k = model.classes;
  const n = x.length / d;
  const out = new Float64Array(n * k);
  const zRow = new Float64Array(d);
  const prob = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) zRow[j] = (x[i * d + j]! - model.mean[j]!) / model.scale[j]!;
    softmaxRow(model.weights, zRow, k, d, prob);
    out.set(prob, i * k);
  }
  return out;
}

/** The most probable class of each row (ties to the lower class) and its probability. */
export function predictClasses(model: LogisticModel, x: Float64Array): { labels: Int32Array; confidence: Float64Array } {
  const k = model.classes;
  const proba = predictProba(model, x);
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
