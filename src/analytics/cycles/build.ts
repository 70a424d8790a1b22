/**
 * Purchase cycles: per user and repeat category, the days between consecutive purchase days, their median
 * (the typical interval), its spread (median absolute deviation), the last purchase day and the next due
 * date. One CREATE OR REPLACE TABLE ... AS in one transaction (a failure leaves the previous table); all
 * set-based (window functions), no JavaScript per event. See docs/cycles.md.
 */
import { requireAsOf } from '../as-of.js';
import { PortraitError } from '../../errors.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';

export const CYCLES_TABLE = 'purchase_cycles';
export const DEFAULT_MIN_PURCHASES = 3;

export interface CyclesBuildOptions {
  /** Only purchases at or before it count; days until due are measured from its day. Default: the newest event. */
  asOf?: Date;
  /** Distinct purchase days a user needs in a category for it to count as a repeat category (default 3, at least 2). */
  minPurchases?: number;
}

export interface CyclesBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
}

export function checkMinPurchases(n: number | undefined): number {
  const v = n ?? DEFAULT_MIN_PURCHASES;
  if (!Number.isSafeInteger(v) || v < 2) {
    throw new PortraitError(`purchase cycles: minPurchases must be a whole number of at least 2 (got ${String(n)})`);
  }
  return v;
}

/**
 * The SELECT (a self-contained query) computing one row per user and repeat category. `$asOf` binds a
 * TIMESTAMP or NULL (newest event), `$min` the minimum number of distinct purchase days.
 */
export function purchaseCyclesSelectSql(asOfParam: number, minParam: number): string {
  return `WITH a AS (
    SELECT COALESCE(CAST($${asOfParam} AS TIMESTAMP), (SELECT max(ts) FROM events)) AS as_of
  ), d AS (
    -- one row per user, category and local purchase day: same-day purchases count once
    SELECT DISTINCT e.user_id, COALESCE(e.category_id, it.category_id) AS category_id, CAST(e.ts AS DATE) AS day
    FROM events e CROSS JOIN a
    LEFT JOIN items it ON it.item_id = e.item_id
    WHERE e.type = 'buy' AND e.ts <= a.as_of AND COALESCE(e.category_id, it.category_id) IS NOT NULL
  ), g AS (
    SELECT user_id, category_id, day,
      day - lag(day) OVER (PARTITION BY user_id, category_id ORDER BY day) AS gap,
      count(*) OVER (PARTITION BY user_id, category_id) AS n
    FROM d
  ), r AS MATERIALIZED (
    SELECT * FROM g WHERE n >= CAST($${minParam} AS BIGINT)
  ), s AS (
    SELECT user_id, category_id, count(*) AS purchases, max(day) AS last_purchase,
      median(gap) AS interval_days
    FROM r GROUP BY user_id, category_id
  ), m AS (
    SELECT r.user_id, r.category_id, median(abs(r.gap - s.interval_days)) AS spread
    FROM r JOIN s ON s.user_id = r.user_id AND s.category_id = r.category_id
    WHERE r.gap IS NOT NULL
    GROUP BY r.user_id, r.category_id
  ), c AS (
    SELECT s.*, m.spread, CAST(s.last_purchase + CAST(round(s.interval_days) AS INTEGER) AS DATE) AS next_due
    FROM s JOIN m ON m.user_id = s.user_id AND m.category_id = s.category_id
  )
  SELECT CAST(c.user_id AS BIGINT) AS user_id, CAST(c.category_id AS BIGINT) AS category_id,
    CAST(c.purchases AS BIGINT) AS purchases, CAST(c.interval_days AS DOUBLE) AS interval_days,
    CAST(c.spread AS DOUBLE) AS interval_spread_days, CAST(c.last_purchase AS DATE) AS last_purchase,
    c.next_due, CAST(c.next_due - CAST(a.as_of AS DATE) AS BIGINT) AS days_until_due, a.as_of
  FROM c CROSS JOIN a`;
}

/** The SQL and bound values that (re)create purchase_cycles. */
export function purchaseCyclesSql(asOf: Date | null, minPurchases: number): { sql: string; params: SqlValue[] } {
  return {
    sql: `CREATE OR REPLACE TABLE ${CYCLES_TABLE} AS ${purchaseCyclesSelectSql(1, 2)}`,
    params: [asOf, minPurchases],
  };
}

/** Builds purchase_cycles; returns the as-of time used, the rows written and the seconds taken. */
export async function buildPurchaseCycles(ws: Workspace, options: CyclesBuildOptions = {}): Promise<CyclesBuildReport> {
  const started = Date.now();
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) {
    throw new PortraitError('purchase cycles: asOf is not a valid date');
  }
  const minPurchases = checkMinPurchases(options.minPurchases);
  const { wh } = ws;
  const { sql, params } = purchaseCyclesSql(options.asOf ?? null, minPurchases);
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'purchase cycles');
    await wh.run(sql, params);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${CYCLES_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
