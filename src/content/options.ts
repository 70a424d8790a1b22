/**
 * Options of the content, live and review reports, declared once as zod schemas: the schema is the
 * validator, the defaults and the documentation. A bad value is a PortraitError naming the option.
 */
import { z } from 'zod';
import { DURATION } from '../conditions/schema.js';
import { describeZodError } from '../conditions/issues.js';
import { CONTENT_KINDS } from '../model/enums.js';
import { PortraitError } from '../errors.js';

/** Days a report covers: the N local days ending on the as-of day. */
export const DAYS = z.number().int().min(1).max(3660);
/** An attribution or comparison window, as "24h", "7d", "2w". */
export const WINDOW = DURATION;

/** An as-of time: nothing after it counts (default: the newest event). */
export const AS_OF = z.date().refine((d) => !Number.isNaN(d.getTime()), 'expected a valid date');

export const ContentOptionsSchema = z.strictObject({
  /** Nothing after it counts; default the newest event. */
  asOf: AS_OF.optional(),
  /** The report covers the N local days ending on the as-of day (30: a month, as MAU). */
  days: DAYS.default(30),
  /** A purchase is credited to a view of content linking its item at most this long before it. */
  window: WINDOW.default('7d'),
  /** Only this kind's rows and creators (attribution still weighs every kind: see docs/content.md). */
  kind: z.enum(CONTENT_KINDS).optional(),
  /** Creators listed, by views. */
  top: z.number().int().min(1).default(10),
});
export type ContentOptionsInput = z.input<typeof ContentOptionsSchema>;
export type ContentOptions = z.output<typeof ContentOptionsSchema>;

/** Parses options against their schema; a failure names the report and the option. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw new PortraitError(`${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
