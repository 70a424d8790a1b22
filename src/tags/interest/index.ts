/** Interest scores (DOMAIN.md section 2): see docs/interest.md. */
export {
  InterestConfigSchema,
  defaultInterestConfig,
  resolveInterestConfig,
  type InterestConfig,
  type InterestConfigInput,
} from './config.js';
export {
  BONUS_ACTIONS,
  behaviourWeight,
  decayWeight,
  dwellWeight,
  interactionWeight,
  interactionWeightSql,
  type BonusAction,
  type Interaction,
  type InteractionColumns,
} from './weights.js';
export { interestScore, interestScoreSql } from './sigmoid.js';
export {
  buildInterestScores,
  interestScoresSql,
  DIMENSIONS,
  INTEREST_TABLE,
  GIFT_PURCHASES_TABLE,
  INTERACTION_TYPES,
  type Dimension,
  type InterestBuildOptions,
  type InterestBuildReport,
} from './build.js';
