/**
 * The incentive rules document: what a quality review is, the naughty value and 88VIP (membership), and
 * the points ledger (earn, redeem, expire). One document, because the naughty value and the points read
 * the same facts and reward the same quality reviews. It is kept in the workspace as
 * definitions/points/NAME.json; the rules named "default" there, when present, replace the built-in
 * defaults. docs/membership.md explains every field.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../../conditions/issues.js';
import { PortraitError } from '../../errors.js';
import { EVENT_TYPES } from '../../model/enums.js';
import { readJsonFile, saveDefinition, storedDefinitions } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';
import { NaughtyRulesSchema, QualityReviewSchema, VipRulesSchema } from '../membership/rules.js';

export const RULES_NAME = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected a name: lower-case letters, digits, _ and -, starting with a letter');

export const EarnRulesSchema = z.strictObject({
  /** Points per yuan paid for an order, rounded down per order (1: one point per yuan). */
  pointsPerYuan: z.number().min(0).default(1),
  /** Points for any review... */
  perReview: z.number().int().min(0).default(0),
  /** ...and on top of that for a quality review. */
  perQualityReview: z.number().int().min(0).default(20),
});

export const RedeemRulesSchema = z.strictObject({
  /** Events that spend points (a coupon bought with points: 积分兑换)... */
  eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).default(['coupon_use']),
  /** ...and the property of their `properties` JSON that says how many (events without it spend none). */
  property: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a property name: letters, digits and _').default('points'),
  /** What a point is worth when spent, in yuan (0.01: 100 points = 1 yuan). */
  yuanPerPoint: z.number().positive().default(0.01),
});

/** When points expire: a fixed number of months after the day they were earned, at a year end, or never. */
export const ExpiryRulesSchema = z.discriminatedUnion('kind', [
  /** Points earned on day D can be spent until the end of day D + months (a month end clamps: Jan 31 + 1 month = Feb 28). */
  z.strictObject({ kind: z.literal('after_months'), months: z.number().int().min(1).max(240) }),
  /** Points earned in year Y can be spent until the end of year Y + yearsAfter (Tmall: 1, the end of the next year). */
  z.strictObject({ kind: z.literal('year_end'), yearsAfter: z.number().int().min(0).max(20) }),
  z.strictObject({ kind: z.literal('never') }),
]);
export type ExpiryRules = z.infer<typeof ExpiryRulesSchema>;

export const PointsRulesSchema = z.strictObject({
  earn: EarnRulesSchema.prefault({}),
  redeem: RedeemRulesSchema.prefault({}),
  expiry: ExpiryRulesSchema.default({ kind: 'year_end', yearsAfter: 1 }),
});
export type PointsRules = z.infer<typeof PointsRulesSchema>;

export const IncentiveRulesSchema = z.strictObject({
  name: RULES_NAME,
  description: z.string().min(1).optional(),
  qualityReview: QualityReviewSchema.prefault({}),
  naughty: NaughtyRulesSchema.prefault({}),
  vip: VipRulesSchema.prefault({}),
  points: PointsRulesSchema.prefault({}),
});
export type IncentiveRules = z.infer<typeof IncentiveRulesSchema>;

/** The rules name the workspace uses when none is given. */
export const DEFAULT_RULES = 'default';

export function parseIncentiveRules(input: unknown, where: string): IncentiveRules {
  const parsed = IncentiveRulesSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/membership.md describes the rules document');
}

/** The built-in rules: every default of docs/membership.md. */
export function builtinRules(): IncentiveRules {
  return IncentiveRulesSchema.parse({ name: DEFAULT_RULES, description: 'built-in defaults' });
}

export function storedRules(ws: Workspace): IncentiveRules[] {
  return storedDefinitions(ws, 'points').map(([path, json]) => {
    const rules = parseIncentiveRules(json, path);
    if (basename(path) !== `${rules.name}.json`) throw new PortraitError(`${path}: name "${rules.name}" does not match the file name`);
    return rules;
  });
}

/**
 * The rules to use: a file (a path ending in .json or that exists), a stored name, or, when nothing is
 * given, the stored "default" rules or else the built-in ones.
 */
export function resolveRules(ws: Workspace, spec?: string): IncentiveRules {
  if (spec !== undefined && (spec.endsWith('.json') || existsSync(spec))) return parseIncentiveRules(readJsonFile(spec), spec);
  const name = spec ?? DEFAULT_RULES;
  const found = storedRules(ws).find((r) => r.name === name);
  if (found) return found;
  if (spec === undefined) return builtinRules();
  throw new PortraitError(`unknown rules "${spec}"`, 'give a rules file (JSON), or store one with portrait points define FILE');
}

/** Validates and stores a rules document; nothing is written when it is invalid. */
export function defineRules(ws: Workspace, input: unknown, where: string): { rules: IncentiveRules; replaced: boolean } {
  const rules = parseIncentiveRules(input, where);
  return { rules, replaced: saveDefinition(ws, 'points', rules.name, rules) };
}
