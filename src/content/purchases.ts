/**
 * Purchases as order lines, from the `orders` table when it holds any row, else from buy events (each
 * its own order), exactly as `portrait metrics` decides (docs/metrics.md). Content attribution credits
 * lines; an order is a distinct order key among them.
 */
import type { OrderSource } from '../analytics/metrics/index.js';
import type { Workspace } from '../workspace/workspace.js';

export type { OrderSource };

export async function orderSource(ws: Workspace): Promise<OrderSource> {
  const r = await ws.wh.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM orders) AS "any"');
  return r[0]?.any ? 'orders' : 'buy events';
}

/**
 * One row per order line at or before `asOf` (a placeholder of a TIMESTAMP): order_key (order id, or the
 * buy event's key), line_no (with order_key, unique per line), user_id, item_id, ts, amount (yuan, an exact decimal;
 * a buy event without an amount counts the item's list price times the quantity, as `portrait stats`).
 */
export function purchasesSql(source: OrderSource, asOf: string): string {
  switch (source) {
    case 'orders':
      return `SELECT order_id AS order_key, item_id AS line_no, user_id, item_id, ts, amount
        FROM orders WHERE ts <= ${asOf}`;
    case 'buy events':
      // Rows repeated exactly in a source share an event key: the row number keeps them apart.
      return `SELECT e.event_id AS order_key, row_number() OVER (PARTITION BY e.event_id ORDER BY e.ts) AS line_no, e.user_id, e.item_id, e.ts,
          coalesce(e.amount, i.price * coalesce(e.quantity, 1)) AS amount
        FROM events e LEFT JOIN items i ON i.item_id = e.item_id
        WHERE e.type = 'buy' AND e.ts <= ${asOf}`;
    default: {
      const never: never = source;
      throw new Error(`unknown order source ${String(never)}`);
    }
  }
}

/** Aggregates over purchase lines (columns order_key, user_id, amount). */
export const PURCHASE_AGGREGATES = `count(*) AS lines, count(DISTINCT order_key) AS orders,
  CAST(coalesce(sum(amount), 0) AS DOUBLE) AS gmv, count(DISTINCT user_id) AS buyers`;

export interface PurchaseCounts {
  /** Distinct orders with at least one of the lines. */
  orders: number;
  /** Order lines. */
  lines: number;
  /** Sum of the lines' amounts, yuan. */
  gmv: number;
  /** Distinct buying users. */
  buyers: number;
}

/** The counts of a row of PURCHASE_AGGREGATES (missing: 0). */
export function purchaseCountsOf(r: Record<string, unknown> | undefined): PurchaseCounts {
  const n = (k: string) => Number(r?.[k] ?? 0);
  return { orders: n('orders'), lines: n('lines'), gmv: n('gmv'), buyers: n('buyers') };
}
