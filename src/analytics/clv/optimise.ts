/**
 * Nelder-Mead minimisation with restarts. Models are fitted on log-parameters, so the search is
 * unconstrained and every step keeps the parameters positive.
 */

export interface OptimiseOptions {
  /** Stop when the simplex's function values differ by less than this (absolute) ... */
  fTol?: number;
  /** ... and its points by less than this in every coordinate. */
  xTol?: number;
  /** Iterations per run. */
  maxIterations?: number;
  /** Restarts from the best point with a fresh simplex; the search stops early once a restart gains nothing. */
  maxRestarts?: number;
  /** Size of the initial simplex's steps (in log-parameter units). */
  step?: number;
}

export interface OptimiseResult {
  x: number[];
  /** The minimum found. */
  value: number;
  /** Iterations over all runs. */
  iterations: number;
  /** Runs made (1 + restarts). */
  runs: number;
  /** True when a restart from the best point gained nothing and that run met the tolerances. */
  converged: boolean;
}

/** Minimises `f` from `start`. Non-finite values count as +Infinity (the simplex steps away from them). */
export function nelderMead(f: (x: number[]) => number, start: number[], options: OptimiseOptions = {}): OptimiseResult {
  const fTol = options.fTol ?? 1e-10;
  const xTol = options.xTol ?? 1e-8;
  const maxIterations = options.maxIterations ?? 5000;
  const maxRestarts = options.maxRestarts ?? 10;
  const step = options.step ?? 0.5;
  const safe = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let best = start.slice();
  let bestValue = safe(best);
  let iterations = 0;
  let runs = 0;
  let converged = false;
  for (let restart = 0; restart <= maxRestarts; restart++) {
    runs++;
    const run = simplexRun(safe, best, restart === 0 ? step : step / 2, fTol, xTol, maxIterations);
    iterations += run.iterations;
    const gain = bestValue - run.value;
    if (run.value <= bestValue) {
      best = run.x;
      bestValue = run.value;
    }
    if (restart > 0 && gain <= fTol * 10 * Math.max(1, Math.abs(bestValue))) {
      // A restart that gains nothing ends the search; it has converged only if that run met the tolerances
      // (a run that used up its iterations is crawling along a ridge, e.g. a parameter running to infinity).
      converged = run.converged;
      break;
    }
  }
  return { x: best, value: bestValue, iterations, runs, converged };
}

function simplexRun(
  f: (x: number[]) => number,
  start: number[],
  step: number,
  fTol: number,
  xTol: number,
  maxIterations: number,
): { x: number[]; value: number; iterations: number; converged: boolean } {
  const n = start.length;
  const points: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i]! += step;
    points.push(p);
  }
  let values = points.map(f);
  const [alpha, gamma, rho, sigma] = [1, 2, 0.5, 0.5];
  let iterations = 0;
  while (iterations < maxIterations) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
    const sorted = order.map((i) => points[i]!);
    values = order.map((i) => values[i]!);
    points.splice(0, points.length, ...sorted);
    const spreadF = Math.abs(values[n]! - values[0]!);
    let spreadX = 0;
    for (let i = 1; i <= n; i++) for (let k = 0; k < n; k++) spreadX = Math.max(spreadX, Math.abs(points[i]![k]! - points[0]![k]!));
    if (Number.isFinite(values[n]!) && spreadF <= fTol * Math.max(1, Math.abs(values[0]!)) && spreadX <= xTol) {
      return { x: points[0]!, value: values[0]!, iterations, converged: true };
    }
    iterations++;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) centroid[k]! += points[i]![k]! / n;
    const worst = points[n]!;
    const towards = (coef: number) => centroid.map((c, k) => c + coef * (c - worst[k]!));
    const reflected = towards(alpha);
    const fr = f(reflected);
    if (fr < values[0]!) {
      const expanded = towards(gamma);
      const fe = f(expanded);
      if (fe < fr) {
        points[n] = expanded;
        values[n] = fe;
      } else {
        points[n] = reflected;
        values[n] = fr;
      }
      continue;
    }
    if (fr < values[n - 1]!) {
      points[n] = reflected;
      values[n] = fr;
      continue;
    }
    // Contraction: outside when the reflection beat the worst point, inside otherwise.
    const contracted = fr < values[n]! ? towards(rho) : towards(-rho);
    const fc = f(contracted);
    if (fc < Math.min(fr, values[n]!)) {
      points[n] = contracted;
      values[n] = fc;
      continue;
    }
    // Shrink towards the best point.
    for (let i = 1; i <= n; i++) {
      points[i] = points[i]!.map((v, k) => points[0]![k]! + sigma * (v - points[0]![k]!));
      values[i] = f(points[i]!);
    }
  }
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  return { x: points[order[0]!]!, value: values[order[0]!]!, iterations, converged: false };
}
