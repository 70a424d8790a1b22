/**
 * Options of the social graph build and the spread tree, declared once as zod schemas: the schema is the
 * validator, the defaults and the documentation (docs/social.md). A bad value is a PortraitError naming
 * the option.
 */
import { z } from 'zod';
import { describeZodError } from '../conditions/issues.js';
import { PortraitError } from '../errors.js';
import { INFLUENCE_KINDS } from './relations.js';

const validDate = z.date().refine((d) => !Number.isNaN(d.getTime()), 'expected a valid date');

export const InfluenceOptionsSchema = z.strictObject({
  /** Edge kinds of the influence graph PageRank runs on (follows and shares: who gives attention to whom). */
  kinds: z.array(z.enum(INFLUENCE_KINDS)).min(1).default(['follow', 'share']),
  /** PageRank damping factor: the chance a random surfer follows an edge rather than jumping anywhere. */
  alpha: z.number().gt(0).lt(1).default(0.85),
  /** PageRank stops when the scores change by less than this in total (L1) between two iterations. */
  tolerance: z.number().gt(0).max(1e-3).default(1e-9),
  /** Weight of conversions in the score: score = (1 - w) x reach / max reach + w x buyers / max buyers. */
  conversionWeight: z.number().min(0).max(1).default(0.5),
  /** A KOL reaches at least this many times the average user of the graph (reach = PageRank x nodes). */
  kolReach: z.number().positive().default(50),
  /** A KOC is not a KOL, reaches at least this many times the average user and drove at least one buyer. */
  kocReach: z.number().positive().default(5),
});

export const CommunityOptionsSchema = z.strictObject({
  /** Louvain resolution: above 1 gives more, smaller communities; below 1 fewer, larger ones. */
  resolution: z.number().positive().default(1),
  /** Seed of Louvain's random node order: the same seed and data give the same communities. */
  seed: z.number().int().min(0).default(42),
});

export const SocialBuildOptionsSchema = z.strictObject({
  /** Nothing after it counts; default the newest event. */
  asOf: validDate.optional(),
  influence: InfluenceOptionsSchema.prefault({}),
  communities: CommunityOptionsSchema.prefault({}),
});
export type SocialBuildOptionsInput = z.input<typeof SocialBuildOptionsSchema>;
export type SocialBuildOptions = z.output<typeof SocialBuildOptionsSchema>;
export type InfluenceOptions = z.output<typeof InfluenceOptionsSchema>;
export type CommunityOptions = z.output<typeof CommunityOptionsSchema>;

export const SpreadOptionsSchema = z.strictObject({
  /** The campaign, share or invite code (social_edges.campaign_id, events' properties.campaign_id). */
  campaign: z.string().min(1),
  /** Nothing after it counts; default the newest event. */
  asOf: validDate.optional(),
  /** A reached user is new when they registered (or were first seen) within this many days of being reached. */
  newWithinDays: z.number().min(0).max(3660).default(1),
  /** Money spent on the campaign, for the cost per new user and per order. */
  spend: z.number().min(0).optional(),
  /** Sharers listed, by downstream users. */
  top: z.number().int().min(1).default(20),
});
export type SpreadOptionsInput = z.input<typeof SpreadOptionsSchema>;
export type SpreadOptions = z.output<typeof SpreadOptionsSchema>;

export const CampaignListOptionsSchema = SpreadOptionsSchema.pick({ asOf: true, newWithinDays: true });
export type CampaignListOptionsInput = z.input<typeof CampaignListOptionsSchema>;

/** Parses options against their schema; a failure names what they were for and the option. */
export function parseSocialOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new PortraitError(`${what}: ${describeZodError(parsed.error)}`, 'docs/social.md lists the options and their defaults');
  return parsed.data;
}
