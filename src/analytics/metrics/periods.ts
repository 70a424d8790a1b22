/**
 * Periods for growth analytics: a grain (day, week, month) cuts the local calendar into buckets. Weeks
 * start on Monday (ISO). A date range selects every whole bucket that contains one of its days, so the
 * first and last periods may reach outside the range (a month asked from its 15th is the whole month).
 */
import { PortraitError } from '../../errors.js';

export const GRAINS = ['day', 'week', 'month'] as const;
export type Grain = (typeof GRAINS)[number];

/** A local calendar day: 'YYYY-MM-DD', or a Date whose UTC fields hold the local wall-clock day. */
export type DayInput = string | Date;

/** SQL for one grain. Fixed text chosen from this table, never from user input. */
export interface GrainSql {
  /** First argument of date_trunc. */
  trunc: string;
  /** One bucket. */
  step: string;
  /** Back from a bucket's start to the start of the same bucket a year earlier. */
  yearAgo: string;
}

export const GRAIN_SQL: Record<Grain, GrainSql> = {
  day: { trunc: "'day'", step: 'INTERVAL 1 DAY', yearAgo: 'INTERVAL 1 YEAR' },
  // 52 weeks, so the year-earlier week is again a Monday-to-Sunday week
  week: { trunc: "'week'", step: 'INTERVAL 7 DAY', yearAgo: 'INTERVAL 364 DAY' },
  month: { trunc: "'month'", step: 'INTERVAL 1 MONTH', yearAgo: 'INTERVAL 1 YEAR' },
};

export function checkGrain(grain: string, what: string): Grain {
  if (!(GRAINS as readonly string[]).includes(grain)) {
    throw new PortraitError(`${what}: grain must be day, week or month (got "${grain}")`);
  }
  return grain as Grain;
}

/** The day as 'YYYY-MM-DD', checked. */
export function toDay(value: DayInput, what: string): string {
  const text = value instanceof Date ? (Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10)) : value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(`${text}T00:00:00Z`) : new Date(NaN);
  if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) {
    throw new PortraitError(`${what}: expected a day YYYY-MM-DD (got "${value instanceof Date ? 'an invalid date' : value}")`);
  }
  return text;
}

const utc = (day: string) => new Date(`${day}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  const d = utc(day);
  d.setUTCDate(d.getUTCDate() + n);
  return iso(d);
}

/** The last day of the bucket that contains `day`. */
export function bucketEnd(day: string, grain: Grain): string {
  const d = utc(day);
  if (grain === 'day') return day;
  if (grain === 'week') return addDays(day, 6 - ((d.getUTCDay() + 6) % 7));
  return iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)));
}

/** from and to as days, from <= to. */
export function dayRange(from: DayInput, to: DayInput, what: string): { from: string; to: string } {
  const f = toDay(from, `${what}: from`);
  const t = toDay(to, `${what}: to`);
  if (f > t) throw new PortraitError(`${what}: from (${f}) is after to (${t})`);
  return { from: f, to: t };
}

/** SQL (no parameters of its own) for the table req(p DATE): the starts of the buckets from..to. */
export function requestedBucketsSql(grain: Grain, fromParam: string, toParam: string): string {
  const g = GRAIN_SQL[grain];
  return `SELECT CAST(generate_series AS DATE) AS p FROM generate_series(
      CAST(date_trunc(${g.trunc}, CAST(${fromParam} AS DATE)) AS TIMESTAMP),
      CAST(date_trunc(${g.trunc}, CAST(${toParam} AS DATE)) AS TIMESTAMP), ${g.step})`;
}
