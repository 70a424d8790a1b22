/**
 * The rules of the naughty value (淘气值) and of 88VIP, after Taobao's public description: a shopping
 * score from the last 12 months' spending (capped per order, per day and in all), plus activity (active
 * days), interactions (reviews, shares, likes, follows...) and quality reviews, each capped. Every
 * constant is here with its default; docs/membership.md explains each one.
 */
import { z } from 'zod';
import { EVENT_TYPES, REVIEW_MEDIA } from '../../model/enums.js';

/** What makes a review a quality review (优质评价); the naughty value and the points both reward it. */
export const QualityReviewSchema = z.strictObject({
  /** A review with at least this many characters of text qualifies... */
  minTextLength: z.number().int().min(0).default(50),
  /** ...and so does one with this kind of media (pictures, video). */
  media: z.array(z.enum(REVIEW_MEDIA)).default(['image', 'video']),
  /** 'any': either criterion is enough; 'all': the text must be long enough and carry the media. */
  match: z.enum(['any', 'all']).default('any'),
});
export type QualityReviewRules = z.infer<typeof QualityReviewSchema>;

const score = z.number().min(0);

export const SpendingRulesSchema = z.strictObject({
  /** Score per yuan paid (0.2: one point per 5 yuan). */
  pointsPerYuan: score.default(0.2),
  /** At most this much from one order (100: the first 500 yuan of an order count). */
  maxPerOrder: score.default(100),
  /** At most this much from one day's orders. */
  maxPerDay: score.default(200),
  /** At most this much in all (reached with 7,500 yuan spread over enough orders and days). */
  cap: score.default(1500),
});

export const ActiveDaysRulesSchema = z.strictObject({
  /** Score per day with any event. */
  pointsPerDay: score.default(2),
  cap: score.default(300),
});

/** Interaction events (互动: reviews, shares, likes, follows) and what each is worth. */
const DEFAULT_INTERACTION_WEIGHTS = { share: 3, comment: 2, like: 1, follow: 1, live_like: 1, live_follow: 1, live_reward: 2 };

export const InteractionRulesSchema = z.strictObject({
  weights: z.partialRecord(z.enum(EVENT_TYPES), score).default(DEFAULT_INTERACTION_WEIGHTS),
  /** At most this much from one day's interactions (so tapping "like" all day earns little). */
  maxPerDay: score.default(10),
  cap: score.default(200),
});

export const ReviewRulesSchema = z.strictObject({
  /** Score per quality review. */
  pointsPerQualityReview: score.default(15),
  cap: score.default(300),
});

export const NaughtyRulesSchema = z.strictObject({
  /** Everything counts over the months before as-of (the last 12 months). */
  windowMonths: z.number().int().min(1).max(120).default(12),
  spending: SpendingRulesSchema.prefault({}),
  activeDays: ActiveDaysRulesSchema.prefault({}),
  interactions: InteractionRulesSchema.prefault({}),
  reviews: ReviewRulesSchema.prefault({}),
});
export type NaughtyRules = z.infer<typeof NaughtyRulesSchema>;

export const VipRulesSchema = z.strictObject({
  /** A naughty value at or above this buys 88VIP at the member price. */
  threshold: score.default(1000),
  /** Yearly price in yuan at or above the threshold... */
  memberPrice: score.default(88),
  /** ...and below it. */
  regularPrice: score.default(888),
});
export type VipRules = z.infer<typeof VipRulesSchema>;

/** The membership part of the incentive rules. */
export interface MembershipRules {
  qualityReview: QualityReviewRules;
  naughty: NaughtyRules;
  vip: VipRules;
}

/** The naughty value's components, in the order they are shown. */
export const NAUGHTY_COMPONENTS = ['spending', 'activeDays', 'interactions', 'reviews'] as const;
export type NaughtyComponent = (typeof NAUGHTY_COMPONENTS)[number];
