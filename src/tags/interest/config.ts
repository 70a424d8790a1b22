/**
 * Configuration of the interest scores (DOMAIN.md section 2): the behaviour bonuses, the dwell bands, the
 * decay bands and the S-shaped curve. Every number is configuration with DOMAIN.md's values as defaults;
 * docs/interest.md explains each one.
 */
import { z } from 'zod';
import { PortraitError } from '../../errors.js';

const weight = z.number().finite().nonnegative();

export const BehaviourSchema = z
  .object({
    /** Weight of the interaction itself ("viewing alone"): every interaction starts from it. */
    view: weight.default(1),
    /** Added when the user commented on the item or content that day. */
    comment: weight.default(0.5),
    /** Added when the user liked it that day. */
    like: weight.default(0.5),
    /** Added when the user shared it that day. */
    share: weight.default(2),
    /** Added when the user made it a favourite (fav) that day. */
    fav: weight.default(1),
    /** Added when the user put it in the cart that day (not in DOMAIN.md; our default). */
    cart: weight.default(1.5),
    /** Added when the user bought it that day (not in DOMAIN.md; our default). */
    buy: weight.default(3),
  })
  .strict();

export const DwellSchema = z
  .object({
    /** Dwell (seconds) strictly below this is short. */
    shortBelow: z.number().finite().nonnegative().default(10),
    /** Dwell (seconds) strictly above this is long; from shortBelow up to and including it is medium. */
    longAbove: z.number().finite().nonnegative().default(60),
    /** Weight of a short dwell. */
    short: weight.default(0.5),
    /** Weight of a medium dwell. */
    medium: weight.default(1),
    /** Weight of a long dwell. */
    long: weight.default(2),
    /** Weight when no view of the interaction carries a dwell time (e.g. a fav or buy alone). */
    missing: weight.default(1),
  })
  .strict()
  .refine((d) => d.shortBelow <= d.longAbove, { message: 'shortBelow must not exceed longAbove', path: ['longAbove'] });

export const DecayBandSchema = z
  .object({
    /** The band holds ages (fractional days) from the previous band's edge (or 0) up to, but not including, this. */
    belowDays: z.number().finite().positive(),
    weight,
  })
  .strict();

const DEFAULT_BANDS = [
  { belowDays: 3, weight: 1 },
  { belowDays: 7, weight: 0.85 },
  { belowDays: 15, weight: 0.7 },
  { belowDays: 30, weight: 0.5 },
];

export const DecaySchema = z
  .object({
    /** Bands in increasing order of belowDays: [0, 3) -> 1, [3, 7) -> 0.85, [7, 15) -> 0.7, [15, 30) -> 0.5. */
    bands: z
      .array(DecayBandSchema)
      .default(() => DEFAULT_BANDS.map((b) => ({ ...b })))
      .refine((bands) => bands.every((b, i) => i === 0 || b.belowDays > bands[i - 1]!.belowDays), {
        message: 'belowDays must increase from band to band',
      }),
    /** Weight of an interaction at least as old as the last band's edge (30 days by default). */
    older: weight.default(0.1),
  })
  .strict();

export const CurveSchema = z
  .object({
    /** Summed weight at the logistic's midpoint (its inflection point). */
    midpoint: z.number().finite().positive().default(8),
    /** Steepness k of the logistic 1 / (1 + exp(-k (sum - midpoint))). */
    steepness: z.number().finite().positive().default(0.3),
    /** Top of the scale: an unbounded sum approaches it. */
    max: z.number().finite().positive().default(10),
  })
  .strict();

export const InterestConfigSchema = z
  .object({
    behaviour: BehaviourSchema.prefault({}),
    dwell: DwellSchema.prefault({}),
    decay: DecaySchema.prefault({}),
    curve: CurveSchema.prefault({}),
  })
  .strict();

export type InterestConfig = z.infer<typeof InterestConfigSchema>;

/** A partial configuration: any field left out takes its default (nested objects merge field by field). */
export type InterestConfigInput = z.input<typeof InterestConfigSchema>;

/** The defaults (DOMAIN.md's values). */
export function defaultInterestConfig(): InterestConfig {
  return InterestConfigSchema.parse({});
}

/** Validates a (partial) configuration; a bad field throws a PortraitError naming its path. */
export function resolveInterestConfig(input: unknown = {}): InterestConfig {
  const parsed = InterestConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(root)';
    throw new PortraitError(`interest config: field ${path}: ${issue?.message}`, 'see docs/interest.md for the fields and their defaults');
  }
  return parsed.data;
}
