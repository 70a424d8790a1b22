/**
 * Quality reviews (优质评价): at least N characters of text (default 50), or an image or a video. Platforms
 * reward such reviews with marks, red packets and coupons; the threshold is an option of the report.
 */

export const DEFAULT_QUALITY_LENGTH = 50;

/** SQL: true for a quality review of `reviews r`; `min` is the placeholder of the minimum length. */
export function qualitySql(min: string): string {
  return `(coalesce(r.text_length, 0) >= CAST(${min} AS BIGINT) OR CAST(r.media AS VARCHAR) IN ('image', 'video'))`;
}
