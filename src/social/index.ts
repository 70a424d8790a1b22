/**
 * The social graph (issue 6): friends, follows, shares and invites; propagation (fission) trees with the
 * K-factor; influence (KOL / KOC) and communities. See docs/social.md.
 */
export {
  INFLUENCE_KINDS,
  friendsSql,
  friendPairsSql,
  influenceEdgesSql,
  referralsSql,
  purchasesSql as socialPurchasesSql,
  type InfluenceKind,
} from './relations.js';
export {
  CommunityOptionsSchema,
  InfluenceOptionsSchema,
  SocialBuildOptionsSchema,
  SpreadOptionsSchema,
  type CommunityOptions,
  type InfluenceOptions,
  type SocialBuildOptions,
  type SocialBuildOptionsInput,
  type SpreadOptions,
  type SpreadOptionsInput,
} from './config.js';
export {
  buildSocialGraph,
  socialBuildInfo,
  COMMUNITIES_TABLE,
  INFLUENCE_TABLE,
  SOCIAL_BUILDS_TABLE,
  type SocialBuildInfo,
  type SocialBuildReport,
} from './build.js';
export {
  communitySummaries,
  kolGraph,
  kolRanking,
  requireSocialBuild,
  type CategoryShare,
  type CommunityReport,
  type CommunitySummary,
  type InfluenceRow,
  type InfluenceTier,
  type KolGraph,
  type KolRanking,
} from './read.js';
export {
  listCampaigns,
  spreadTree,
  type CampaignSummary,
  type Contribution,
  type Sharer,
  type SpreadCosts,
  type SpreadLevel,
  type SpreadNode,
  type SpreadTree,
  type Virality,
} from './spread.js';
export { nodeRecord, spreadTreeText, treeFormat, writeSpreadTree, TREE_FORMATS, type TreeFormat } from './export.js';
export { evaluateSocial, type AtN, type SocialEvaluation, type TierCheck } from './evaluate.js';
export { socialBenchStages, type SocialBenchStage } from './bench.js';
export { kolGraphOption, spreadLevelsOption, spreadTreeOption, type KolGraphInput, type SpreadLevelsInput, type SpreadTreeInput } from './charts.js';
