/**
 * Paid orders, the one notion of "spending" the naughty value, the points and the coupon threshold share:
 * from `orders` when it holds any row (an order is an order_id, dated by its first line, worth the sum of
 * its lines that were not refunded), else from `buy` events (each one an order, worth its amount, else
 * the item's list price times the quantity), as the growth metrics count orders (docs/metrics.md).
 */
import type { Warehouse } from '../../warehouse/warehouse.js';

export type PaidOrderSource = 'orders' | 'buy events';

export async function paidOrderSource(wh: Warehouse): Promise<PaidOrderSource> {
  const r = await wh.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM orders) AS "any"');
  return r[0]?.any ? 'orders' : 'buy events';
}

/**
 * A query of paid orders (ref VARCHAR, user_id, ts, amount DOUBLE) up to `asOf` (an SQL TIMESTAMP
 * expression), optionally of one user (`user`: an SQL expression). Orders without a known amount are left out.
 */
export function paidOrdersSql(source: PaidOrderSource, asOf: string, user?: string): string {
  const one = (col: string) => (user ? ` AND ${col} = ${user}` : '');
  switch (source) {
    case 'orders':
      // Refunded lines are not spending; an order with every line refunded disappears.
      return `SELECT CAST(order_id AS VARCHAR) AS ref, arg_min(user_id, ts) AS user_id, min(ts) AS ts, CAST(sum(amount) AS DOUBLE) AS amount
        FROM orders WHERE ts <= ${asOf} AND coalesce(status, '') <> 'refunded' AND amount IS NOT NULL${one('user_id')}
        GROUP BY order_id`;
    case 'buy events':
      return `SELECT CAST(e.event_id AS VARCHAR) AS ref, e.user_id, e.ts, CAST(coalesce(e.amount, i.price * coalesce(e.quantity, 1)) AS DOUBLE) AS amount
        FROM events e LEFT JOIN items i ON i.item_id = e.item_id
        WHERE e.type = 'buy' AND e.ts <= ${asOf} AND coalesce(e.amount, i.price) IS NOT NULL${one('e.user_id')}`;
    default: {
      const never: never = source;
      throw new Error(`unknown order source ${String(never)}`);
    }
  }
}
