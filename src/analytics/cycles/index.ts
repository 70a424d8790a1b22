export { buildPurchaseCycles, purchaseCyclesSelectSql, purchaseCyclesSql, CYCLES_TABLE, DEFAULT_MIN_PURCHASES, type CyclesBuildOptions, type CyclesBuildReport } from './build.js';
export { dueWithin, cyclesTableExists, type DueOptions, type DueResult, type DueRow } from './due.js';
export { evaluateCycles, DEFAULT_HOLDOUT_DAYS, type CyclesEvaluation, type CyclesEvaluationOptions, type ErrorSummary } from './evaluate.js';
