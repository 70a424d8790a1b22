/**
 * A coupon plan: the coupon (满减 full reduction: spend at least minSpend, get faceValue off; or
 * 无门槛 no threshold), the budget, the per-user cap, the validity, how coupons reach users (claimed from
 * an offer, or granted into accounts), who gets them first when the budget cannot cover everyone, and
 * optional uptake rates. Kept in the workspace as definitions/coupons/NAME.json. docs/membership.md
 * explains every field.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../../conditions/issues.js';
import { PortraitError } from '../../errors.js';
import { readJsonFile, saveDefinition, storedDefinitions } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';

/** Yuan, positive, at most two decimals (whole fen), so budget / face value divides exactly. */
const money = z
  .number()
  .positive()
  .max(1e12)
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, { message: 'expected yuan with at most two decimals' });

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, { message: 'not a valid date' });

const share = z.number().min(0).max(1);

export const COUPON_KINDS = ['full_reduction', 'no_threshold'] as const;

export const CouponSchema = z
  .strictObject({
    /** full_reduction (满减): minSpend unlocks faceValue off; no_threshold (无门槛): faceValue off any order. */
    kind: z.enum(COUPON_KINDS),
    /** Yuan off. */
    faceValue: money,
    /** The order total (yuan paid before the coupon) that unlocks it; 0 for no_threshold. */
    minSpend: z.number().min(0).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.kind === 'full_reduction' && !(c.minSpend > c.faceValue)) {
      ctx.addIssue({ code: 'custom', path: ['minSpend'], message: `a full_reduction coupon needs a minSpend above its faceValue (${c.faceValue})` });
    }
    if (c.kind === 'no_threshold' && c.minSpend !== 0) {
      ctx.addIssue({ code: 'custom', path: ['minSpend'], message: 'a no_threshold coupon has no minSpend (leave it out or give 0)' });
    }
  });

export const ValiditySchema = z.union([
  /** Valid for this many days from when the user gets it (the day itself counts as the first). */
  z.strictObject({ days: z.number().int().min(1).max(366) }),
  /** Valid on these calendar days, both included. */
  z
    .strictObject({ from: day, to: day })
    .refine((v) => v.to >= v.from, { message: 'the last day comes before the first', path: ['to'] }),
]);

export const UptakeSchema = z.strictObject({
  /** Share of the audience that claims an offered coupon; default: measured on the audience's history. */
  claimRate: share.optional(),
  /** Share of claimed (or granted) coupons used within the validity; default: measured. */
  useRate: share.optional(),
  /** Share of orders big enough for the minimum spend; default: measured. */
  thresholdReach: share.optional(),
  /** History read: the days before as-of. */
  lookbackDays: z.number().int().min(1).max(3650).default(90),
  /** Fewer claims than this (that had the whole validity to be used) measure no use rate: the default applies. */
  minClaims: z.number().int().min(1).default(20),
  /** Fewer orders than this measure no threshold reach. */
  minOrders: z.number().int().min(1).default(20),
});

export const CouponPlanSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected a name: lower-case letters, digits, _ and -, starting with a letter'),
  description: z.string().min(1).optional(),
  coupon: CouponSchema,
  /** The most the plan may cost, in yuan: never more coupons are issued than budget / faceValue. */
  budget: money,
  /** The most coupons one user gets. */
  perUserCap: z.number().int().min(1).max(100).default(1),
  validity: ValiditySchema,
  /** claim: offered, users claim then use (领券); grant: put straight into accounts (发券), only use applies. */
  distribution: z.enum(['claim', 'grant']).default('claim'),
  /** Who is served first when the budget cannot cover the audience: a seeded random order, or the highest naughty value. */
  priority: z.enum(['random', 'naughty_value']).default('random'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  uptake: UptakeSchema.prefault({}),
});
export type CouponPlan = z.infer<typeof CouponPlanSchema>;

export function parseCouponPlan(input: unknown, where: string): CouponPlan {
  const parsed = CouponPlanSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/membership.md describes coupon plans');
}

export function storedPlans(ws: Workspace): CouponPlan[] {
  return storedDefinitions(ws, 'coupons').map(([path, json]) => {
    const plan = parseCouponPlan(json, path);
    if (basename(path) !== `${plan.name}.json`) throw new PortraitError(`${path}: name "${plan.name}" does not match the file name`);
    return plan;
  });
}

/** A plan from a file (a path ending in .json or that exists) or by its stored name. */
export function resolvePlan(ws: Workspace, spec: string): CouponPlan {
  if (spec.endsWith('.json') || existsSync(spec)) return parseCouponPlan(readJsonFile(spec), spec);
  const found = storedPlans(ws).find((p) => p.name === spec);
  if (!found) throw new PortraitError(`unknown coupon plan "${spec}"`, 'give a plan file (JSON), or store one with portrait coupons define FILE');
  return found;
}

export function definePlan(ws: Workspace, input: unknown, where: string): { plan: CouponPlan; replaced: boolean } {
  const plan = parseCouponPlan(input, where);
  return { plan, replaced: saveDefinition(ws, 'coupons', plan.name, plan) };
}

/** Yuan as whole fen (budget and face value are validated to two decimals). */
export const fen = (yuan: number): number => Math.round(yuan * 100);
