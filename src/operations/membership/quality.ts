/** A quality review (优质评价) as an SQL condition over a `reviews` row, with bound thresholds. */
import type { SqlParams } from '../../conditions/params.js';
import type { QualityReviewRules } from './rules.js';

/** A boolean SQL expression: is the review aliased `r` a quality review? Never null. */
export function qualityReviewSql(params: SqlParams, rules: QualityReviewRules, r = 'r'): string {
  const longText = `coalesce(${r}.text_length >= ${params.bind(rules.minTextLength)}, false)`;
  const media = rules.media.length ? `coalesce(CAST(${r}.media AS VARCHAR) IN (${params.bindList(rules.media)}), false)` : 'false';
  return `(${longText} ${rules.match === 'all' ? 'AND' : 'OR'} ${media})`;
}
