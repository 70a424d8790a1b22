/**
 * Who is due for what: rows of purchase_cycles whose next due date falls within N days of a day, or is
 * overdue by at most one typical interval (a user that late has most likely bought elsewhere or stopped;
 * reminding them forever is noise). See docs/cycles.md.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { CYCLES_TABLE } from './build.js';

export interface DueOptions {
  /** Days ahead of as-of (0 = due today or overdue). */
  within: number;
  /** The day to measure from; default the as-of day of the built table. */
  asOf?: Date;
  /** Only this category. */
  categoryId?: number;
  /** At most this many rows (ordered by due date); default all. */
  limit?: number;
}

export interface DueRow {
  user_id: number;
  category_id: number;
  next_due: Date;
  days_until_due: number;
  interval_days: number;
  interval_spread_days: number;
  last_purchase: Date;
  purchases: number;
}

export interface DueResult {
  /** The day due dates are measured from. */
  asOf: Date;
  /** The as-of time purchase_cycles was built with. */
  builtAsOf: Date;
  within: number;
  /** Rows matching before --limit. */
  total: number;
  rows: DueRow[];
}

export async function cyclesTableExists(ws: Workspace): Promise<boolean> {
  const r = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1",
    [CYCLES_TABLE],
  );
  return Number(r[0]?.n ?? 0) > 0;
}

export async function dueWithin(ws: Workspace, options: DueOptions): Promise<DueResult> {
  const { within } = options;
  if (!Number.isSafeInteger(within) || within < 0) throw new PortraitError(`due: within must be a whole number of days, 0 or more (got ${within})`);
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
    throw new PortraitError(`due: limit must be a whole number (got ${options.limit})`);
  }
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) throw new PortraitError('due: asOf is not a valid date');
  if (!(await cyclesTableExists(ws))) {
    throw new PortraitError('due: purchase cycles have not been built in this workspace', 'run `portrait build` first');
  }
  const built = await ws.wh.query<{ as_of: Date | null }>(`SELECT max(as_of) AS as_of FROM ${CYCLES_TABLE}`);
  const builtAsOf = built[0]?.as_of ?? options.asOf ?? null;
  if (!builtAsOf) {
    // an empty table: nothing is due
    const asOf = options.asOf ?? new Date(NaN);
    return { asOf, builtAsOf: asOf, within, total: 0, rows: [] };
  }
  const rows = await ws.wh.query<DueRow & { total: number }>(
    `SELECT *, count(*) OVER () AS total FROM (
       SELECT user_id, category_id, next_due,
         CAST(next_due - CAST(COALESCE(CAST($1 AS TIMESTAMP), as_of) AS DATE) AS BIGINT) AS days_until_due,
         interval_days, interval_spread_days, last_purchase, purchases
       FROM ${CYCLES_TABLE}
       WHERE $3::BIGINT IS NULL OR category_id = $3::BIGINT
     ) WHERE days_until_due <= $2 AND days_until_due >= -round(interval_days)
     ORDER BY next_due, user_id, category_id
     LIMIT $4`,
    [options.asOf ?? null, within, options.categoryId ?? null, options.limit ?? null],
  );
  const asOfDay = options.asOf ?? builtAsOf;
  return {
    asOf: asOfDay,
    builtAsOf,
    within,
    total: Number(rows[0]?.total ?? 0),
    rows: rows.map(({ total: _t, ...r }) => ({
      ...r,
      user_id: Number(r.user_id),
      category_id: Number(r.category_id),
      days_until_due: Number(r.days_until_due),
      purchases: Number(r.purchases),
    })),
  };
}
