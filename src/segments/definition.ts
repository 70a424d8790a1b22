/**
 * A segment (audience): a named condition in the shared condition language, kept in the workspace as
 * definitions/segments/NAME.json. The zod schema is its validator, type and documentation.
 */
import { z } from 'zod';
import { ConditionSchema, SEGMENT_NAME } from '../conditions/schema.js';

export const SegmentDefinitionSchema = z.strictObject({
  name: SEGMENT_NAME,
  description: z.string().min(1).optional(),
  condition: ConditionSchema,
});

export type SegmentDefinition = z.infer<typeof SegmentDefinitionSchema>;
