/** Customer lifetime value from BG/NBD purchases and Gamma-Gamma spend, discounted per period. */
import { expectedPurchases, type BgNbdParams } from './bgnbd.js';

/** Periods in a year for each period unit (weeks as 365.25 / 7, months as 12). */
export const PERIODS_PER_YEAR = { day: 365.25, week: 365.25 / 7, month: 12 } as const;

/** The per-period discount rate that compounds to the annual rate: (1 + annual)^(1 / periods per year) - 1. */
export function periodDiscountRate(annualRate: number, periodsPerYear: number): number {
  return Math.pow(1 + annualRate, 1 / periodsPerYear) - 1;
}

/**
 * CLV over `horizon` periods: Σ_{k=1..H} (E[X(k)] - E[X(k-1)]) · spend / (1 + d)^k, i.e. the purchases
 * expected in period k, valued at the expected average spend, discounted to the calibration end.
 * `spend` is the expected value of one transaction (Gamma-Gamma's E[M]); `d` the per-period rate.
 * Returns the expected purchases over the horizon too (E[X(H)]), as it is computed along the way.
 */
export function customerLifetimeValue(
  p: BgNbdParams,
  spend: number,
  x: number,
  tx: number,
  T: number,
  horizon: number,
  periodRate: number,
): { clv: number; expectedPurchases: number } {
  let previous = 0;
  let clv = 0;
  let discount = 1;
  for (let k = 1; k <= horizon; k++) {
    const e = expectedPurchases(p, k, x, tx, T);
    discount /= 1 + periodRate;
    clv += (e - previous) * spend * discount;
    previous = e;
  }
  return { clv, expectedPurchases: previous };
}
