/**
 * Configuration of the recommendations: blend weights per source, the sources' own settings, filters and
 * serving. Every field has a default (documented in docs/recommend.md); a partial object merges field by
 * field; unknown fields are refused.
 */
import { z } from 'zod';
import { PortraitError } from '../../errors.js';
import { BehaviourWeightsSchema } from '../interactions.js';

export const SOURCES = ['replenishment', 'itemcf', 'usercf', 'social', 'content', 'popular'] as const;
export type SourceName = (typeof SOURCES)[number];

const weight = (d: number) => z.number().min(0).default(d);
const whole = (d: number, min = 1) => z.number().int().min(min).default(d);

export const RecsConfigSchema = z
  .object({
    /** Blend weight of each source; a source's scores are first divided by the user's best score from it. 0 turns a source off. */
    weights: z
      .object({
        replenishment: weight(1.5),
        itemcf: weight(1),
        usercf: weight(0.6),
        social: weight(0.5),
        content: weight(0.4),
        popular: weight(0.1),
      })
      .strict()
      .default({ replenishment: 1.5, itemcf: 1, usercf: 0.6, social: 0.5, content: 0.4, popular: 0.1 }),
    behaviour: BehaviourWeightsSchema.default({ pv: 1, fav: 2, cart: 3, buy: 4 }),
    /** Recommendations stored per user. */
    topN: whole(50),
    /** Candidates taken from each source per user before blending. */
    candidatesPerSource: whole(100),
    /** Diversity: at most this many items of one category per 20 places (see the blend). */
    maxPerCategory: whole(3),
    /**
     * Users processed per chunk (bounds the memory of a training run: the chunk's candidates, about 350 rows a
     * user, and for user-CF scoring the histories of the chunk's neighbours held in JavaScript).
     */
    chunkUsers: whole(25_000, 100),
    content: z
      .object({
        /** The user's best-scored categories considered, and the lowest interest score (0-10) that counts. */
        topCategories: whole(5),
        minScore: z.number().min(0).max(10).default(1),
        /** The most popular items of each such category that become candidates. */
        itemsPerCategory: whole(30),
        /** Score = category/10 + brand x brandScore/10 + price x priceMatch. */
        brand: weight(0.5),
        price: weight(0.25),
      })
      .strict()
      .default({ topCategories: 5, minScore: 1, itemsPerCategory: 30, brand: 0.5, price: 0.25 }),
    popular: z
      .object({
        /** Time decay of popularity: an interaction counts 0.5^(age / halfLifeDays). */
        halfLifeDays: z.number().positive().default(7),
      })
      .strict()
      .default({ halfLifeDays: 7 }),
    replenishment: z
      .object({
        /** Due within this many days of as-of (overdue by up to one interval included, as `portrait due`). */
        horizonDays: whole(7, 0),
      })
      .strict()
      .default({ horizonDays: 7 }),
    itemcf: z
      .object({ neighbours: whole(20), historyCap: whole(100), shrinkage: z.number().min(0).default(0), useWeights: z.boolean().default(true) })
      .strict()
      .default({ neighbours: 20, historyCap: 100, shrinkage: 0, useWeights: true }),
    usercf: z
      .object({ neighbours: whole(20), historyCap: whole(100), maxItemUsers: whole(2000), useWeights: z.boolean().default(true) })
      .strict()
      .default({ neighbours: 20, historyCap: 100, maxItemUsers: 2000, useWeights: true }),
  })
  .strict();

export type RecsConfig = z.infer<typeof RecsConfigSchema>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type RecsConfigInput = DeepPartial<RecsConfig>;

export function defaultRecsConfig(): RecsConfig {
  return RecsConfigSchema.parse({});
}

/** Defaults merged with `input` (nested objects field by field). */
export function resolveRecsConfig(input: RecsConfigInput = {}): RecsConfig {
  const base = defaultRecsConfig() as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(input)) {
    merged[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(base[k] as object), ...v } : v;
  }
  const parsed = RecsConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PortraitError(`recommendation config: field ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
