/**
 * The review report (docs/content.md, "Reviews"): review rate after delivery, quality reviews, dimension
 * scores (product, shop service, logistics) with their distributions, overall and by category, and an
 * observational look at how quality reviews go with later conversion of the item.
 */
import { z } from 'zod';
import { SqlParams } from '../conditions/params.js';
import { durationSeconds } from '../conditions/schema.js';
import { ratio } from '../content/engagement.js';
import { AS_OF, DAYS, parseOptions, WINDOW } from '../content/options.js';
import { resolvePeriod, type Period } from '../content/period.js';
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { scopeItemsCtes } from './categories.js';
import { DEFAULT_QUALITY_LENGTH, qualitySql } from './quality.js';
import { reviewEffect, type ReviewEffect } from './effect.js';

export const ReviewOptionsSchema = z.strictObject({
  /** Nothing after it counts; default the newest event. */
  asOf: AS_OF.optional(),
  /** The N local days ending on the as-of day. */
  days: DAYS.default(30),
  /** Only items in this category or below it; the breakdown is by its child categories. */
  category: z.number().int().nonnegative().optional(),
  /** A quality review has at least this many characters of text, or an image or video. */
  minLength: z.number().int().min(1).max(100_000).default(DEFAULT_QUALITY_LENGTH),
  /** The before/after window of the conversion comparison. */
  window: WINDOW.default('7d'),
});
export type ReviewOptionsInput = z.input<typeof ReviewOptionsSchema>;

export const SCORE_DIMENSIONS = ['product', 'service', 'logistics'] as const;
export type ScoreDimension = (typeof SCORE_DIMENSIONS)[number];

export interface ScoreStats {
  /** Reviews in the period with a score of 1 to 5 on this dimension. */
  scored: number;
  /** Mean of those scores. */
  mean: number | null;
  /** Reviews giving 1, 2, 3, 4 and 5 (index 0 is a score of 1). */
  counts: number[];
  /** counts / scored. */
  shares: (number | null)[];
}

export interface ReviewStats {
  /** Order lines with status delivered paid in the period. */
  deliveredLines: number;
  /** Of those, lines with a review (same order and item) written by as-of. */
  reviewedLines: number;
  /** reviewedLines / deliveredLines. */
  reviewRate: number | null;
  /** Reviews written in the period. */
  reviews: number;
  /** Of those, quality reviews. */
  qualityReviews: number;
  qualityShare: number | null;
  /** Reviews by media kind (none: not given). */
  media: { text: number; image: number; video: number; none: number };
  scores: Record<ScoreDimension, ScoreStats>;
}

export interface ReviewCategoryRow extends ReviewStats {
  /** The category (top level, or a child of --category); null for items without a known category. */
  categoryId: number | null;
  name: string | null;
}

export interface ReviewsReport extends Period {
  minLength: number;
  category: { id: number; name: string | null } | null;
  total: ReviewStats;
  /** By the category breakdown, most reviews first. */
  byCategory: ReviewCategoryRow[];
  effect: ReviewEffect;
}

const SCORE_COLUMNS = SCORE_DIMENSIONS.map((d) => {
  const col = `r.${d}_score`;
  return [
    `count(*) FILTER (WHERE ${col} BETWEEN 1 AND 5) AS ${d}_n`,
    `avg(${col}) FILTER (WHERE ${col} BETWEEN 1 AND 5) AS ${d}_mean`,
    ...[1, 2, 3, 4, 5].map((k) => `count(*) FILTER (WHERE ${col} = ${k}) AS ${d}_${k}`),
  ].join(', ');
}).join(',\n  ');

