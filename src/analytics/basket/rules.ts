/**
 * Association rules with one item in the consequent, as R arules' apriori() defines them:
 * support(X => y) = support(X ∪ {y}), confidence = count(X ∪ {y}) / count(X), lift = confidence /
 * support(y), coverage = support(X), count = count(X ∪ {y}). The minimum count is
 * ceil(minSupport x transactions); a rule is kept when confidence >= minConfidence (less 1e-12 for
 * round-off, as arules does); rule length = items in X plus one. With minLen 1 (arules' default) rules
 * with an empty antecedent, {} => {y}, are included when support(y) reaches minConfidence.
 */
import { PortraitError } from '../../errors.js';
import type { Baskets } from './baskets.js';
import { frequentItemsets } from './fpgrowth.js';
import { ItemsetLimitError } from './itemsets.js';

export interface RuleOptions {
  /** Minimum support, a fraction of all baskets: 0 < minSupport <= 1. */
  minSupport: number;
  /** Minimum confidence, 0..1. */
  minConfidence: number;
  /** Minimum rule length (items in antecedent and consequent), default 1 as in arules. */
  minLen?: number;
  /** Maximum itemset / rule length, default 10 as in arules. */
  maxLen?: number;
  /** Memory bound: stop with an error beyond this many frequent itemsets (default 5 million). */
  maxItemsets?: number;
}

export const DEFAULT_MAX_LEN = 10;
export const DEFAULT_MAX_ITEMSETS = 5_000_000;
/** arules (Borgelt's apriori) accepts a rule when confidence >= minimum - 1e-12. */
const CONFIDENCE_EPSILON = 1e-12;

export interface BasketRule {
  /** Antecedent items, sorted by name (code-unit order); empty for {} => {y}. */
  antecedent: string[];
  consequent: string;
  support: number;
  confidence: number;
  coverage: number;
  lift: number;
  count: number;
}

export interface BasketRulesSummary {
  source: string;
  transactions: number;
  emptyTransactions: number;
  /** Distinct items in the data. */
  items: number;
  frequentItems: number;
  minSupport: number;
  /** ceil(minSupport x transactions), at least 1. */
  minCount: number;
  minConfidence: number;
  minLen: number;
  maxLen: number;
  /** Frequent itemsets of 1..maxLen items. */
  frequentItemsets: number;
  /** itemsetsByLength[k - 1] = frequent itemsets of k items. */
  itemsetsByLength: number[];
  rules: number;
}

export interface BasketRuleSet {
  summary: BasketRulesSummary;
  /** Number of rules; rule(0) is the first in the order lift, confidence, support (all descending), rule text. */
  size: number;
  rule(index: number): BasketRule;
  /** The first `limit` rules (all without a limit). */
  top(limit?: number): BasketRule[];
}

