/**
 * The condition language shared by rule tags and segments: and / or / not over conditions on tags,
 * interest scores and windowed behaviour. One zod declaration is the documentation, the validator and
 * the type; see docs/tags.md ("Conditions") for examples.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../model/enums.js';
import { LIFECYCLE_STAGES } from '../analytics/lifecycle/stage.js';

export const COMPARISONS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const TAG_KEY = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'expected a tag key: lower-case letters, digits and _, starting with a letter (at most 63)');

const comparison = z.enum(COMPARISONS);
const id = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'expected a whole-number id')])
  .transform((v) => String(v));
const oneOrMany = <T extends z.ZodType>(schema: T) =>
  z.union([z.array(schema).min(1), schema]).transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));

/** "7d", "12h", "30m", "2w": a length of time back from the as-of time. */
export const DURATION = z.string().regex(/^[1-9]\d{0,5}[mhdw]$/, 'expected a duration such as 30m, 12h, 7d or 2w');
const DATE_TIME = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/, 'expected a local date YYYY-MM-DD or date-time YYYY-MM-DD HH:MM[:SS]')
  .refine((s) => !Number.isNaN(Date.parse(`${s.length === 10 ? s : s.replace(' ', 'T')}${s.length === 10 ? 'T00:00:00Z' : 'Z'}`)), 'not a real date');

/** Seconds in a duration such as "7d". */
export function durationSeconds(duration: string): number {
  const n = Number(duration.slice(0, -1));
  const unit = duration.slice(-1);
  return n * { m: 60, h: 3600, d: 86400, w: 7 * 86400 }[unit as 'm' | 'h' | 'd' | 'w'];
}

/**
 * When behaviour counts, relative to as-of (`last`: the last N minutes, hours, days or weeks;
 * `olderThan`: only before as-of minus N; both: between the two) or as an absolute range of local
 * times (`from`, `to`; a bare `to` date includes that whole day). Nothing after as-of ever counts.
 */
export const WindowSchema = z
  .strictObject({
    last: DURATION.optional(),
    olderThan: DURATION.optional(),
    from: DATE_TIME.optional(),
    to: DATE_TIME.optional(),
  })
  .refine((w) => !((w.last !== undefined || w.olderThan !== undefined) && (w.from !== undefined || w.to !== undefined)), {
    message: 'a window is relative ({"last": "90d", "olderThan": "30d"}) or absolute ({"from": ..., "to": ...}), not both',
  })
  .refine((w) => Object.values(w).some((v) => v !== undefined), { message: 'an empty window: give last, olderThan, from or to' })
  .refine((w) => w.last === undefined || w.olderThan === undefined || durationSeconds(w.olderThan) < durationSeconds(w.last), {
    message: 'olderThan must be shorter than last (the window is between the two)',
    path: ['olderThan'],
  });
export type Window = z.infer<typeof WindowSchema>;

/** Which events count. Every filter given must hold; a list matches any of its values. */
export const EventFilterSchema = z.strictObject({
  event: oneOrMany(z.enum(EVENT_TYPES)).optional(),
  /** Category ids; a category also matches everything below it in the category tree. */
  category: oneOrMany(id).optional(),
  item: oneOrMany(id).optional(),
  brand: oneOrMany(z.string().min(1)).optional(),
  content: oneOrMany(id).optional(),
  live: oneOrMany(id).optional(),
  /** Geohash prefixes: "wtw3s" matches every place inside that cell. */
  place: oneOrMany(z.string().regex(/^[0-9b-hjkmnp-z]{1,12}$/, 'expected a geohash prefix')).optional(),
  /** Event properties that must equal the given values. */
  properties: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected a property name (letters, digits, _)'), z.union([z.string(), z.number(), z.boolean()]))
    .optional(),
});
export type EventFilter = z.infer<typeof EventFilterSchema>;

export type Condition =
  | { kind: 'and'; and: Condition[] }
  | { kind: 'or'; or: Condition[] }
  | { kind: 'not'; not: Condition }
  | TagCondition
  | InterestCondition
  | BehaviourCondition
  | { kind: 'segment'; segment: string }
  | { kind: 'lifecycle'; lifecycle: string[] }
  | { kind: 'rfm'; rfm: string[] };

