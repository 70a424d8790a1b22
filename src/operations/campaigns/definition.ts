/**
 * A campaign (an experiment with a holdout): its goal metric, audience, offer, period and holdout share,
 * kept in the workspace as definitions/campaigns/ID.json. The zod schema is its validator, type and
 * documentation (docs/campaigns.md).
 */
import { z } from 'zod';
import { ConditionSchema } from '../../conditions/schema.js';

/** What the campaign is judged by. Every evaluation reports all three; the goal leads and drives the breakdown. */
export const CAMPAIGN_METRICS = ['conversion', 'gmv_per_user', 'retention'] as const;
export type CampaignMetric = (typeof CAMPAIGN_METRICS)[number];

const DAY = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a local day YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'not a real date');

const money = z.number().finite().positive();
const share = (what: string) => z.number({ error: `expected ${what}: a share between 0 and 1, such as 0.2` }).gt(0, `expected ${what} above 0`).lt(1, `expected ${what} below 1`);
/** Lower-case letters, digits, _ and -: the file name and the seed of the assignment hash. */
export const CAMPAIGN_ID = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected a campaign id: lower-case letters, digits, _ and -, starting with a letter (at most 63)');
/** The code orders carry in coupon_id when the offer is used; lets the evaluation count redemptions per arm. */
const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'expected a code of letters, digits and _ . : - (at most 64)').optional();
const itemIds = z.array(z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a whole-number id')]).transform(String)).min(1).optional();

/** The offer: what the treated users get. One shape per type. */
export const OfferSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('coupon'), value: money, minSpend: z.number().finite().nonnegative().default(0), code }),
    // 满减: spend `threshold`, get `reduction` off (e.g. 满200减30).
    z
      .strictObject({ type: z.literal('full_reduction'), threshold: money, reduction: money, code })
      .refine((o) => o.reduction < o.threshold, { message: 'the reduction must be below the threshold', path: ['reduction'] }),
    // A price multiplier: 0.8 is 20% off (八折).
    z.strictObject({ type: z.literal('discount'), rate: share('a price multiplier (0.8 is 20% off)'), code }),
    z.strictObject({ type: z.literal('flash_sale'), rate: share('a price multiplier (0.8 is 20% off)'), items: itemIds, code }),
    // Points: a multiple of the usual points per purchase, or a fixed bonus.
    z
      .strictObject({ type: z.literal('points'), multiplier: z.number().gt(1).optional(), bonus: z.number().int().positive().optional(), code })
      .refine((o) => (o.multiplier === undefined) !== (o.bonus === undefined), { message: 'points offers give exactly one of "multiplier" or "bonus"' }),
    z.strictObject({ type: z.literal('lottery'), prize: z.string().min(1), code }),
    z.strictObject({ type: z.literal('check_in'), reward: z.string().min(1), days: z.number().int().positive().optional(), code }),
  ],
  { error: () => 'expected an offer: {"type": ...} with type coupon, full_reduction, discount, flash_sale, points, lottery or check_in' },
);
export type Offer = z.infer<typeof OfferSchema>;
export const OFFER_TYPES = ['coupon', 'full_reduction', 'discount', 'flash_sale', 'points', 'lottery', 'check_in'] as const satisfies readonly Offer['type'][];

export const CampaignDefinitionSchema = z
  .strictObject({
    /** Lower-case letters, digits, _ and -; the file is definitions/campaigns/ID.json and the id seeds the assignment hash. */
    id: CAMPAIGN_ID,
    description: z.string().min(1).optional(),
    /** A holiday or theme the campaign belongs to (双十一, new year...), for reports. */
    theme: z.string().min(1).optional(),
    goal: z.enum(CAMPAIGN_METRICS),
    /** Who the campaign is for, in the segment language: {"segment": NAME} or any condition, as of the start. */
    audience: ConditionSchema,
    offer: OfferSchema,
    /** Whole local days, both included. */
    period: z.strictObject({ from: DAY, to: DAY }).refine((p) => p.to >= p.from, { message: '"to" must not be before "from"', path: ['to'] }),
    /** Share of the audience held out (gets nothing), between 0 and 1. */
    holdout: share('the holdout'),
    /** Retention is being active in this many days after the period. */
    retentionDays: z.number().int().min(1).max(365).default(7),
  });
export type CampaignDefinition = z.infer<typeof CampaignDefinitionSchema>;
/** A definition as written (defaults may be left out). */
export type CampaignInput = z.input<typeof CampaignDefinitionSchema>;

const DAY_MS = 86_400_000;
const day = (s: string) => new Date(`${s}T00:00:00Z`);

/** The times a campaign is measured over (local wall-clock, read as UTC like every stored time). */
export interface CampaignWindows {
  /** The audience and its portrait are taken as of the last second before the period. */
  audienceAsOf: Date;
  /** Period: from <= ts < periodEnd. */
  periodStart: Date;
  periodEnd: Date;
  /** Retention window: retentionStart <= ts < retentionEnd (the retentionDays days after the period). */
  retentionStart: Date;
  retentionEnd: Date;
}

export function campaignWindows(def: CampaignDefinition): CampaignWindows {
  const periodStart = day(def.period.from);
  const periodEnd = new Date(day(def.period.to).getTime() + DAY_MS);
  return {
    audienceAsOf: new Date(periodStart.getTime() - 1000),
    periodStart,
    periodEnd,
    retentionStart: periodEnd,
    retentionEnd: new Date(periodEnd.getTime() + def.retentionDays * DAY_MS),
  };
}

/** The offer in a few words, for tables and reports. */
export function describeOffer(offer: Offer): string {
  const yuan = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2)} yuan`;
  const withCode = (text: string) => (offer.code ? `${text} [${offer.code}]` : text);
  switch (offer.type) {
    case 'coupon':
      return withCode(`coupon ${yuan(offer.value)} off${offer.minSpend > 0 ? ` from ${yuan(offer.minSpend)}` : ''}`);
    case 'full_reduction':
      return withCode(`full reduction 满${offer.threshold}减${offer.reduction}`);
    case 'discount':
      return withCode(`discount ${Math.round((1 - offer.rate) * 1000) / 10}% off`);
    case 'flash_sale':
      return withCode(`flash sale ${Math.round((1 - offer.rate) * 1000) / 10}% off${offer.items ? ` on ${offer.items.length} item${offer.items.length === 1 ? '' : 's'}` : ''}`);
    case 'points':
      return withCode(offer.multiplier !== undefined ? `points x${offer.multiplier}` : `points +${offer.bonus}`);
    case 'lottery':
      return withCode(`lottery: ${offer.prize}`);
    case 'check_in':
      return withCode(`check-in${offer.days ? ` ${offer.days} days` : ''}: ${offer.reward}`);
    default: {
      const never: never = offer;
      throw new Error(`unknown offer ${JSON.stringify(never)}`);
    }
  }
}
