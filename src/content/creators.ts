/**
 * Creators (达人) ranked by views in the period: what they published, the engagement their content and
 * streams drew, and the order lines credited to them by last-touch attribution (./attribution.ts).
 */
import { SqlParams } from '../conditions/params.js';
import { durationSeconds } from '../conditions/schema.js';
import type { ContentKind } from '../model/enums.js';
import type { Workspace } from '../workspace/workspace.js';
import { attributionCtes } from './attribution.js';
import { ENGAGEMENT_AGGREGATES, engagementEventsSql, engagementOf, type EngagementCounts } from './engagement.js';
import { ContentOptionsSchema, parseOptions, type ContentOptionsInput } from './options.js';
import { resolvePeriod, type Period } from './period.js';
import { orderSource, PURCHASE_AGGREGATES, purchaseCountsOf, type OrderSource, type PurchaseCounts } from './purchases.js';

export interface CreatorRow extends EngagementCounts, PurchaseCounts {
  /** 1 for the most viewed. */
  rank: number;
  creatorId: number;
  name: string | null;
  /** Declared tier (creators.tier): kol, koc or regular; null when not declared. */
  tier: string | null;
  /** Content pieces published in the period. */
  contents: number;
  /** Live streams started in the period. */
  streams: number;
}

export interface CreatorRanking extends Period {
  window: string;
  windowSeconds: number;
  kind: ContentKind | null;
  orderSource: OrderSource;
  /** Creators with anything in the period (published, viewed or credited). */
  creators: number;
  top: CreatorRow[];
}

/** Inputs shared with the content report (resolved once there). */
export interface CreatorQuery {
  period: Period;
  windowSeconds: number;
  kind: ContentKind | null;
  source: OrderSource;
  top: number;
}

/** Creators by views (then credited GMV, then id), the first `top` of them, and how many there are. */
export async function rankCreators(ws: Workspace, q: CreatorQuery): Promise<{ creators: number; top: CreatorRow[] }> {
  const p = new SqlParams();
  const ctes = attributionCtes(p, { source: q.source, asOf: q.period.asOf, purchasesFrom: q.period.from, windowSeconds: q.windowSeconds });
  const from = `CAST(${p.bind(q.period.from)} AS TIMESTAMP)`;
  const asOf = `CAST(${p.bind(q.period.asOf)} AS TIMESTAMP)`;
  const kind = `CAST(${p.bind(q.kind)} AS VARCHAR)`;
  const rows = await ws.wh.query<Record<string, unknown>>(
    `WITH ${ctes},
    ce AS (${engagementEventsSql(from, asOf)}),
    pub AS (
      SELECT creator_id, count(*) AS contents, 0 AS streams FROM content
      WHERE published_at >= ${from} AND published_at <= ${asOf} AND (${kind} IS NULL OR CAST(kind AS VARCHAR) = ${kind})
      GROUP BY creator_id
      UNION ALL
      SELECT creator_id, 0, count(*) FROM live_streams
      WHERE started_at >= ${from} AND started_at <= ${asOf} AND (${kind} IS NULL OR ${kind} = 'live')
      GROUP BY creator_id
    ),
    eng AS (SELECT creator_id, ${ENGAGEMENT_AGGREGATES} FROM ce WHERE ${kind} IS NULL OR kind = ${kind} GROUP BY creator_id),
    att AS (SELECT creator_id, ${PURCHASE_AGGREGATES} FROM attributed WHERE ${kind} IS NULL OR kind = ${kind} GROUP BY creator_id),
    pubs AS (SELECT creator_id, sum(contents) AS contents, sum(streams) AS streams FROM pub GROUP BY creator_id),
    ids AS (SELECT creator_id FROM pubs UNION SELECT creator_id FROM eng UNION SELECT creator_id FROM att),
    ranked AS (
      SELECT ids.creator_id, cr.name, cr.tier, coalesce(pubs.contents, 0) AS contents, coalesce(pubs.streams, 0) AS streams,
        eng.views, eng.viewers, eng.likes, eng.shares, eng.comments, eng.followers,
        att.lines, att.orders, att.gmv, att.buyers,
        row_number() OVER (ORDER BY coalesce(eng.views, 0) DESC, coalesce(att.gmv, 0) DESC, ids.creator_id) AS rank,
        count(*) OVER () AS creators
      FROM ids LEFT JOIN pubs USING (creator_id) LEFT JOIN eng USING (creator_id) LEFT JOIN att USING (creator_id)
      LEFT JOIN creators cr ON cr.creator_id = ids.creator_id
    )
    SELECT * FROM ranked WHERE rank <= ${p.bind(q.top)} ORDER BY rank`,
    p.values,
  );
  return {
    creators: Number(rows[0]?.creators ?? 0),
    top: rows.map((r) => ({
      rank: Number(r.rank),
      creatorId: Number(r.creator_id),
      name: (r.name as string | null) ?? null,
      tier: (r.tier as string | null) ?? null,
      contents: Number(r.contents),
      streams: Number(r.streams),
      ...engagementOf(r),
      ...purchaseCountsOf(r),
    })),
  };
}

/** `portrait content creators`: the ranking on its own. */
export async function contentCreators(ws: Workspace, input: ContentOptionsInput = {}): Promise<CreatorRanking> {
  const o = parseOptions(ContentOptionsSchema, input, 'content creators');
  const period = await resolvePeriod(ws, o.asOf, o.days, 'content creators');
  const source = await orderSource(ws);
  const windowSeconds = durationSeconds(o.window);
  const ranking = await rankCreators(ws, { period, windowSeconds, kind: o.kind ?? null, source, top: o.top });
  return { ...period, window: o.window, windowSeconds, kind: o.kind ?? null, orderSource: source, ...ranking };
}
