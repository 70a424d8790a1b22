import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chiSquareGoodnessOfFit,
  normalQuantile,
  sampleRatioCheck,
  studentTQuantile,
  twoProportionZTest,
  welchTTest,
  type SampleSummary,
} from '../src/operations/stats.js';

const close = (actual: number | null | undefined, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

function summary(xs: number[]): SampleSummary {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { n: xs.length, mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1) };
}

/**
 * The second method: a two-sided tail probability by integrating the (unnormalised) density with
 * Simpson's rule after x = tan(theta), which maps the whole line onto (-pi/2, pi/2) so the heavy tails
 * of a t density become a finite, smooth integral. P(|X| > x) = 1 - int_{-atan x}^{atan x} / int_{-pi/2}^{pi/2}.
 * It shares nothing with stdlib's CDFs (no special functions at all).
 */
function twoSidedTailByIntegration(density: (x: number) => number, x: number): number {
  const g = (theta: number) => {
    const c = Math.cos(theta);
    return c === 0 ? 0 : density(Math.tan(theta)) / (c * c);
  };
  const simpson = (a: number, b: number, n: number) => {
    const h = (b - a) / n;
    let s = g(a) + g(b);
    for (let i = 1; i < n; i++) s += g(a + i * h) * (i % 2 ? 4 : 2);
    return (s * h) / 3;
  };
  const a = Math.atan(Math.abs(x));
  return 1 - simpson(-a, a, 200_000) / simpson(-Math.PI / 2, Math.PI / 2, 200_000);
}
const normalDensity = (x: number) => Math.exp(-(x * x) / 2);
const tDensity = (df: number) => (x: number) => (1 + (x * x) / df) ** (-(df + 1) / 2);

test('quantiles: the textbook critical values', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-12, 'z 0.975');
  close(normalQuantile(0.995), 2.5758293035489004, 1e-12, 'z 0.995');
  close(normalQuantile(0.5), 0, 1e-12, 'z 0.5');
  close(studentTQuantile(0.975, 10), 2.228138851986274, 1e-10, 't 0.975, 10 df');
  close(studentTQuantile(0.975, 24.9), 2.0599580324598343, 1e-10, 't 0.975, 24.9 df');
  assert.throws(() => normalQuantile(1), RangeError);
  assert.throws(() => studentTQuantile(0.5, 0), RangeError);
});

test('two-proportion z-test: 15/50 against 25/50 is R\'s prop.test(c(15, 25), c(50, 50), correct = FALSE)', () => {
  // By hand: p1 = .3, p2 = .5, pooled .4; SE0 = sqrt(.4 x .6 x (1/50 + 1/50)) = .0979796;
  // z = -.2 / .0979796 = -2.0412415; X-squared = z^2 = 4.1667, p-value = 0.04123 (R's printout).
  // Full precision from scipy 1.17 (norm.sf, chi2_contingency without correction).
  const r = twoProportionZTest({ successes: 15, n: 50 }, { successes: 25, n: 50 });
  close(r.treatment.value, 0.3, 1e-15, 'p1');
  close(r.control.value, 0.5, 1e-15, 'p2');
  close(r.difference, -0.2, 1e-15, 'difference');
  close(r.relativeLift, -0.4, 1e-15, 'relative lift');
  close(r.statistic, -2.041241452319315, 1e-12, 'z');
  close(r.statistic! ** 2, 4.1667, 5e-5, 'X-squared as R prints it');
  close(r.pValue, 0.041226833337163676, 1e-12, 'p');
  close(r.pValue, 0.04123, 5e-6, 'p as R prints it');
  // The interval uses the unpooled SE sqrt(.3 x .7/50 + .5 x .5/50) = .0959166.
  close(r.standardError, Math.sqrt(0.3 * 0.7 / 50 + 0.25 / 50), 1e-15, 'SE');
  close(r.ci![0], -0.3879931412322959, 1e-12, 'CI low');
  close(r.ci![1], -0.012006858767704132, 1e-12, 'CI high');
  // Second method: integrating the normal density gives the same two-sided tail.
  close(twoSidedTailByIntegration(normalDensity, r.statistic!), r.pValue!, 1e-9, 'p by integration');
});

