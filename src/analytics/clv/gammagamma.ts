/**
 * Gamma-Gamma spend model (Colombo & Jiang 1999; Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie's
 * note "The Gamma-Gamma model of monetary value"). A customer's transaction values are Gamma(p, ν) with
 * ν ~ Gamma(q, γ) across customers, independent of the purchase process. Fitted on customers with x > 0
 * repeat transactions, using m̄ = the mean value of those repeat transactions.
 */
import { lgamma } from './special.js';
import { nelderMead, type OptimiseOptions } from './optimise.js';
import type { FitReport } from './bgnbd.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendData {
  /** Repeat transactions (x > 0). */
  x: Float64Array;
  /** Mean value of those repeat transactions (> 0). */
  mean: Float64Array;
}

/** Log-likelihood of one customer's mean spend m̄ over x transactions. */
export function gammaGammaLogLikelihoodOne(g: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = g;
  const px = p * x;
  return (
    lgamma(px + q) - lgamma(px) - lgamma(q) + q * Math.log(gamma) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(gamma + m * x)
  );
}

/** Total log-likelihood; the gamma-function terms are computed once per distinct x. */
export function gammaGammaLogLikelihood(g: GammaGammaParams, data: SpendData): number {
  const { p, q, gamma } = g;
  const perX = new Map<number, number>();
  const base = -lgamma(q) + q * Math.log(gamma);
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    const m = data.mean[i]!;
    const px = p * x;
    let lx = perX.get(x);
    if (lx === undefined) {
      lx = base + lgamma(px + q) - lgamma(px) + px * Math.log(x);
      perX.set(x, lx);
    }
    ll += lx + (px - 1) * Math.log(m) - (px + q) * Math.log(gamma + m * x);
  }
  return ll;
}

/** Maximum-likelihood fit by Nelder-Mead with restarts on (log p, log q, log γ). */
export function fitGammaGamma(data: SpendData, options: OptimiseOptions & { start?: GammaGammaParams } = {}): FitReport<GammaGammaParams> {
  const n = data.x.length;
  if (data.mean.length !== n) throw new RangeError('Gamma-Gamma data: x and mean must have the same length');
  if (n === 0) throw new RangeError('Gamma-Gamma data: no customers with repeat purchases');
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(data.x[i]! > 0 && data.mean[i]! > 0)) {
      throw new RangeError(`Gamma-Gamma data: entry ${i} needs x > 0 and mean spend > 0 (got ${data.x[i]}, ${data.mean[i]})`);
    }
    total += data.mean[i]!;
  }
  const meanSpend = total / n;
  // Start where the population mean spend p·γ/(q-1) equals the sample's.
  const start = options.start ?? { p: 1, q: 2, gamma: meanSpend };
  const fromLog = (v: number[]): GammaGammaParams => ({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) });
  const objective = (v: number[]) => -gammaGammaLogLikelihood(fromLog(v), data) / n;
  const result = nelderMead(objective, [start.p, start.q, start.gamma].map(Math.log), options);
  return {
    params: fromLog(result.x),
    logLikelihood: -result.value * n,
    iterations: result.iterations,
    runs: result.runs,
    converged: result.converged,
    customers: n,
  };
}

/**
 * E[M | x, m̄] = (p(γ + x m̄)) / (p x + q - 1): a weighted mean of the population mean p γ / (q - 1) and the
 * customer's own mean m̄, the weight on m̄ growing with x. For x = 0 it is the population mean. Needs q > 1.
 */
export function expectedAverageSpend(g: GammaGammaParams, x: number, mean: number): number {
  const { p, q, gamma } = g;
  if (!(q > 1)) return NaN;
  if (x <= 0) return (p * gamma) / (q - 1);
  return (p * (gamma + x * mean)) / (p * x + q - 1);
}
