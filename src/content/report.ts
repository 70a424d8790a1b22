/**
 * The content report (docs/content.md): who reads content (share of the period's active users), views
 * and engagement per content kind, the orders content leads to by last-touch attribution and their share
 * of all orders, and the top creators.
 */
import { SqlParams } from '../conditions/params.js';
import { durationSeconds } from '../conditions/schema.js';
import { CONTENT_KINDS, type ContentKind } from '../model/enums.js';
import type { Workspace } from '../workspace/workspace.js';
import { attributionCtes } from './attribution.js';
import { rankCreators, type CreatorRow } from './creators.js';
import { ENGAGEMENT_AGGREGATES, engagementEventsSql, engagementOf, ratio, type EngagementCounts } from './engagement.js';
import { ContentOptionsSchema, parseOptions, type ContentOptionsInput } from './options.js';
import { resolvePeriod, type Period } from './period.js';
import { orderSource, PURCHASE_AGGREGATES, purchaseCountsOf, type OrderSource, type PurchaseCounts } from './purchases.js';

export interface ContentAudience {
  /** Users with any event in the period (with 30 days: MAU). */
  activeUsers: number;
  /** Users with a content_view in the period. */
  readers: number;
  /** readers / activeUsers. */
  readerShare: number | null;
  /** Users with a live_watch in the period. */
  liveViewers: number;
  liveViewerShare: number | null;
  /** Users with either. */
  consumers: number;
  consumerShare: number | null;
}

/** Orders through content: credited lines and their shares of all the period's orders and GMV. */
export interface ContentOrders extends PurchaseCounts {
  /** orders / all orders of the period. */
  orderShare: number | null;
  /** lines / all order lines of the period. */
  lineShare: number | null;
  gmvShare: number | null;
}

export interface ContentKindRow extends EngagementCounts, ContentOrders {
  kind: ContentKind;
  /** Content pieces of the kind published in the period. */
  contents: number;
}

export interface ContentReport extends Period {
  window: string;
  windowSeconds: number;
  /** The --kind filter, or null. */
  kind: ContentKind | null;
  orderSource: OrderSource;
  audience: ContentAudience;
  /** Every order line of the period (the denominators of the shares). */
  purchases: PurchaseCounts;
  /** All content together (viewers and buyers distinct across kinds). */
  content: EngagementCounts & ContentOrders & { contents: number };
  /** One row per kind (only the --kind one with a filter). */
  kinds: ContentKindRow[];
  /** Creators with anything in the period. */
  creators: number;
  /** The first `top` creators by views (on the --kind's content with a filter). */
  topCreators: CreatorRow[];
}

const num = (r: Record<string, unknown> | undefined, k: string) => Number(r?.[k] ?? 0);

export async function contentReport(ws: Workspace, input: ContentOptionsInput = {}): Promise<ContentReport> {
  const o = parseOptions(ContentOptionsSchema, input, 'content report');
  const period = await resolvePeriod(ws, o.asOf, o.days, 'content report');
  const source = await orderSource(ws);
  const windowSeconds = durationSeconds(o.window);

  const p = new SqlParams();
  const from = `CAST(${p.bind(period.from)} AS TIMESTAMP)`;
  const asOf = `CAST(${p.bind(period.asOf)} AS TIMESTAMP)`;
  const [audience] = await ws.wh.query<Record<string, unknown>>(
    `SELECT count(DISTINCT user_id) AS active,
       count(DISTINCT user_id) FILTER (WHERE type = 'content_view') AS readers,
       count(DISTINCT user_id) FILTER (WHERE type = 'live_watch') AS live_viewers,
       count(DISTINCT user_id) FILTER (WHERE type IN ('content_view', 'live_watch')) AS consumers
     FROM events WHERE ts >= ${from} AND ts <= ${asOf}`,
    p.values,
  );
  const engagement = await ws.wh.query<Record<string, unknown>>(
    `WITH ce AS (${engagementEventsSql(from, asOf)})
     SELECT grouping(kind) AS total, kind, ${ENGAGEMENT_AGGREGATES} FROM ce GROUP BY GROUPING SETS ((kind), ())`,
    p.values,
  );
  const published = await ws.wh.query<{ kind: string; contents: number }>(
    `SELECT CAST(kind AS VARCHAR) AS kind, count(*) AS contents FROM content WHERE published_at >= ${from} AND published_at <= ${asOf} GROUP BY ALL`,
    p.values,
  );
  const contentsOf = (kind: string | null) => published.filter((r) => kind === null || r.kind === kind).reduce((s, r) => s + Number(r.contents), 0);

  const q = new SqlParams();
  const ctes = attributionCtes(q, { source, asOf: period.asOf, purchasesFrom: period.from, windowSeconds });
  const qFrom = `CAST(${q.bind(period.from)} AS TIMESTAMP)`;
  const orders = await ws.wh.query<Record<string, unknown>>(
    `WITH ${ctes}
     SELECT 'all' AS scope, NULL AS kind, ${PURCHASE_AGGREGATES} FROM purchases WHERE ts >= ${qFrom}
     UNION ALL
     SELECT CASE WHEN grouping(kind) = 1 THEN 'content' ELSE 'kind' END, kind, ${PURCHASE_AGGREGATES}
     FROM attributed GROUP BY GROUPING SETS ((kind), ())`,
    q.values,
  );

  const all = purchaseCountsOf(orders.find((r) => r.scope === 'all'));
  const through = (r: Record<string, unknown> | undefined): ContentOrders => {
    const c = purchaseCountsOf(r);
    return { ...c, orderShare: ratio(c.orders, all.orders), lineShare: ratio(c.lines, all.lines), gmvShare: ratio(c.gmv, all.gmv) };
  };
  const totalEngagement = engagement.find((r) => Number(r.total) === 1);
  const kinds: ContentKindRow[] = CONTENT_KINDS.filter((k) => o.kind === undefined || k === o.kind).map((kind) => {
    const e = engagement.find((r) => Number(r.total) === 0 && r.kind === kind);
    return {
      kind,
      contents: contentsOf(kind),
      ...engagementOf(e),
      ...through(orders.find((r) => r.scope === 'kind' && r.kind === kind)),
    };
  });
  const ranking = await rankCreators(ws, { period, windowSeconds, kind: o.kind ?? null, source, top: o.top });
  const active = num(audience, 'active');
  return {
    ...period,
    window: o.window,
    windowSeconds,
    kind: o.kind ?? null,
    orderSource: source,
    audience: {
      activeUsers: active,
      readers: num(audience, 'readers'),
      readerShare: ratio(num(audience, 'readers'), active),
      liveViewers: num(audience, 'live_viewers'),
      liveViewerShare: ratio(num(audience, 'live_viewers'), active),
      consumers: num(audience, 'consumers'),
      consumerShare: ratio(num(audience, 'consumers'), active),
    },
    purchases: all,
    content: { contents: contentsOf(null), ...engagementOf(totalEngagement), ...through(orders.find((r) => r.scope === 'content')) },
    kinds,
    creators: ranking.creators,
    topCreators: ranking.top,
  };
}
