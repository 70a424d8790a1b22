/** Recommendations in a workspace: sources, the blend, training and serving (docs/recommend.md). */
export { workspaceInteractions, interactionsSql, DEFAULT_BEHAVIOUR_WEIGHTS, type BehaviourWeights, type InteractionsOptions } from './interactions.js';
export { defaultRecsConfig, resolveRecsConfig, RecsConfigSchema, SOURCES, type RecsConfig, type RecsConfigInput, type SourceName } from './blend/config.js';
export { blendSql, candidateParts, rankSql } from './blend/blend.js';
export { reasonSqlEn, reasonSqlZh } from './blend/reasons.js';
export { ALL_SOURCES, prepareSources, dropPrepared, type Source, type SourceContext } from './sources/index.js';
export { trainRecommendations, trainModels, blendInto, RECS_TABLE, RECS_BUILDS_TABLE, type TrainReport, type TrainOptions } from './serve/train.js';
export { recommendationsFor, recommendationsTrained, type UserRecommendations, type StoredRecommendation } from './serve/read.js';
export { exportRecommendations, type RecommendationsExport } from './serve/export.js';
