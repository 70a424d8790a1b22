/** Special functions for the CLV models, in log space where values can overflow. */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function lgamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  }
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS_G + 2; i++) s += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** log B(a, b). */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** log(exp(u) + exp(v)) without overflow. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  const m = Math.max(u, v);
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

export interface Hyp2f1Result {
  /** log 2F1(a, b; c; z). */
  log: number;
  terms: number;
  converged: boolean;
}

const RESCALE = 1e200;
const LOG_RESCALE = Math.log(RESCALE);

/**
 * log of the Gauss hypergeometric function 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1, by its power
 * series Σ (a)_n (b)_n / ((c)_n n!) z^n. All terms are positive here, so the partial sums only grow; the
 * sum is rescaled whenever it gets large (terms can climb to e^(a z) before they fall when a is large),
 * and it stops when a term adds less than `tol` relative to the sum once terms are falling, or after
 * `maxTerms` (then `converged` is false).
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, tol = 1e-15, maxTerms = 1_000_000): Hyp2f1Result {
  if (!(z >= 0 && z < 1)) throw new RangeError(`logHyp2f1: z must be in [0, 1), got ${z}`);
  if (!(a > 0 && b > 0 && c > 0)) throw new RangeError(`logHyp2f1: a, b, c must be positive (got ${a}, ${b}, ${c})`);
  if (z === 0) return { log: 0, terms: 0, converged: true };
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    sum += term;
    if (sum > RESCALE) {
      sum /= RESCALE;
      term /= RESCALE;
      logScale += LOG_RESCALE;
    }
    // The ratio of successive terms tends to z; once it is below 1, the tail is at most term * q / (1 - q)
    // with q the larger of the next ratio and z (the ratio approaches z monotonically from one side).
    if (ratio < 1) {
      const nextRatio = ((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2));
      const q = Math.max(nextRatio, z);
      const bound = q < 1 ? (term * q) / (1 - q) : Infinity;
      if (bound <= tol * sum) return { log: Math.log(sum) + logScale, terms: n + 1, converged: true };
    }
  }
  return { log: Math.log(sum) + logScale, terms: maxTerms, converged: false };
}

/**
 * 2F1(a, b; c; z) itself (signed) for a, b > 0, 0 <= z < 1 and c > -1, c != 0. BG/NBD needs it with
 * c = a + b + x - 1, which is negative for a customer without repeat purchases when the fitted a + b < 1;
 * the series then has negative terms, so for c < 0 it is taken from two positive-c values by Gauss's
 * contiguous relation c(c-1)(z-1) F(c-1) + c[c-1-(2c-a-b-1)z] F(c) + (c-a)(c-b) z F(c+1) = 0.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (c > 0) return Math.exp(logHyp2f1(a, b, c, z).log);
  if (!(c > -1) || c === 0) throw new RangeError(`hyp2f1: c must be > -1 and not 0 (got ${c})`);
  const up = c + 1;
  const f1 = Math.exp(logHyp2f1(a, b, up, z).log);
  const f2 = Math.exp(logHyp2f1(a, b, up + 1, z).log);
  return -(up * (up - 1 - (2 * up - a - b - 1) * z) * f1 + (up - a) * (up - b) * z * f2) / (up * (up - 1) * (z - 1));
}
