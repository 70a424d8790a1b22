/**
 * A lead-scoring plan (线索评分): weighted rules in the condition language, bands by score, and an
 * optional pool restricting who is a lead. Kept in the workspace as definitions/scoring/ID.json. The
 * zod schema is its validator, its type and its documentation (docs/scoring.md).
 */
import { z } from 'zod';
import { formatPath, type JsonPath } from '../../conditions/compile.js';
import { describeZodError } from '../../conditions/issues.js';
import { PortraitError } from '../../errors.js';
import { ConditionOrSegmentSchema, inFile, type PortraitConditions } from './conditions.js';

/** Plan ids become tag keys (lead_score_ID, lead_band_ID), so they follow the tag-key alphabet. */
export const PLAN_ID = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,51}$/, 'expected a plan id: lower-case letters, digits and _, starting with a letter, at most 52 (it names the tags lead_score_ID and lead_band_ID)');

const RuleSchema = z.strictObject({
  /** Shown in the "why" of every lead that matched it. */
  name: z.string().min(1).max(60),
  when: ConditionOrSegmentSchema,
  /** Whole points, negative to count against a lead. */
  points: z.number().int('expected whole points').min(-1000).max(1000).refine((n) => n !== 0, 'points of 0 change no score'),
});

const BandSchema = z.strictObject({
  band: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_+-]{0,15}$/, 'expected a short band label such as A, B or hot'),
  /** The least score in the band. */
  min: z.number().finite(),
});

export const ScoringPlanSchema = z
  .strictObject({
    id: PLAN_ID,
    description: z.string().min(1).optional(),
    /** Who is a lead (a condition or a segment's name); default every known user. */
    pool: ConditionOrSegmentSchema.optional(),
    rules: z.array(RuleSchema).min(1).max(100),
    /** Highest first: a lead is in the first band whose min the score reaches; below every min, in none. */
    bands: z.array(BandSchema).min(1).max(20),
  })
  .superRefine((plan, ctx) => {
    const names = new Set<string>();
    plan.rules.forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule name "${r.name}" is used twice` });
      names.add(r.name);
    });
    const bands = new Set<string>();
    plan.bands.forEach((b, i) => {
      if (bands.has(b.band)) ctx.addIssue({ code: 'custom', path: ['bands', i, 'band'], message: `band "${b.band}" is named twice` });
      bands.add(b.band);
      const before = plan.bands[i - 1];
      if (before && !(b.min < before.min)) {
        ctx.addIssue({ code: 'custom', path: ['bands', i, 'min'], message: `bands go from the highest min to the lowest: ${b.min} is not below ${before.min}` });
      }
    });
  });

export type ScoringPlan = z.infer<typeof ScoringPlanSchema>;
export type ScoringRule = ScoringPlan['rules'][number];

/** The tags a plan's scores are stored as. */
export function planTagKeys(id: string): { score: string; band: string } {
  return { score: `lead_score_${id}`, band: `lead_band_${id}` };
}

/** The least and greatest score a lead can get: no rule but the negative ones, or every positive one. */
export function scoreRange(plan: ScoringPlan): { min: number; max: number } {
  return {
    min: plan.rules.reduce((s, r) => s + Math.min(r.points, 0), 0),
    max: plan.rules.reduce((s, r) => s + Math.max(r.points, 0), 0),
  };
}

/** Parses a plan; a problem names `where` (the file) and the JSON path of the field. */
export function parseScoringPlan(input: unknown, where: string): ScoringPlan {
  const parsed = ScoringPlanSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/scoring.md describes scoring plans');
}

/**
 * Parses a plan and checks its conditions against the workspace's tags and segments. A plan may not read
 * its own score or band: scores would then depend on the previous run's.
 */
export function loadScoringPlan(input: unknown, where: string, conditions: PortraitConditions): ScoringPlan {
  const plan = parseScoringPlan(input, where);
  const own = Object.values(planTagKeys(plan.id));
  const check = (condition: ScoringRule['when'], path: JsonPath) =>
    inFile(where, () => {
      conditions.check(condition, path);
      const read = [...conditions.tagsRead(condition)].find((t) => own.includes(t));
      if (read) throw new PortraitError(`${formatPath(path)}: reads this plan's own tag ${read}`, 'a plan cannot score on its own scores');
    });
  if (plan.pool) check(plan.pool, ['pool']);
  plan.rules.forEach((r, i) => check(r.when, ['rules', i, 'when']));
  return plan;
}
