/**
 * The period a content, live or review report covers: the N local days ending on the as-of day, cut at
 * the as-of time. With N = 30 the users active in it are the MAU of `portrait metrics` on that day.
 * Shared by src/content, src/live and src/reviews.
 */
import { requireAsOf } from '../analytics/as-of.js';
import type { Workspace } from '../workspace/workspace.js';

export interface Period {
  /** Nothing after it counts (local wall-clock time, as stored). */
  asOf: Date;
  /** Start of the first day of the period (00:00 local). */
  from: Date;
  days: number;
}

const DAY_MS = 86_400_000;

/** The period of `days` days ending on the as-of day (default: the newest event's). */
export async function resolvePeriod(ws: Workspace, asOf: Date | undefined, days: number, what: string): Promise<Period> {
  const at = await requireAsOf(ws.wh, asOf, what);
  // Stored times are local wall-clock read as UTC, so the UTC calendar day is the local day.
  const dayStart = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return { asOf: at, from: new Date(dayStart - (days - 1) * DAY_MS), days };
}
