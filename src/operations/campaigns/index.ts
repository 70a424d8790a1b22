/**
 * Campaigns and experiments with measured effect: the definition (goal, audience, offer, period,
 * holdout), the deterministic split, and the evaluation of treatment against holdout. See docs/campaigns.md.
 */
export {
  CampaignDefinitionSchema,
  CAMPAIGN_ID,
  OfferSchema,
  CAMPAIGN_METRICS,
  OFFER_TYPES,
  campaignWindows,
  describeOffer,
  type CampaignDefinition,
  type CampaignInput,
  type CampaignMetric,
  type CampaignWindows,
  type Offer,
} from './definition.js';
export { CampaignRegistry, parseCampaign } from './registry.js';
export { audienceSql, compileAudience, readsPortrait, type CompiledAudience } from './audience.js';
export {
  ARMS,
  ASSIGNMENTS_TABLE,
  ASSIGNMENT_RUNS_TABLE,
  armOf,
  assignCampaign,
  assignmentFingerprint,
  bucketOf,
  bucketSql,
  campaignAssignment,
  holdoutThreshold,
  type Arm,
  type AssignmentRelation,
  type AssignmentReport,
  type AssignOptions,
} from './assignment.js';
export { evaluateCampaign, START_STAGE, type ArmFigures, type CampaignEvaluation, type EvaluateOptions, type GroupEffect, type MetricEffect } from './evaluate.js';
