/**
 * Configuration of gift detection (noise control, DOMAIN.md section 2): when a purchase is judged a
 * one-off for someone else. Every threshold is configuration with the defaults below; docs/noise.md
 * explains each one and how they were tuned on the synthetic world.
 */
import { z } from 'zod';
import { PortraitError } from '../../errors.js';

/** The category level a purchase is judged in. */
export const GROUP_LEVELS = ['top', 'leaf'] as const;
export type GroupLevel = (typeof GROUP_LEVELS)[number];

const count = z.number().int().nonnegative();

export const NoiseConfigSchema = z
  .object({
    /**
     * `top`: the purchase's top-level category (the root of its branch in `categories`); a category the
     * tree does not know (the Taobao sample has no tree) stands for itself. `leaf`: the category as stored.
     */
    group: z.enum(GROUP_LEVELS).default('top'),
    /**
     * The purchase episode: interactions in the group from this many hours before the first purchase to
     * this many hours after the last. The user's purchases in the group must all fall inside one span of
     * this length (else the group is bought repeatedly and nothing is a one-off).
     */
    episodeHours: z.number().finite().positive().max(24 * 365).default(24),
    /** Days with interactions in the group outside the episode (the bought item's own, e.g. a review, aside) at most. */
    maxOtherDays: count.default(0),
    /** Interactions in the group inside the episode at most (the purchase included): a brief, targeted visit. */
    maxEpisodeInteractions: count.min(1).default(5),
    /** Distinct items of the group looked at or bought in the episode at least: a considered choice. 1 turns it off. */
    minEpisodeItems: count.min(1).default(2),
    /** The user's interactions outside the episode (any category) at least: enough history to know their interests. */
    minHistory: count.default(20),
    /** Leave purchases made from a live stream or someone's share (`live_id` or `referrer_user_id` set) alone. */
    skipInfluenced: z.boolean().default(true),
    /** Leave a purchase alone when a friend bought the same item within this many days before (social copy); 0 turns it off. */
    socialCopyDays: z.number().finite().nonnegative().max(365).default(7),
  })
  .strict();

export type NoiseConfig = z.infer<typeof NoiseConfigSchema>;

/** A partial configuration: any field left out takes its default. */
export type NoiseConfigInput = z.input<typeof NoiseConfigSchema>;

export function defaultNoiseConfig(): NoiseConfig {
  return NoiseConfigSchema.parse({});
}

/** Validates a (partial) configuration; a bad field throws a PortraitError naming its path. */
export function resolveNoiseConfig(input: unknown = {}): NoiseConfig {
  const parsed = NoiseConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(root)';
    throw new PortraitError(`noise config: field ${path}: ${issue?.message}`, 'see docs/noise.md for the fields and their defaults');
  }
  return parsed.data;
}
