/**
 * A tag definition: the one form for built-in and operators' own tags. The zod schema is the validator,
 * the type and (through docs/tags.md) the documentation.
 */
import { z } from 'zod';
import { ConditionSchema, EventFilterSchema, TAG_KEY, WindowSchema } from '../../conditions/schema.js';
import { TAG_VALUE_TYPES } from '../value-types.js';
import { ATTRIBUTES } from '../predict/attributes.js';

export const TAG_FAMILIES = ['demographic', 'device', 'geographic', 'social', 'consumption', 'own_behaviour', 'other_behaviour'] as const;
export type TagFamily = (typeof TAG_FAMILIES)[number];
export const TAG_KINDS = ['fact', 'rule', 'interest', 'model'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

/** Event fields an aggregate can read: numbers, a time, or values to count or rank. */
export const NUMERIC_FIELDS = ['amount', 'quantity', 'dwell_s'] as const;
export const CATEGORICAL_FIELDS = ['item_id', 'category_id', 'content_id', 'live_id', 'brand', 'geohash', 'type', 'day', 'hour'] as const;
export const AGGREGATE_FUNCTIONS = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'top', 'mode'] as const;

/** A fact computed from events: one aggregate over the events that pass the filter within the window. */
const AggregateSchema = z.strictObject({
  fn: z.enum(AGGREGATE_FUNCTIONS),
  /** What the function reads: a number for sum/avg, a number or ts for min/max, a value for count_distinct/top/mode. */
  field: z.enum([...NUMERIC_FIELDS, ...CATEGORICAL_FIELDS, 'ts']).optional(),
  events: EventFilterSchema.optional(),
  window: WindowSchema.optional(),
  /** How many values `top` keeps (most frequent first; ties by smaller value). */
  top: z.number().int().min(1).max(50).optional(),
});

/** A value read from a table a build stage writes (see sources.ts), reduced to one per user when needed. */
const SourceSchema = z.strictObject({
  table: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a source name'),
  /** Which entry of a keyed source the tag reads (a keyed source holds one entry per plan, say). */
  key: z.string().min(1).max(200).optional(),
  column: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a column name'),
  reduce: z.enum(['min', 'max', 'avg', 'median', 'sum', 'count', 'list']).optional(),
});

const RuleValue = z.union([z.string().min(1), z.number().finite()]);
/** A true/false tag (`when`), or a value from the first case whose condition holds (`cases`, `else`). */
const RuleSchema = z
  .strictObject({
    when: ConditionSchema.optional(),
    cases: z.array(z.strictObject({ when: ConditionSchema, value: RuleValue })).min(1).optional(),
    else: RuleValue.optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.when === undefined) === (r.cases === undefined)) ctx.addIssue({ code: 'custom', message: 'a rule has either "when" (true/false) or "cases"' });
    else if (r.when !== undefined && r.else !== undefined) ctx.addIssue({ code: 'custom', path: ['else'], message: '"else" goes with "cases"' });
  });

const InterestSchema = z
  .strictObject({
    dimension: z.enum(['category', 'brand', 'content_tag']),
    /** The user's N best-scored tags of the dimension (a list)... */
    top: z.number().int().min(1).max(50).optional(),
    /** ...or the score of one tag (a number, 0-10). */
    tag: z.union([z.string().min(1), z.number()]).transform((v) => String(v)).optional(),
    /** Tags scoring below this are left out of a top list. */
    minScore: z.number().min(0).optional(),
  })
  .refine((i) => (i.top === undefined) !== (i.tag === undefined), { message: 'give either "top" or "tag"' });

const ModelSchema = z.strictObject({
  attribute: z.enum(ATTRIBUTES),
  /** value: the declared value when there is one, else the prediction; predicted: the prediction only; confidence: its probability. */
  use: z.enum(['value', 'predicted', 'confidence']).default('value'),
});

export const DEFINITION_FORMS = ['aggregate', 'source', 'rule', 'interest', 'model'] as const;
export type DefinitionForm = (typeof DEFINITION_FORMS)[number];

/** Exactly one form; an object with optional keys (not a union) so an error points inside the form used. */
export const DefinitionBodySchema = z
  .strictObject({
    aggregate: AggregateSchema.optional(),
    source: SourceSchema.optional(),
    rule: RuleSchema.optional(),
    interest: InterestSchema.optional(),
    model: ModelSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const forms = DEFINITION_FORMS.filter((f) => b[f] !== undefined);
    if (forms.length !== 1) ctx.addIssue({ code: 'custom', message: `a definition has exactly one of ${DEFINITION_FORMS.join(', ')}${forms.length ? ` (found ${forms.join(', ')})` : ''}` });
  });

export const TagDefinitionSchema = z.strictObject({
  key: TAG_KEY,
  family: z.enum(TAG_FAMILIES),
  kind: z.enum(TAG_KINDS),
  type: z.enum(TAG_VALUE_TYPES),
  description: z.strictObject({ en: z.string().min(1), zh: z.string().min(1) }),
  /** Unit of a number ("yuan", "days"), for display. */
  unit: z.string().min(1).optional(),
  definition: DefinitionBodySchema,
});

export type TagDefinition = z.infer<typeof TagDefinitionSchema>;
export type TagDefinitionInput = z.input<typeof TagDefinitionSchema>;
export type DefinitionBody = TagDefinition['definition'];
export type Aggregate = z.infer<typeof AggregateSchema>;
export type SourceRef = z.infer<typeof SourceSchema>;
export type Rule = z.infer<typeof RuleSchema>;

/** Which definition form a (validated) body is. */
export function bodyForm(body: DefinitionBody): DefinitionForm {
  return DEFINITION_FORMS.find((f) => body[f] !== undefined)!;
}