export interface TagCondition {
  kind: 'tag';
  tag: string;
  op?: Comparison | undefined;
  value?: number | string | boolean | undefined;
  /** For a time tag: compare with as-of minus this duration ("last seen more than 30d ago"). */
  ago?: string | undefined;
  in?: (string | number)[] | undefined;
  contains?: string | number | undefined;
  exists?: boolean | undefined;
}

export interface InterestCondition {
  kind: 'interest';
  interest: { dimension: 'category' | 'brand' | 'content_tag'; tag: string };
  op: Comparison;
  value: number;
}

export interface BehaviourCondition {
  kind: 'behaviour';
  behaviour: EventFilter;
  window?: Window | undefined;
  measure: 'count' | 'amount' | 'days';
  op: Comparison;
  value: number;
}

/** The keys that name a condition's kind, in the order they are looked for. */
export const CONDITION_KINDS = ['and', 'or', 'not', 'tag', 'interest', 'behaviour', 'segment', 'lifecycle', 'rfm'] as const;

/** Segment names: lower-case letters, digits, _ and -. */
export const SEGMENT_NAME = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'expected a segment name: lower-case letters, digits, _ and -, starting with a letter');


const TagConditionSchema = z
  .strictObject({
    kind: z.literal('tag'),
    tag: TAG_KEY,
    op: comparison.optional(),
    value: z.union([z.number().finite(), z.string(), z.boolean()]).optional(),
    ago: DURATION.optional(),
    in: z.array(z.union([z.string(), z.number().finite()])).min(1).optional(),
    contains: z.union([z.string(), z.number().finite()]).optional(),
    exists: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    const forms = [c.op !== undefined || c.value !== undefined || c.ago !== undefined, c.in !== undefined, c.contains !== undefined, c.exists !== undefined];
    if (forms.filter(Boolean).length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a tag condition needs exactly one of: "op" with "value" (or "ago"), "in", "contains", "exists"' });
    } else if (forms[0] && (c.op === undefined || (c.value === undefined) === (c.ago === undefined))) {
      ctx.addIssue({ code: 'custom', path: [c.op === undefined ? 'op' : 'value'], message: '"op" goes with one of "value" or "ago"' });
    }
  });

const InterestConditionSchema = z.strictObject({
  kind: z.literal('interest'),
  interest: z.strictObject({
    dimension: z.enum(['category', 'brand', 'content_tag']),
    tag: z.union([z.string().min(1), z.number()]).transform((v) => String(v)),
  }),
  op: comparison.default('>='),
  value: z.number().finite(),
});

const BehaviourConditionSchema = z.strictObject({
  kind: z.literal('behaviour'),
  behaviour: EventFilterSchema,
  window: WindowSchema.optional(),
  /** count: events; amount: money paid; days: distinct local days with such an event. */
  measure: z.enum(['count', 'amount', 'days']).default('count'),
  op: comparison.default('>='),
  value: z.number().finite().default(1),
});

/** Names the condition's kind from whichever kind key it carries, so errors can point inside it. */
function withKind(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  if ('kind' in input) return input;
  const kind = CONDITION_KINDS.find((k) => k in input);
  return kind ? { kind, ...input } : input;
}

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.preprocess(
    withKind,
    z.discriminatedUnion(
      'kind',
      [
        z.strictObject({ kind: z.literal('and'), and: z.array(ConditionSchema).min(1) }),
        z.strictObject({ kind: z.literal('or'), or: z.array(ConditionSchema).min(1) }),
        z.strictObject({ kind: z.literal('not'), not: ConditionSchema }),
        TagConditionSchema,
        InterestConditionSchema,
        BehaviourConditionSchema,
        // Membership of another segment (segments only; a tag cannot read a segment).
        z.strictObject({ kind: z.literal('segment'), segment: SEGMENT_NAME }),
        // Shorthands for the built-in lifecycle_stage and rfm_group tags; a list matches any of them.
        z.strictObject({ kind: z.literal('lifecycle'), lifecycle: oneOrMany(z.enum(LIFECYCLE_STAGES)) }),
        z.strictObject({ kind: z.literal('rfm'), rfm: oneOrMany(z.string().min(1)) }),
      ],
      { error: () => `expected a condition: an object with one of the keys ${CONDITION_KINDS.join(', ')}` },
    ),
  ),
) as z.ZodType<Condition>;