test('two-proportion z-test on campaign-sized arms: 486/5000 against 412/5000', () => {
  const r = twoProportionZTest({ successes: 486, n: 5000 }, { successes: 412, n: 5000 });
  close(r.statistic, 2.5883627183834133, 1e-11, 'z');
  close(r.pValue, 0.00964333770604718, 1e-12, 'p');
  close(r.ci![0], 0.0035968760388027255, 1e-12, 'CI low');
  close(r.ci![1], 0.026003123961197264, 1e-12, 'CI high');
  close(twoSidedTailByIntegration(normalDensity, r.statistic!), r.pValue!, 1e-9, 'p by integration');
  // A 99% interval is wider and still centred on the difference.
  const wide = twoProportionZTest({ successes: 486, n: 5000 }, { successes: 412, n: 5000 }, 0.99);
  assert.ok(wide.ci![0] < r.ci![0] && wide.ci![1] > r.ci![1]);
  close((wide.ci![0] + wide.ci![1]) / 2, r.difference, 1e-15, 'centre');
});

test('two-proportion z-test: undefined figures are null, bad counts are refused', () => {
  const none = twoProportionZTest({ successes: 0, n: 40 }, { successes: 0, n: 60 });
  assert.equal(none.difference, 0);
  assert.equal(none.statistic, null);
  assert.equal(none.pValue, null);
  assert.equal(none.ci, null);
  assert.equal(none.relativeLift, null);
  const empty = twoProportionZTest({ successes: 3, n: 10 }, { successes: 0, n: 0 });
  assert.equal(empty.pValue, null);
  assert.throws(() => twoProportionZTest({ successes: 11, n: 10 }, { successes: 1, n: 10 }), /between 0 and n/);
  assert.throws(() => twoProportionZTest({ successes: 1, n: 10 }, { successes: 1, n: 10 }, 1), /confidence/);
});

