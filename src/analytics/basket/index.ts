/**
 * Basket rules (market-basket analysis): frequent itemsets by FP-growth and single-consequent
 * association rules with support, confidence and lift as R arules defines them, on a basket file or
 * on workspace orders / daily buys. See docs/basket.md.
 */
export { BasketBuilder, basketsFromLists, type Baskets } from './baskets.js';
export { addBasketLine, basketsFromText, readBasketFile } from './read.js';
export { frequentItemsets, type FrequentItemsets, type MiningOptions } from './fpgrowth.js';
export { ItemsetStore, ItemsetLimitError } from './itemsets.js';
export {
  DEFAULT_MAX_ITEMSETS,
  DEFAULT_MAX_LEN,
  mineBasketRules,
  minimumCount,
  ruleText,
  type BasketRule,
  type BasketRuleSet,
  type BasketRulesSummary,
  type RuleOptions,
} from './rules.js';
export {
  BASKET_ITEMS,
  BASKET_KINDS,
  basketsFromWorkspace,
  workspaceBasketRules,
  type BasketItems,
  type BasketKind,
  type WorkspaceBasketOptions,
} from './workspace.js';
