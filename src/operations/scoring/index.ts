/** Lead scoring (线索评分): plans of weighted rules, scores stored as tags, bands, best leads. See docs/scoring.md. */
export { ConditionOrSegmentSchema, PortraitConditions, requirePortrait } from './conditions.js';
export { loadScoringPlan, parseScoringPlan, planTagKeys, scoreRange, ScoringPlanSchema, PLAN_ID, type ScoringPlan, type ScoringRule } from './plan.js';
export { planTagDefinitions, ensurePlanTags } from './tags.js';
export { LEAD_SCORES_TABLE, ruleHitsSql, scoreLeads, scoringSql, type ScoringRun } from './score.js';
export {
  exportTopLeads,
  histogramBins,
  leadDistribution,
  niceWidth,
  topLeads,
  type BandCount,
  type HistogramBin,
  type Lead,
  type LeadDistribution,
  type LeadExport,
} from './report.js';
export { rescoreStoredPlans, runScoringPlan, storedScoringPlans, storeScoringPlan, type ScoringOptions, type ScoringResult } from './run.js';
export { storeVersioned, type StoredDefinition } from './versioned.js';
