/** Noise control (DOMAIN.md section 2): gift purchases kept out of long-term interest. See docs/noise.md. */
export {
  GROUP_LEVELS,
  NoiseConfigSchema,
  defaultNoiseConfig,
  resolveNoiseConfig,
  type GroupLevel,
  type NoiseConfig,
  type NoiseConfigInput,
} from './config.js';
export { GIFT_TABLE, baselineSelectSql, giftFlagsSelectSql } from './sql.js';
export { buildGiftFlags, type GiftBuildOptions, type GiftBuildReport } from './build.js';
export { evaluateGiftFlags, type GiftEvaluation, type GiftEvaluationOptions, type Scores } from './evaluate.js';
