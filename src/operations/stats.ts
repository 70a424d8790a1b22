/**
 * The statistics of experiments: a two-proportion z-test for rates, Welch's t-test for means (GMV per
 * user), and the chi-square goodness-of-fit test behind the sample-ratio-mismatch check. Each works on
 * summary figures (counts, means, variances) that the engine computes, so a million users cost one
 * aggregate query. Distribution functions are stdlib's; quantiles invert them by bisection, so a
 * confidence interval and its p-value always come from the same function. See docs/campaigns.md.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';

/** One arm of a comparison: its users and the metric's summary over them. */
export interface ArmSummary {
  n: number;
  /** Rate (successes / n) or mean. */
  value: number;
}

/** The difference treatment - control with its interval and test. */
export interface Comparison {
  /** treatment - control. */
  difference: number;
  /** (treatment - control) / control; null when control is 0. */
  relativeLift: number | null;
  /** Standard error of the difference (unpooled; the interval's). */
  standardError: number | null;
  /** Confidence interval of the difference at `confidence`; null when it is undefined (no variance, too few users). */
  ci: [number, number] | null;
  confidence: number;
  /** z (rates) or t (means); null when undefined. */
  statistic: number | null;
  /** Welch-Satterthwaite degrees of freedom (means only). */
  df: number | null;
  /** Two-sided p-value; null when undefined. */
  pValue: number | null;
}

/** Standard normal CDF. */
export function normalCdfStd(x: number): number {
  return normalCdf(x, 0, 1);
}

/** Student's t CDF with `df` (not necessarily whole) degrees of freedom. */
export function studentTCdf(x: number, df: number): number {
  return tCdf(x, df);
}

/** Chi-square CDF with `df` degrees of freedom. */
export function chiSquareCdf(x: number, df: number): number {
  return chisquareCdf(x, df);
}

/**
 * The x with cdf(x) = p for an increasing CDF, by bisection to the last representable bit: slower than a
 * dedicated quantile function, but exact for any CDF and called a handful of times per report.
 */
function invert(cdf: (x: number) => number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be between 0 and 1 (got ${p})`);
  let lo = -1;
  let hi = 1;
  while (cdf(lo) > p) lo *= 2;
  while (cdf(hi) < p) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Standard normal quantile: normalQuantile(0.975) = 1.959963984540054. */
export function normalQuantile(p: number): number {
  return invert(normalCdfStd, p);
}

/** Student's t quantile with `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive (got ${df})`);
  return invert((x) => tCdf(x, df), p);
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (got ${confidence})`);
}

function relative(difference: number, control: number): number | null {
  const r = difference / control;
  return Number.isFinite(r) ? r : null;
}

/**
 * Two-proportion z-test of treatment against control (successes out of n in each). The test uses the
 * pooled proportion under the null hypothesis of equal rates, z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)),
 * two-sided p = 2 Phi(-|z|) (the same as Pearson's chi-square on the 2x2 table without continuity
 * correction); the interval uses the unpooled (Wald) standard error sqrt(p1(1-p1)/n1 + p2(1-p2)/n2).
 */
export function twoProportionZTest(
  treatment: { successes: number; n: number },
  control: { successes: number; n: number },
  confidence = 0.95,
): Comparison & { treatment: ArmSummary; control: ArmSummary } {
  checkConfidence(confidence);
  for (const [name, arm] of [['treatment', treatment], ['control', control]] as const) {
    if (!Number.isInteger(arm.n) || arm.n < 0 || !Number.isInteger(arm.successes) || arm.successes < 0 || arm.successes > arm.n) {
      throw new RangeError(`${name}: successes must be a whole number between 0 and n (got ${arm.successes} of ${arm.n})`);
    }
  }
  const n1 = treatment.n;
  const n2 = control.n;
  const p1 = n1 ? treatment.successes / n1 : NaN;
  const p2 = n2 ? control.successes / n2 : NaN;
  const t: ArmSummary = { n: n1, value: p1 };
  const c: ArmSummary = { n: n2, value: p2 };
  if (!n1 || !n2) {
    return { treatment: t, control: c, difference: NaN, relativeLift: null, standardError: null, ci: null, confidence, statistic: null, df: null, pValue: null };
  }
  const difference = p1 - p2;
  const pooled = (treatment.successes + control.successes) / (n1 + n2);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const statistic = se0 > 0 ? difference / se0 : null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return {
    treatment: t,
    control: c,
    difference,
    relativeLift: relative(difference, p2),
    standardError: se,
    ci: se > 0 ? [difference - z * se, difference + z * se] : null,
    confidence,
    statistic,
    df: null,
    pValue: statistic === null ? null : 2 * normalCdfStd(-Math.abs(statistic)),
  };
}

/** Summary of a sample for Welch's test: size, mean and sample variance (divisor n - 1). */
export interface SampleSummary {
  n: number;
  mean: number;
  variance: number;
}