/** The text of a rule as arules prints it: {a,b} => {c}. */
export function ruleText(rule: Pick<BasketRule, 'antecedent' | 'consequent'>): string {
  return `{${rule.antecedent.join(',')}} => {${rule.consequent}}`;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Minimum count for a support threshold, as arules computes it: ceil(n x minSupport) in double precision. */
export function minimumCount(minSupport: number, transactions: number): number {
  return Math.max(1, Math.ceil(transactions * minSupport));
}

function check(options: RuleOptions): Required<RuleOptions> {
  const { minSupport, minConfidence } = options;
  const minLen = options.minLen ?? 1;
  const maxLen = options.maxLen ?? DEFAULT_MAX_LEN;
  const maxItemsets = options.maxItemsets ?? DEFAULT_MAX_ITEMSETS;
  if (!(minSupport > 0 && minSupport <= 1)) throw new RangeError(`minimum support must be in (0, 1]; got ${minSupport}`);
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new RangeError(`minimum confidence must be in [0, 1]; got ${minConfidence}`);
  if (!Number.isInteger(minLen) || minLen < 1) throw new RangeError(`minimum length must be a whole number, at least 1; got ${minLen}`);
  if (!Number.isInteger(maxLen) || maxLen < minLen) throw new RangeError(`maximum length must be a whole number, at least the minimum length (${minLen}); got ${maxLen}`);
  if (!Number.isInteger(maxItemsets) || maxItemsets < 1) throw new RangeError(`maxItemsets must be a whole number, at least 1`);
  return { minSupport, minConfidence, minLen, maxLen, maxItemsets };
}

/** Mines frequent itemsets (FP-growth) and single-consequent rules from baskets. */
export function mineBasketRules(baskets: Baskets, options: RuleOptions): BasketRuleSet {
  const opts = check(options);
  const n = baskets.count;
  const minCount = minimumCount(opts.minSupport, n);
  let mined;
  try {
    mined = frequentItemsets(baskets, { minCount, maxLen: opts.maxLen, maxItemsets: opts.maxItemsets });
  } catch (error) {
    if (error instanceof ItemsetLimitError) {
      throw new PortraitError(
        `${baskets.source}: more than ${error.limit.toLocaleString('en-US')} frequent itemsets at minimum support ${opts.minSupport} (count ${minCount})`,
        'raise the minimum support or lower the maximum length',
      );
    }
    throw error;
  }
  const { store, itemCounts } = mined;
  const labels = baskets.labels;

  // Rules as (itemset, position of the consequent), with confidence and lift.
  let cap = 1024;
  let ruleSet = new Int32Array(cap);
  let rulePos = new Int32Array(cap);
  let ruleConf = new Float64Array(cap);
  let ruleLift = new Float64Array(cap);
  let ruleCover = new Int32Array(cap);
  let size = 0;
  for (let i = 0; i < store.size; i++) {
    const len = store.length(i);
    if (len < opts.minLen) continue;
    const items = store.items(i);
    const countZ = store.count(i);
    for (let k = 0; k < len; k++) {
      const countX = len === 1 ? n : store.countWithout(items, len, k);
      if (countX < 0) throw new Error('internal: a subset of a frequent itemset was not found');
      const conf = countZ / countX;
      if (conf < opts.minConfidence - CONFIDENCE_EPSILON) continue;
      if (size === cap) {
        cap *= 2;
        ruleSet = grow(ruleSet, cap);
        rulePos = grow(rulePos, cap);
        ruleConf = grow(ruleConf, cap);
        ruleLift = grow(ruleLift, cap);
        ruleCover = grow(ruleCover, cap);
      }
      ruleSet[size] = i;
      rulePos[size] = k;
      ruleConf[size] = conf;
      ruleLift[size] = (conf * n) / itemCounts[items[k]!]!;
      ruleCover[size] = countX;
      size++;
    }
  }

  const build = (r: number): BasketRule => {
    const i = ruleSet[r]!;
    const items = store.items(i);
    const pos = rulePos[r]!;
    const antecedent: string[] = [];
    for (let k = 0; k < items.length; k++) if (k !== pos) antecedent.push(labels[items[k]!]!);
    antecedent.sort(byCodeUnits);
    const count = store.count(i);
    return {
      antecedent,
      consequent: labels[items[pos]!]!,
      support: count / n,
      confidence: ruleConf[r]!,
      coverage: ruleCover[r]! / n,
      lift: ruleLift[r]!,
      count,
    };
  };
  const texts: (string | undefined)[] = new Array(size);
  const textOf = (r: number) => (texts[r] ??= ruleText(build(r)));
  const order = new Int32Array(size);
  for (let r = 0; r < size; r++) order[r] = r;
  // Compared as exact fractions of counts, so rules whose lift or confidence is mathematically equal tie
  // (and fall to the next key) even when their floating-point values differ in the last bit:
  // lift = count(XY) n / (count(X) count(Y)), confidence = count(XY) / count(X).
  const countZ = (r: number) => store.count(ruleSet[r]!);
  const countY = (r: number) => itemCounts[store.items(ruleSet[r]!)[rulePos[r]!]!]!;
  order.sort(
    (a, b) =>
      compareProducts(countZ(b), ruleCover[a]!, countY(a), countZ(a), ruleCover[b]!, countY(b)) ||
      compareProducts(countZ(b), ruleCover[a]!, 1, countZ(a), ruleCover[b]!, 1) ||
      countZ(b) - countZ(a) ||
      byCodeUnits(textOf(a), textOf(b)),
  );

  const byLength = mined.byLength.slice(1);
  const summary: BasketRulesSummary = {
    source: baskets.source,
    transactions: n,
    emptyTransactions: baskets.empty,
    items: labels.length,
    frequentItems: mined.frequentItems,
    minSupport: opts.minSupport,
    minCount,
    minConfidence: opts.minConfidence,
    minLen: opts.minLen,
    maxLen: opts.maxLen,
    frequentItemsets: store.size,
    itemsetsByLength: trimZeros(byLength),
    rules: size,
  };
  const rule = (index: number): BasketRule => {
    if (!(index >= 0 && index < size)) throw new RangeError(`rule ${index} out of range (0..${size - 1})`);
    return build(order[index]!);
  };
  return {
    summary,
    size,
    rule,
    top: (limit = size) => Array.from({ length: Math.min(limit, size) }, (_, i) => rule(i)),
  };
}

/** Sign of a1 a2 a3 - b1 b2 b3 for non-negative whole numbers, exactly (BigInt beyond 2^53). */
function compareProducts(a1: number, a2: number, a3: number, b1: number, b2: number, b3: number): number {
  const p = a1 * a2 * a3;
  const q = b1 * b2 * b3;
  if (p <= Number.MAX_SAFE_INTEGER && q <= Number.MAX_SAFE_INTEGER) return p - q;
  const d = BigInt(a1) * BigInt(a2) * BigInt(a3) - BigInt(b1) * BigInt(b2) * BigInt(b3);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

function trimZeros(counts: number[]): number[] {
  let end = counts.length;
  while (end > 0 && counts[end - 1] === 0) end--;
  return counts.slice(0, end);
}

function grow<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
