/**
 * Configuration of the behaviour rhythm (DOMAIN.md section 2, the behaviour view): session gap, the share of
 * activity the active hours hold, the payday test and the home/work place bands. Every number has a
 * documented default; docs/rhythm.md explains each one.
 */
import { z } from 'zod';
import { PortraitError } from '../../errors.js';

const hour = z.number().int().min(0).max(24);

export const SessionsSchema = z
  .object({
    /** A pause longer than this many minutes between two events of a user starts a new session. */
    gapMinutes: z.number().int().min(1).max(1440).default(30),
  })
  .strict();

export const HoursSchema = z
  .object({
    /** Active hours: the fewest hours, busiest first, that together hold at least this share of the events. */
    activeShare: z.number().gt(0).max(1).default(0.5),
  })
  .strict();

export const PaydaySchema = z
  .object({
    /** Length of the day-of-month window that starts on payday (the salary lifts buying for a few days). */
    windowDays: z.number().int().min(1).max(10).default(3),
    /** The peak window must hold at least this many distinct purchase days... */
    minPeakDays: z.number().int().min(2).default(3),
    /** ...from at least this many different months (pay cycles). */
    minMonths: z.number().int().min(1).default(2),
    /**
     * Largest p-value accepted: the chance of a window at least this full if purchase days fell evenly over
     * the user's observed calendar, multiplied by 31 (every window the test could have picked).
     */
    maxPValue: z.number().gt(0).max(1).default(0.05),
    /**
     * Purchase days of a category the user buys about monthly (at least three purchase days, median gap in
     * this range of days) are left out: a monthly refill lands on the same day of month without any payday.
     */
    monthlyGapDays: z
      .tuple([z.number().int().min(0), z.number().int().min(0)])
      .default([25, 35])
      .refine(([lo, hi]) => lo <= hi, { message: 'the first number must not exceed the second' }),
  })
  .strict();

export const PlacesSchema = z
  .object({
    /** Geohash characters kept (6 is a cell of about 1.2 x 0.6 km). */
    precision: z.number().int().min(1).max(12).default(6),
    /** Home band: weekends all day, and weekdays from this hour... */
    homeFromHour: hour.default(20),
    /** ...or before this hour. */
    homeUntilHour: hour.default(7),
    /** Work band: weekdays from this hour... */
    workFromHour: hour.default(9),
    /** ...until (not including) this hour. */
    workUntilHour: hour.default(18),
    /** A band needs at least this many located events. */
    minEvents: z.number().int().min(1).default(3),
    /** The most frequent place must hold strictly more than this share of the band's located events. */
    minShare: z.number().min(0).lt(1).default(0.5),
  })
  .strict()
  .refine((p) => p.workFromHour < p.workUntilHour, { message: 'workFromHour must be before workUntilHour', path: ['workUntilHour'] });

export const RhythmConfigSchema = z
  .object({
    sessions: SessionsSchema.prefault({}),
    hours: HoursSchema.prefault({}),
    payday: PaydaySchema.prefault({}),
    places: PlacesSchema.prefault({}),
  })
  .strict();

export type RhythmConfig = z.infer<typeof RhythmConfigSchema>;

/** A partial configuration: any field left out takes its default (nested objects merge field by field). */
export type RhythmConfigInput = z.input<typeof RhythmConfigSchema>;

export function defaultRhythmConfig(): RhythmConfig {
  return RhythmConfigSchema.parse({});
}

/** Validates a (partial) configuration; a bad field throws a PortraitError naming its path. */
export function resolveRhythmConfig(input: unknown = {}): RhythmConfig {
  const parsed = RhythmConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') || '(root)';
    throw new PortraitError(`rhythm config: field ${path}: ${issue?.message}`, 'see docs/rhythm.md for the fields and their defaults');
  }
  return parsed.data;
}

/**
 * Width (seconds) of the time buckets events are first grouped into: the widest divisor of an hour that is
 * not longer than the session gap. Inside a bucket no pause can exceed the gap, and a bucket never crosses
 * an hour, so sessions and hours computed from buckets are exact.
 */
export function bucketSeconds(gapMinutes: number): number {
  const divisors = [3600, 1800, 1200, 900, 720, 600, 360, 300, 240, 180, 120, 60];
  return divisors.find((d) => d <= gapMinutes * 60) ?? 60;
}
