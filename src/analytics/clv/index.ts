/**
 * Customer lifetime value: BG/NBD for purchases and P(alive), Gamma-Gamma for spend, discounted CLV.
 * `summariseTransactions` reads a transaction file into per-customer typed arrays; `fitClv` fits both
 * models and scores every customer. See docs/clv.md.
 */
import { expectedPurchases, fitBgNbd, probabilityAlive, type BgNbdParams, type FitReport } from './bgnbd.js';
import { customerLifetimeValue, PERIODS_PER_YEAR, periodDiscountRate } from './clv.js';
import { expectedAverageSpend, fitGammaGamma, type GammaGammaParams } from './gammagamma.js';
import type { Period, TransactionSummary } from './transactions.js';

export * from './bgnbd.js';
export * from './gammagamma.js';
export * from './clv.js';
export { summariseTransactions, PERIODS, type Period, type SummariseOptions, type TransactionSummary } from './transactions.js';
export { nelderMead, type OptimiseOptions, type OptimiseResult } from './optimise.js';
export { lgamma, lbeta, logHyp2f1 } from './special.js';

/** Default horizon per period unit: one year. */
export const DEFAULT_HORIZON: Record<Period, number> = { day: 365, week: 52, month: 12 };

export interface ClvOptions {
  /** Periods ahead for expected purchases and CLV (default one year: 365 days, 52 weeks, 12 months). */
  horizon?: number;
  /** Annual discount rate (default 0.1), applied per period as (1 + R)^(1 / periods per year) - 1. */
  discountRate?: number;
}

export interface CustomerScores {
  users: string[];
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  meanSpend: Float64Array;
  /** E[X(horizon) | x, t_x, T]. */
  expectedPurchases: Float64Array;
  probabilityAlive: Float64Array;
  /** Gamma-Gamma E[M | x, m̄] (the population mean for x = 0). */
  expectedSpend: Float64Array;
  clv: Float64Array;
}

export interface ClvResult {
  period: Period;
  horizon: number;
  discountRate: number;
  periodDiscountRate: number;
  bgnbd: FitReport<BgNbdParams>;
  gammaGamma: FitReport<GammaGammaParams>;
  /** Calibration customers' holdout purchases, actual and as predicted, when the file has a holdout. */
  holdout: { periods: number; actual: number; predicted: number } | null;
  scores: CustomerScores;
}

/** Fits BG/NBD on all customers and Gamma-Gamma on those with repeat purchases, then scores every customer. */
export function fitClv(summary: TransactionSummary, options: ClvOptions = {}): ClvResult {
  const horizon = options.horizon ?? DEFAULT_HORIZON[summary.period];
  const discountRate = options.discountRate ?? 0.1;
  const rate = periodDiscountRate(discountRate, PERIODS_PER_YEAR[summary.period]);
  const bgnbd = fitBgNbd({ x: summary.x, tx: summary.tx, T: summary.T });
  const repeat: number[] = [];
  for (let i = 0; i < summary.x.length; i++) if (summary.x[i]! > 0 && summary.meanSpend[i]! > 0) repeat.push(i);
  if (repeat.length < 3) {
    throw new RangeError(`Gamma-Gamma needs customers with repeat purchases of positive value; found ${repeat.length}`);
  }
  const gammaGamma = fitGammaGamma({
    x: Float64Array.from(repeat, (i) => summary.x[i]!),
    mean: Float64Array.from(repeat, (i) => summary.meanSpend[i]!),
  });
  const n = summary.users.length;
  const scores: CustomerScores = {
    users: summary.users,
    x: summary.x,
    tx: summary.tx,
    T: summary.T,
    meanSpend: summary.meanSpend,
    expectedPurchases: new Float64Array(n),
    probabilityAlive: new Float64Array(n),
    expectedSpend: new Float64Array(n),
    clv: new Float64Array(n),
  };
  let actual = 0;
  let predicted = 0;
  // CLV is linear in spend, so the discounted purchase stream is computed once per distinct (x, t_x, T).
  const perTriple = new Map<string, { clv: number; expectedPurchases: number; holdout: number }>();
  for (let i = 0; i < n; i++) {
    const [x, tx, T] = [summary.x[i]!, summary.tx[i]!, summary.T[i]!];
    const key = `${x},${tx},${T}`;
    let stream = perTriple.get(key);
    if (!stream) {
      stream = {
        ...customerLifetimeValue(bgnbd.params, 1, x, tx, T, horizon, rate),
        holdout: summary.holdoutPeriods > 0 ? expectedPurchases(bgnbd.params, summary.holdoutPeriods, x, tx, T) : 0,
      };
      perTriple.set(key, stream);
    }
    const spend = expectedAverageSpend(gammaGamma.params, x, summary.meanSpend[i]!);
    scores.expectedPurchases[i] = stream.expectedPurchases;
    scores.probabilityAlive[i] = probabilityAlive(bgnbd.params, x, tx, T);
    scores.expectedSpend[i] = spend;
    scores.clv[i] = stream.clv * spend;
    actual += summary.holdout[i]!;
    predicted += stream.holdout;
  }
  return {
    period: summary.period,
    horizon,
    discountRate,
    periodDiscountRate: rate,
    bgnbd,
    gammaGamma,
    holdout: summary.holdoutPeriods > 0 ? { periods: summary.holdoutPeriods, actual, predicted } : null,
    scores,
  };
}
