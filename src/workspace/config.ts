/** The workspace config file (portrait.json): validated on every open. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export const ConfigSchema = z.object({
  /** Version of the warehouse schema this workspace was last written with. */
  schemaVersion: z.number().int().positive(),
  /** Salt for hashing personal identifiers. Never changes after init, or hashes stop matching. */
  salt: z.string().min(16),
  createdAt: z.string(),
  engine: z.literal('duckdb').default('duckdb'),
  /**
   * Event times are stored as the platform's local wall-clock time, so "a day" means the platform's day.
   * Unix-second inputs are shifted by this many hours (Taobao: Asia/Shanghai, UTC+8, no daylight saving).
   */
  utcOffsetHours: z.number().min(-12).max(14).default(8),
  defaults: z
    .object({
      /** Exports refuse audiences smaller than this (privacy). */
      minAudienceSize: z.number().int().nonnegative().default(50),
      /** Memory DuckDB may use before spilling to the workspace's tmp folder. */
      memoryLimit: z.string().default('8GB'),
      /** Events this far (days) before or after the main window are reported as data-quality notes. */
      outlierWindowDays: z.number().positive().default(7),
    })
    .prefault({}),
  /** Lifecycle stage thresholds in days (docs/metrics.md): the lifecycle_stage tag and stage transitions. */
  lifecycle: z
    .object({
      newDays: z.number().int().min(1).default(7),
      activeDays: z.number().int().min(1).default(30),
      churnedAfterDays: z.number().int().min(1).default(90),
      wonBackDays: z.number().int().min(1).default(30),
    })
    .refine((l) => l.churnedAfterDays >= l.activeDays, { message: 'churnedAfterDays must be at least activeDays', path: ['churnedAfterDays'] })
    .prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;

export function newConfig(schemaVersion: number): Config {
  return ConfigSchema.parse({
    schemaVersion,
    salt: randomBytes(24).toString('hex'),
    createdAt: new Date().toISOString(),
  });
}
