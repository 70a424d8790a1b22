/**
 * When earned points expire. Times are the platform's local wall-clock time held in a Date's UTC fields
 * (as the warehouse returns them). A lot can be spent while the time is before its expiry instant, and
 * the ledger's expire entry is dated at that instant: the first moment of the day after the last valid day.
 */
import type { ExpiryRules } from './rules.js';

const DAY_MS = 86_400_000;

/** The day `months` after the day of `d`, a month end clamping (Jan 31 + 1 month = Feb 28), at 00:00. */
export function addMonthsToDay(d: Date, months: number): Date {
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)));
}

/** The instant points earned at `earnedAt` expire, or null when they never do. */
export function expiresAt(earnedAt: Date, rules: ExpiryRules): Date | null {
  switch (rules.kind) {
    case 'after_months':
      // Valid through the whole day `months` later: they expire when the next day starts.
      return new Date(addMonthsToDay(earnedAt, rules.months).getTime() + DAY_MS);
    case 'year_end':
      return new Date(Date.UTC(earnedAt.getUTCFullYear() + rules.yearsAfter + 1, 0, 1));
    case 'never':
      return null;
    default: {
      const never: never = rules;
      throw new Error(`unknown expiry ${JSON.stringify(never)}`);
    }
  }
}
