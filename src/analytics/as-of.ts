/**
 * "As of" a time: every build and analysis runs at an explicit time, by default the newest event, never
 * the wall clock, so the same data gives the same answer in any year.
 */
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** The given time, or the newest event's when none is given; null when there are no events. */
export async function resolveAsOf(wh: Warehouse, asOf?: Date): Promise<Date | null> {
  if (asOf !== undefined && Number.isNaN(asOf.getTime())) throw new PortraitError('as-of is not a valid date');
  const rows = await wh.query<{ m: Date | null }>('SELECT COALESCE(CAST($1 AS TIMESTAMP), max(ts)) AS m FROM events', [asOf ?? null]);
  return rows[0]?.m ?? null;
}

/** Like resolveAsOf, but a workspace without events is an error naming what needed them. */
export async function requireAsOf(wh: Warehouse, asOf: Date | undefined, what: string): Promise<Date> {
  const resolved = await resolveAsOf(wh, asOf);
  if (!resolved) {
    throw new PortraitError(`${what}: there are no events`, 'import events first (portrait import, portrait synth or portrait demo)');
  }
  return resolved;
}