export async function reviewsReport(ws: Workspace, input: ReviewOptionsInput = {}): Promise<ReviewsReport> {
  const o = parseOptions(ReviewOptionsSchema, input, 'reviews report');
  const period = await resolvePeriod(ws, o.asOf, o.days, 'reviews report');
  const root = o.category ?? null;
  let category: ReviewsReport['category'] = null;
  if (root !== null) {
    const rows = await ws.wh.query<{ name: string | null }>('SELECT name FROM categories WHERE category_id = $1', [root]);
    if (rows.length === 0) throw new PortraitError(`reviews report: there is no category ${root}`, 'the categories table lists them (portrait import categories FILE)');
    category = { id: root, name: rows[0]!.name };
  }
  const join = root === null ? 'LEFT JOIN' : 'JOIN';

  const p = new SqlParams();
  const scope = scopeItemsCtes(p, root);
  const from = `CAST(${p.bind(period.from)} AS TIMESTAMP)`;
  const asOf = `CAST(${p.bind(period.asOf)} AS TIMESTAMP)`;
  const delivered = await ws.wh.query<Record<string, unknown>>(
    `WITH RECURSIVE ${scope},
    reviewed AS (SELECT DISTINCT order_id, item_id FROM reviews WHERE ts <= ${asOf} AND order_id IS NOT NULL)
    SELECT grouping(s.grp) AS total, s.grp, count(*) AS delivered, count(r.order_id) AS reviewed
    FROM orders o ${join} scope_items s ON s.item_id = o.item_id
    LEFT JOIN reviewed r ON r.order_id = o.order_id AND r.item_id = o.item_id
    WHERE o.status = 'delivered' AND o.ts >= ${from} AND o.ts <= ${asOf}
    GROUP BY GROUPING SETS ((s.grp), ())`,
    p.values,
  );

  const q = new SqlParams();
  const scope2 = scopeItemsCtes(q, root);
  const qFrom = `CAST(${q.bind(period.from)} AS TIMESTAMP)`;
  const qAsOf = `CAST(${q.bind(period.asOf)} AS TIMESTAMP)`;
  const written = await ws.wh.query<Record<string, unknown>>(
    `WITH RECURSIVE ${scope2}
    SELECT grouping(s.grp) AS total, s.grp, count(*) AS reviews,
      count(*) FILTER (WHERE ${qualitySql(q.bind(o.minLength))}) AS quality,
      count(*) FILTER (WHERE r.media = 'text') AS media_text, count(*) FILTER (WHERE r.media = 'image') AS media_image,
      count(*) FILTER (WHERE r.media = 'video') AS media_video, count(*) FILTER (WHERE r.media IS NULL) AS media_none,
      ${SCORE_COLUMNS}
    FROM reviews r ${join} scope_items s ON s.item_id = r.item_id
    WHERE r.ts >= ${qFrom} AND r.ts <= ${qAsOf}
    GROUP BY GROUPING SETS ((s.grp), ())`,
    q.values,
  );

  const groups = [
    ...new Set([...delivered, ...written].filter((r) => Number(r.total) === 0).map((r) => (r.grp === null ? null : Number(r.grp)))),
  ];
  const names = new Map<number, string | null>();
  const known = groups.filter((g): g is number => g !== null);
  if (known.length) {
    const rows = await ws.wh.query<{ category_id: number; name: string | null }>(
      'SELECT category_id, name FROM categories WHERE category_id IN (SELECT unnest(CAST($1 AS BIGINT[])))',
      [JSON.stringify(known)],
    );
    for (const r of rows) names.set(Number(r.category_id), r.name);
  }
  const pick = (rows: Record<string, unknown>[], grp: number | null | 'total') =>
    rows.find((r) => (grp === 'total' ? Number(r.total) === 1 : Number(r.total) === 0 && (r.grp === null ? null : Number(r.grp)) === grp));
  const statsOf = (grp: number | null | 'total'): ReviewStats => {
    const d = pick(delivered, grp);
    const w = pick(written, grp);
    const n = (r: Record<string, unknown> | undefined, k: string) => Number(r?.[k] ?? 0);
    const reviews = n(w, 'reviews');
    const scores = Object.fromEntries(
      SCORE_DIMENSIONS.map((dim) => {
        const scored = n(w, `${dim}_n`);
        const counts = [1, 2, 3, 4, 5].map((k) => n(w, `${dim}_${k}`));
        const mean = w?.[`${dim}_mean`];
        return [dim, { scored, mean: mean === null || mean === undefined ? null : Number(mean), counts, shares: counts.map((c) => ratio(c, scored)) }];
      }),
    ) as Record<ScoreDimension, ScoreStats>;
    return {
      deliveredLines: n(d, 'delivered'),
      reviewedLines: n(d, 'reviewed'),
      reviewRate: ratio(n(d, 'reviewed'), n(d, 'delivered')),
      reviews,
      qualityReviews: n(w, 'quality'),
      qualityShare: ratio(n(w, 'quality'), reviews),
      media: { text: n(w, 'media_text'), image: n(w, 'media_image'), video: n(w, 'media_video'), none: n(w, 'media_none') },
      scores,
    };
  };
  const byCategory = groups
    .map((g): ReviewCategoryRow => ({ categoryId: g, name: g === null ? null : (names.get(g) ?? null), ...statsOf(g) }))
    .sort((a, b) => b.reviews - a.reviews || b.deliveredLines - a.deliveredLines || (a.categoryId ?? Infinity) - (b.categoryId ?? Infinity));

  const effect = await reviewEffect(ws, { period, root, minLength: o.minLength, window: o.window, windowSeconds: durationSeconds(o.window) });
  return { ...period, minLength: o.minLength, category, total: statsOf('total'), byCategory, effect };
}
