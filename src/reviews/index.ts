/** Review analytics (docs/content.md): review rate, quality reviews, dimension scores, and conversion around reviews. */
export {
  reviewsReport,
  ReviewOptionsSchema,
  SCORE_DIMENSIONS,
  type ReviewCategoryRow,
  type ReviewOptionsInput,
  type ReviewsReport,
  type ReviewStats,
  type ScoreDimension,
  type ScoreStats,
} from './report.js';
export { reviewEffect, EFFECT_NOTE, type Comparison, type ConversionCell, type ReviewEffect } from './effect.js';
export { DEFAULT_QUALITY_LENGTH, qualitySql } from './quality.js';
export { CATEGORY_PATHS_SQL, categoryGroupsSql, scopeItemsCtes } from './categories.js';