// The three worked examples of Welch's t-test on Wikipedia ("Welch's t-test", Examples), which print
// t, df and p to two or three figures; full precision from scipy 1.17 (ttest_ind, equal_var=False).
const WELCH_EXAMPLES: { a: number[]; b: number[]; published: [number, number, number]; t: number; df: number; p: number; ci: [number, number] }[] = [
  {
    a: [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
    b: [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
    published: [-2.46, 24.9, 0.021],
    t: -2.455356398286006, df: 24.988529290231416, p: 0.021378001462866992, ci: [-3.984096267140929, -0.3492370661924069],
  },
  {
    a: [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
    b: [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8],
    published: [-1.57, 9.9, 0.149],
    t: -1.5654335235985037, df: 9.904741248650831, p: 0.14884169660532817, ci: [-3.698421325375163, 0.6484213253751658],
  },
  {
    a: [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0],
    b: [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3],
    published: [-2.22, 24.5, 0.036],
    t: -2.225512039969852, df: 24.524634944257343, p: 0.035484530830010394, ci: [-4.276458650120555, -0.16354134987944358],
  },
];

test('Welch\'s t-test: the published examples, to their printed figures and to full precision', () => {
  for (const [i, x] of WELCH_EXAMPLES.entries()) {
    const r = welchTTest(summary(x.a), summary(x.b));
    const [t, df, p] = x.published;
    // The page rounds some figures and cuts others (df 24.99 prints as 24.9, t -2.2255 as -2.22), so
    // each is checked to one unit of its last printed digit.
    close(r.statistic, t, 0.01, `example ${i + 1} t (published)`);
    close(r.df, df, 0.1, `example ${i + 1} df (published)`);
    close(r.pValue, p, 0.001, `example ${i + 1} p (published)`);
    close(r.statistic, x.t, 1e-10, `example ${i + 1} t`);
    close(r.df, x.df, 1e-9, `example ${i + 1} df`);
    close(r.pValue, x.p, 1e-10, `example ${i + 1} p`);
    close(r.ci![0], x.ci[0], 1e-9, `example ${i + 1} CI low`);
    close(r.ci![1], x.ci[1], 1e-9, `example ${i + 1} CI high`);
    // Second method: the t density integrated numerically at the same (fractional) degrees of freedom.
    close(twoSidedTailByIntegration(tDensity(r.df!), r.statistic!), r.pValue!, 1e-8, `example ${i + 1} p by integration`);
  }
});

test('Welch\'s t-test: equal variances and sizes give Student\'s df = n1 + n2 - 2; undefined cases are null', () => {
  const r = welchTTest({ n: 11, mean: 5, variance: 4 }, { n: 11, mean: 3, variance: 4 });
  close(r.df, 20, 1e-12, 'df');
  close(r.statistic, 2 / Math.sqrt(8 / 11), 1e-12, 't');
  close(r.relativeLift, 2 / 3, 1e-15, 'relative lift');
  const one = welchTTest({ n: 1, mean: 5, variance: 0 }, { n: 10, mean: 3, variance: 1 });
  assert.equal(one.pValue, null);
  assert.equal(one.ci, null);
  const flat = welchTTest({ n: 5, mean: 0, variance: 0 }, { n: 5, mean: 0, variance: 0 });
  assert.equal(flat.statistic, null);
  assert.equal(flat.standardError, 0);
  assert.throws(() => welchTTest({ n: 3, mean: 1, variance: -1 }, { n: 3, mean: 1, variance: 1 }), /variance/);
});

test('chi-square goodness of fit and the sample-ratio-mismatch check', () => {
  // By hand: 821 / 179 against 800 / 200: (21^2)/800 + (21^2)/200 = 0.55125 + 2.205 = 2.75625.
  const fit = chiSquareGoodnessOfFit([821, 179], [0.8, 0.2]);
  close(fit.chiSquare, 2.75625, 1e-12, 'chi-square');
  assert.deepEqual(fit.expected, [800, 200]);
  assert.equal(fit.df, 1);
  close(fit.pValue, 0.09687507502627439, 1e-12, 'p (scipy chisquare)');
  // With one degree of freedom chi-square is z^2: the tail by integrating the normal density agrees.
  close(twoSidedTailByIntegration(normalDensity, Math.sqrt(fit.chiSquare)), fit.pValue, 1e-9, 'p by integration');

  // A 75/25 plan: 7,480 / 2,520 is chance (p = .64); 7,300 / 2,700 is a mismatch (p = 3.9e-6 < .001).
  const fine = sampleRatioCheck(7480, 2520, 0.25);
  close(fine.chiSquare, 0.21333333333333335, 1e-12, 'chi-square');
  close(fine.pValue, 0.6441672226837103, 1e-12, 'p');
  close(fine.observedHoldout, 0.252, 1e-15, 'observed share');
  assert.equal(fine.mismatch, false);
  const broken = sampleRatioCheck(7300, 2700, 0.25);
  close(broken.chiSquare, 21.333333333333332, 1e-10, 'chi-square');
  close(broken.pValue, 3.8596164369284525e-6, 1e-12, 'p');
  assert.equal(broken.mismatch, true);

  // Three arms, shares given as weights.
  const three = chiSquareGoodnessOfFit([30, 30, 40], [1, 1, 2]);
  close(three.chiSquare, (5 ** 2) / 25 + (5 ** 2) / 25 + (10 ** 2) / 50, 1e-12, 'three-arm chi-square');
  assert.equal(three.df, 2);
  assert.throws(() => chiSquareGoodnessOfFit([1, 2], [0.5]), /share for each/);
  assert.throws(() => sampleRatioCheck(10, 10, 1), /between 0 and 1/);
});
