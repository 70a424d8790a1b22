/** A summary of what a workspace holds: the first thing to look at after an import. */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { QualityNote } from '../ingest/report.js';

export interface WorkspaceStats {
  /** Distinct users with at least one event. */
  users: number;
  /** Rows in the users table (declared attributes). */
  userProfiles: number;
  /** Distinct items and categories seen in events. */
  items: number;
  categories: number;
  events: number;
  eventsByType: Record<string, number>;
  from: Date | null;
  to: Date | null;
  /** Distinct users with at least one buy event. */
  buyers: number;
  buyEvents: number;
  /**
   * Sum over buy events of the amount paid, or, where a buy carries no amount, the item's list price
   * times the quantity (1 when absent). Buys with neither are counted in `buysWithoutAmount`.
   */
  gmv: number;
  buysWithoutAmount: number;
  imports: number;
  quarantined: number;
  notes: (QualityNote & { batchId: number })[];
}

export async function workspaceStats(wh: Warehouse): Promise<WorkspaceStats> {
  const [totals] = await wh.query<{
    users: number;
    items: number;
    categories: number;
    events: number;
    from: Date | null;
    to: Date | null;
    buyers: number;
    buy_events: number;
  }>(
    `SELECT count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items,
            count(DISTINCT category_id) AS categories, count(*) AS events,
            min(ts) AS "from", max(ts) AS "to",
            count(DISTINCT user_id) FILTER (WHERE type = 'buy') AS buyers,
            count(*) FILTER (WHERE type = 'buy') AS buy_events
     FROM events`,
  );
  const byType = await wh.query<{ type: string; n: number }>(
    'SELECT CAST(type AS VARCHAR) AS type, count(*) AS n FROM events GROUP BY ALL ORDER BY n DESC, type',
  );
  const [money] = await wh.query<{ gmv: number | null; missing: number }>(
    `SELECT sum(coalesce(e.amount, i.price * coalesce(e.quantity, 1))) AS gmv,
            count(*) FILTER (WHERE e.amount IS NULL AND i.price IS NULL) AS missing
     FROM events e LEFT JOIN items i ON i.item_id = e.item_id
     WHERE e.type = 'buy'`,
  );
  const [meta] = await wh.query<{ profiles: number; imports: number; quarantined: number }>(
    `SELECT (SELECT count(*) FROM users) AS profiles, (SELECT count(*) FROM imports) AS imports,
            (SELECT count(*) FROM quarantine) AS quarantined`,
  );
  const notes = await wh.query<{ batch_id: number; code: string; count: number; detail: string }>(
    'SELECT batch_id, code, count, detail FROM quality_notes ORDER BY batch_id, code',
  );
  return {
    users: totals?.users ?? 0,
    userProfiles: meta?.profiles ?? 0,
    items: totals?.items ?? 0,
    categories: totals?.categories ?? 0,
    events: totals?.events ?? 0,
    eventsByType: Object.fromEntries(byType.map((r) => [r.type, r.n])),
    from: totals?.from ?? null,
    to: totals?.to ?? null,
    buyers: totals?.buyers ?? 0,
    buyEvents: totals?.buy_events ?? 0,
    gmv: Number(money?.gmv ?? 0),
    buysWithoutAmount: money?.missing ?? 0,
    imports: meta?.imports ?? 0,
    quarantined: meta?.quarantined ?? 0,
    notes: notes.map((n) => ({ batchId: n.batch_id, code: n.code, count: n.count, detail: n.detail })),
  };
}
