/** Whether a user is known as of a time: named by an event, an order or a users row by then. */
import type { Warehouse } from '../../warehouse/warehouse.js';

export async function isKnownUser(wh: Warehouse, userId: number, asOf: Date): Promise<boolean> {
  const r = await wh.query<{ known: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM events WHERE user_id = $1 AND ts <= CAST($2 AS TIMESTAMP))
      OR EXISTS (SELECT 1 FROM orders WHERE user_id = $1 AND ts <= CAST($2 AS TIMESTAMP))
      OR EXISTS (SELECT 1 FROM users WHERE user_id = $1 AND (registered_at IS NULL OR registered_at <= CAST($2 AS TIMESTAMP))) AS known`,
    [userId, asOf],
  );
  return Boolean(r[0]?.known);
}