/**
 * Welch's unequal-variances t-test of treatment against control from their summaries:
 * t = (m1 - m2) / sqrt(s1^2/n1 + s2^2/n2) with Welch-Satterthwaite degrees of freedom
 * df = (a + b)^2 / (a^2/(n1-1) + b^2/(n2-1)), a = s1^2/n1, b = s2^2/n2; two-sided p = 2 F_t(-|t|; df),
 * interval (m1 - m2) +- t_{(1+confidence)/2; df} x SE.
 */
export function welchTTest(treatment: SampleSummary, control: SampleSummary, confidence = 0.95): Comparison & { treatment: ArmSummary; control: ArmSummary } {
  checkConfidence(confidence);
  for (const [name, s] of [['treatment', treatment], ['control', control]] as const) {
    if (!Number.isInteger(s.n) || s.n < 0) throw new RangeError(`${name}: n must be a whole number of at least 0 (got ${s.n})`);
    if (s.n > 0 && !Number.isFinite(s.mean)) throw new RangeError(`${name}: the mean must be a finite number (got ${s.mean})`);
    if (s.n > 1 && !(s.variance >= 0 && Number.isFinite(s.variance))) throw new RangeError(`${name}: the variance must be a finite number of at least 0 (got ${s.variance})`);
  }
  const t: ArmSummary = { n: treatment.n, value: treatment.n ? treatment.mean : NaN };
  const c: ArmSummary = { n: control.n, value: control.n ? control.mean : NaN };
  const difference = t.value - c.value;
  const empty = { treatment: t, control: c, difference, relativeLift: relative(difference, c.value), standardError: null, ci: null, confidence, statistic: null, df: null, pValue: null };
  // A variance needs two users in each arm.
  if (treatment.n < 2 || control.n < 2) return empty;
  const a = treatment.variance / treatment.n;
  const b = control.variance / control.n;
  const se = Math.sqrt(a + b);
  if (!(se > 0)) return { ...empty, standardError: 0 };
  const df = (a + b) ** 2 / (a ** 2 / (treatment.n - 1) + b ** 2 / (control.n - 1));
  const statistic = difference / se;
  const q = studentTQuantile(1 - (1 - confidence) / 2, df);
  return {
    ...empty,
    standardError: se,
    ci: [difference - q * se, difference + q * se],
    statistic,
    df,
    pValue: 2 * studentTCdf(-Math.abs(statistic), df),
  };
}

export interface GoodnessOfFit {
  chiSquare: number;
  df: number;
  pValue: number;
  expected: number[];
}

/**
 * Pearson's chi-square goodness of fit of observed counts against planned shares (normalised to sum
 * to 1): chi^2 = sum (O - E)^2 / E with E = N x share, k - 1 degrees of freedom, p = 1 - F(chi^2).
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], shares: readonly number[]): GoodnessOfFit {
  if (observed.length !== shares.length || observed.length < 2) throw new RangeError('goodness of fit needs two or more categories, with a share for each');
  if (shares.some((s) => !(s > 0))) throw new RangeError('every planned share must be above 0');
  if (observed.some((o) => !Number.isInteger(o) || o < 0)) throw new RangeError('observed counts must be whole numbers of at least 0');
  const total = observed.reduce((s, o) => s + o, 0);
  const shareSum = shares.reduce((s, x) => s + x, 0);
  const expected = shares.map((s) => (total * s) / shareSum);
  const df = observed.length - 1;
  if (total === 0) return { chiSquare: 0, df, pValue: 1, expected };
  const chiSquare = observed.reduce((s, o, i) => s + (o - expected[i]!) ** 2 / expected[i]!, 0);
  return { chiSquare, df, pValue: 1 - chiSquareCdf(chiSquare, df), expected };
}

/** A sample ratio mismatch is flagged below this p-value: a split this uneven by chance is 1 in 1,000. */
export const SRM_ALPHA = 0.001;

export interface SampleRatioCheck extends GoodnessOfFit {
  /** Planned share of the holdout. */
  plannedHoldout: number;
  /** Observed share of the holdout. */
  observedHoldout: number;
  /** True when pValue < SRM_ALPHA: the split is not what the assignment planned, so the comparison is suspect. */
  mismatch: boolean;
}

/** The sample-ratio-mismatch check: the observed treatment/holdout split against the planned holdout share. */
export function sampleRatioCheck(treatment: number, holdout: number, plannedHoldout: number): SampleRatioCheck {
  if (!(plannedHoldout > 0 && plannedHoldout < 1)) throw new RangeError(`planned holdout share must be between 0 and 1 (got ${plannedHoldout})`);
  const fit = chiSquareGoodnessOfFit([treatment, holdout], [1 - plannedHoldout, plannedHoldout]);
  const total = treatment + holdout;
  return { ...fit, plannedHoldout, observedHoldout: total ? holdout / total : NaN, mismatch: fit.pValue < SRM_ALPHA };
}
