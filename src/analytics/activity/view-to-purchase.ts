/**
 * Time from a user's first view of an item to buying it: for every (user, item) with a view and a
 * purchase at or after that first view, the time from the first view to the first such purchase.
 */
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { inRelationSql, type UserRelation } from '../funnel/relation.js';

/** Histogram bucket upper bounds in seconds (the last bucket is open). */
export const VIEW_TO_PURCHASE_BUCKETS: { label: string; upTo: number | null }[] = [
  { label: '< 1 min', upTo: 60 },
  { label: '1-10 min', upTo: 600 },
  { label: '10-60 min', upTo: 3600 },
  { label: '1-6 h', upTo: 6 * 3600 },
  { label: '6-24 h', upTo: 86400 },
  { label: '1-3 d', upTo: 3 * 86400 },
  { label: '3-7 d', upTo: 7 * 86400 },
  { label: '>= 7 d', upTo: null },
];

export interface ViewToPurchaseOptions {
  from?: Date | undefined;
  to?: Date | undefined;
  users?: UserRelation | undefined;
}

export interface ViewToPurchase {
  /** (user, item) pairs bought at or after a view. */
  pairs: number;
  /** Purchased pairs never viewed before the purchase (not in the distribution). */
  boughtWithoutView: number;
  /** Seconds, continuous quantiles (interpolated). */
  median: number | null;
  q1: number | null;
  q3: number | null;
  mean: number | null;
  histogram: { label: string; fromSeconds: number; toSeconds: number | null; pairs: number }[];
}

export async function viewToPurchase(ws: Workspace, o: ViewToPurchaseOptions = {}): Promise<ViewToPurchase> {
  const p = new SqlParams();
  const where = [`type IN ('pv', 'buy')`, 'item_id IS NOT NULL'];
  if (o.from) where.push(`ts >= CAST(${p.bind(o.from)} AS TIMESTAMP)`);
  if (o.to) where.push(`ts <= CAST(${p.bind(o.to)} AS TIMESTAMP)`);
  if (o.users) where.push(inRelationSql('user_id', o.users, p));
  const bounds = VIEW_TO_PURCHASE_BUCKETS.map((b) => b.upTo);
  const bucket = `CASE ${bounds.map((b, i) => (b === null ? `ELSE ${i}` : `WHEN s < ${b} THEN ${i}`)).join(' ')} END`;
  // Views are scanned only for the (user, item) pairs that were bought: a semi-join on a small table.
  const rows = await ws.wh.query<{ kind: string; b: number | null; n: number; med: number | null; q1: number | null; q3: number | null; mean: number | null }>(
    `WITH ev AS MATERIALIZED (SELECT user_id, item_id, ts, type FROM events WHERE ${where.join(' AND ')}),
      bought AS (SELECT DISTINCT user_id, item_id FROM ev WHERE type = 'buy'),
      fv AS (SELECT user_id, item_id, min(ts) AS v FROM ev SEMI JOIN bought USING (user_id, item_id) WHERE type = 'pv' GROUP BY ALL),
      pair AS (SELECT b.user_id, b.item_id, fv.v, min(ev.ts) FILTER (WHERE fv.v IS NOT NULL AND ev.ts >= fv.v) AS t
        FROM bought b LEFT JOIN fv USING (user_id, item_id) JOIN ev ON ev.user_id = b.user_id AND ev.item_id = b.item_id AND ev.type = 'buy'
        GROUP BY ALL),
      d AS (SELECT epoch(t) - epoch(v) AS s FROM pair WHERE t IS NOT NULL)
    SELECT 'stats' AS kind, NULL AS b, count(*) AS n, quantile_cont(s, 0.5) AS med, quantile_cont(s, 0.25) AS q1, quantile_cont(s, 0.75) AS q3, avg(s) AS mean FROM d
    UNION ALL SELECT 'bucket', ${bucket}, count(*), NULL, NULL, NULL, NULL FROM d GROUP BY 2
    UNION ALL SELECT 'unviewed', NULL, count(*), NULL, NULL, NULL, NULL FROM pair WHERE t IS NULL`,
    p.values,
  );
  const stats = rows.find((r) => r.kind === 'stats')!;
  const counts = new Map(rows.filter((r) => r.kind === 'bucket').map((r) => [Number(r.b), Number(r.n)]));
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    pairs: Number(stats.n),
    boughtWithoutView: Number(rows.find((r) => r.kind === 'unviewed')?.n ?? 0),
    median: num(stats.med),
    q1: num(stats.q1),
    q3: num(stats.q3),
    mean: num(stats.mean),
    histogram: VIEW_TO_PURCHASE_BUCKETS.map((b, i) => ({ label: b.label, fromSeconds: i === 0 ? 0 : VIEW_TO_PURCHASE_BUCKETS[i - 1]!.upTo!, toSeconds: b.upTo, pairs: counts.get(i) ?? 0 })),
  };
}
