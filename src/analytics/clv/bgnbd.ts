/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive, a customer buys
 * as a Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability
 * p ~ Beta(a, b). Data per customer: x repeat purchases, t_x the time of the last one, T the age at the
 * end of calibration, all from the first purchase and in period units.
 */
import { hyp2f1, lgamma, logAddExp, logHyp2f1 } from './special.js';
import { nelderMead, type OptimiseOptions } from './optimise.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Per-customer recency/frequency data as typed arrays (one entry per customer or per group of equal customers). */
export interface RfData {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** How many customers each entry stands for (default 1 each). */
  weight?: Float64Array;
}

export interface FitReport<P> {
  params: P;
  /** Log-likelihood at the estimate (summed over customers). */
  logLikelihood: number;
  iterations: number;
  /** Optimiser runs (the first plus restarts). */
  runs: number;
  converged: boolean;
  customers: number;
}

/** Log-likelihood of one customer. */
export function bgNbdLogLikelihoodOne(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return a1 + a2 + logAddExp(a3, a4);
}

/**
 * Total log-likelihood of the data. The gamma-function terms depend on the customer only through x, so
 * they are computed once per distinct x.
 */
export function bgNbdLogLikelihood(p: BgNbdParams, data: RfData): number {
  const { r, alpha, a, b } = p;
  const n = data.x.length;
  const perX = new Map<number, number>();
  const logAlpha = Math.log(alpha);
  const logA = Math.log(a);
  const base = lgamma(a + b) - lgamma(b) - lgamma(r) + r * logAlpha;
  let ll = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    let lx = perX.get(x);
    if (lx === undefined) {
      lx = base + lgamma(r + x) + lgamma(b + x) - lgamma(a + b + x);
      perX.set(x, lx);
    }
    const a3 = -(r + x) * Math.log(alpha + data.T[i]!);
    const a4 = x > 0 ? logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + data.tx[i]!) : -Infinity;
    const w = data.weight ? data.weight[i]! : 1;
    ll += w * (lx + logAddExp(a3, a4));
  }
  return ll;
}

/** Collapses customers with equal (x, t_x, T) into weighted entries; fitting then costs per distinct triple. */
export function compressRf(data: RfData): RfData {
  const index = new Map<string, number>();
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < data.x.length; i++) {
    const key = `${data.x[i]},${data.tx[i]},${data.T[i]}`;
    const weight = data.weight ? data.weight[i]! : 1;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, x.length);
      x.push(data.x[i]!);
      tx.push(data.tx[i]!);
      T.push(data.T[i]!);
      w.push(weight);
    } else {
      w[at]! += weight;
    }
  }
  return { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T), weight: Float64Array.from(w) };
}

function checkRf(data: RfData): number {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n || (data.weight && data.weight.length !== n)) {
    throw new RangeError('BG/NBD data: x, tx, T (and weight) must have the same length');
  }
  let customers = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const tx = data.tx[i]!;
    const T = data.T[i]!;
    if (!(x >= 0 && Number.isInteger(x) && tx >= 0 && T >= tx && (x > 0 || tx === 0))) {
      throw new RangeError(`BG/NBD data: entry ${i} is not a valid (x, t_x, T): (${x}, ${tx}, ${T})`);
    }
    customers += data.weight ? data.weight[i]! : 1;
  }
  if (customers === 0) throw new RangeError('BG/NBD data: no customers');
  return customers;
}

/** Maximum-likelihood fit by Nelder-Mead with restarts on (log r, log α, log a, log b). */
export function fitBgNbd(data: RfData, options: OptimiseOptions & { start?: BgNbdParams } = {}): FitReport<BgNbdParams> {
  const customers = checkRf(data);
  const grouped = compressRf(data);
  let meanT = 0;
  for (let i = 0; i < grouped.T.length; i++) meanT += grouped.weight![i]! * grouped.T[i]!;
  meanT /= customers;
  const start = options.start ?? { r: 1, alpha: Math.max(1, meanT), a: 1, b: 1 };
  const fromLog = (v: number[]): BgNbdParams => ({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) });
  // Scaled by the customer count so the tolerances mean the same at any size.
  const objective = (v: number[]) => -bgNbdLogLikelihood(fromLog(v), grouped) / customers;
  const result = nelderMead(objective, [start.r, start.alpha, start.a, start.b].map(Math.log), options);
  return {
    params: fromLog(result.x),
    logLikelihood: -result.value * customers,
    iterations: result.iterations,
    runs: result.runs,
    converged: result.converged,
    customers,
  };
}

/** P(alive at T | x, t_x, T). */
export function probabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = p;
  const logRatio = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** E[X(t) | x, t_x, T]: expected purchases in the next t periods after calibration end. */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  // For a < 1 the leading factor and the bracket are both negative; the product is the same expectation.
  // (a = 1 exactly is a removable singularity that a fitted value never hits.)
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const logPow = (r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t));
  // 1 - (…)^(r+x) 2F1(…), computed as -expm1(log) for accuracy when it is small; with c < 0 (no repeat
  // purchases and a + b < 1) the hypergeometric value is taken signed.
  const bracket = c > 0 ? -Math.expm1(logPow + logHyp2f1(r + x, b + x, c, z).log) : 1 - Math.exp(logPow) * hyp2f1(r + x, b + x, c, z);
  const lead = (a + b + x - 1) / (a - 1);
  const denom = x > 0 ? 1 + Math.exp(Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))) : 1;
  return (lead * bracket) / denom;
}

/** E[X(t)] for a customer just acquired (unconditional expectation, eq. 7 of the paper). */
export function expectedPurchasesNew(p: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  const c = a + b - 1;
  const logPow = r * (Math.log(alpha) - Math.log(alpha + t));
  const bracket = c > 0 ? -Math.expm1(logPow + logHyp2f1(r, b, c, z).log) : 1 - Math.exp(logPow) * hyp2f1(r, b, c, z);
  return (c / (a - 1)) * bracket;
}
