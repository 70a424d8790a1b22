/** Abuse detection: coupon-abuse (薅羊毛) and scalping (黄牛) risk scores with reasons. See docs/risk.md. */
export {
  defaultRiskConfig,
  DEFAULT_RISK_WEIGHTS,
  resolveRiskConfig,
  RISK_KINDS,
  RISK_SIGNALS,
  RiskConfigSchema,
  riskSignalKind,
  type RiskConfig,
  type RiskConfigInput,
  type RiskKind,
  type RiskSignal,
} from './config.js';
export { buildUserRisk, RISK_BUILDS_TABLE, RISK_TABLE, type RiskBuildOptions, type RiskBuildReport } from './build.js';
export { listRisk, type RiskList, type RiskListOptions, type RiskRow } from './read.js';
export { evaluateRisk, RISK_TRUTH_KIND, type RiskCounts, type RiskEvaluation, type RiskEvaluationOptions } from './evaluate.js';
