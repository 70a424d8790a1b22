/**
 * The S-shaped curve from a summed weight to a 0-10 interest score: a logistic with a midpoint and a
 * steepness, shifted and rescaled so that a sum of 0 scores exactly 0 and an unbounded sum approaches max:
 *
 *   L(s) = 1 / (1 + exp(-k (s - m)))
 *   score(s) = max x (L(s) - L(0)) / (1 - L(0))
 *
 * The curve keeps the logistic's S shape (inflection at s = m) and stays in [0, max) for sums >= 0.
 */
import type { InterestConfig } from './config.js';
import { ParamList, type BoundSql } from './weights.js';

function logistic(s: number, k: number, m: number): number {
  return 1 / (1 + Math.exp(-k * (s - m)));
}

/** The 0-10 interest score of a summed weight. */
export function interestScore(sum: number, config: InterestConfig): number {
  const { midpoint: m, steepness: k, max } = config.curve;
  const l0 = logistic(0, k, m);
  return (max * (logistic(sum, k, m) - l0)) / (1 - l0);
}

/** The SQL form of `interestScore` for a DOUBLE expression holding the sum. */
export function interestScoreSql(sum: string, config: InterestConfig, firstParam: number): BoundSql {
  const p = new ParamList(firstParam);
  const { midpoint: m, steepness: k, max } = config.curve;
  const kk = p.add(k);
  const mm = p.add(m);
  const l = (s: string) => `(1 / (1 + exp(-${kk} * (${s} - ${mm}))))`;
  const l0 = l('0');
  return { sql: `(${p.add(max)} * (${l(sum)} - ${l0}) / (1 - ${l0}))`, params: p.params };
}
