/**
 * The live-stream report (docs/content.md, "Live streams"): per stream, per host and over all streams of
 * the report, the audience (live and replay), watch time, likes, follows, rewards, comments, coupon claims,
 * the orders credited to the stream by last-touch attribution (src/content/attribution.ts), conversion,
 * and the audience's portrait.
 */
import { z } from 'zod';
import { SqlParams } from '../conditions/params.js';
import { durationSeconds } from '../conditions/schema.js';
import { attributionCtes } from '../content/attribution.js';
import { ratio } from '../content/engagement.js';
import { AS_OF, DAYS, parseOptions, WINDOW } from '../content/options.js';
import { resolvePeriod, type Period } from '../content/period.js';
import { orderSource, PURCHASE_AGGREGATES, purchaseCountsOf, type OrderSource, type PurchaseCounts } from '../content/purchases.js';
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { portraitInputs, portraitOf, portraitSplitSql, type PortraitGroupKey, type PortraitInputs, type PortraitSplitRow, type ViewerPortrait } from './portrait.js';

const id = z.number().int().nonnegative();

export const LiveOptionsSchema = z.strictObject({
  /** Nothing after it counts; default the newest event. */
  asOf: AS_OF.optional(),
  /** Streams started in the N local days ending on the as-of day (ignored with `stream`). */
  days: DAYS.default(30),
  /** Attribution window, as for content (docs/content.md). */
  window: WINDOW.default('7d'),
  /** Only this stream (whenever it started, up to as-of). */
  stream: id.optional(),
  /** Only this host's streams. */
  host: id.optional(),
});
export type LiveOptionsInput = z.input<typeof LiveOptionsSchema>;

/** The live event types counted (besides live_watch): the closed vocabulary of src/model/enums.ts. */
const LIVE_EVENT_TYPES = ['live_watch', 'like', 'live_like', 'share', 'comment', 'follow', 'live_follow', 'live_reward', 'coupon_claim'];

export interface LiveStats extends PurchaseCounts {
  /** Distinct users who watched while the stream ran (live_watch up to its end). */
  viewers: number;
  /** Seconds watched live (sum of dwell_s). */
  watchSeconds: number;
  /** watchSeconds / viewers. */
  avgWatchSeconds: number | null;
  /** Distinct users who watched after the stream ended. */
  replayViewers: number;
  replayWatchSeconds: number;
  /** Distinct users who watched live or a replay. */
  audience: number;
  /** like and live_like events. */
  likes: number;
  shares: number;
  comments: number;
  /** Distinct users who followed (follow, live_follow) from the stream. */
  follows: number;
  /** live_reward events, and their amount in yuan. */
  rewards: number;
  rewardAmount: number;
  couponClaims: number;
  /** Audience members with an order line credited to the stream (the host, all streams). */
  convertedViewers: number;
  /** convertedViewers / audience. */
  conversion: number | null;
  portrait: ViewerPortrait;
}

export interface LiveStreamRow extends LiveStats {
  liveId: number;
  hostId: number;
  title: string | null;
  categoryId: number | null;
  startedAt: Date;
  endedAt: Date | null;
}

export interface LiveHostRow extends LiveStats {
  hostId: number;
  name: string | null;
  tier: string | null;
  streams: number;
}

export interface LiveReport extends Period {
  window: string;
  windowSeconds: number;
  orderSource: OrderSource;
  stream: number | null;
  host: number | null;
  /** What the portrait split could read (both come from `portrait build`). */
  portraitInputs: PortraitInputs;
  /** By start time. */
  streams: LiveStreamRow[];
  /** By credited GMV, then audience, then id. */
  hosts: LiveHostRow[];
  /** Every stream of the report together (users distinct across streams). */
  total: LiveStats;
}

interface StreamInfo {
  live_id: number;
  creator_id: number;
  title: string | null;
  category_id: number | null;
  started_at: Date;
  ended_at: Date | null;
}

type Level = PortraitGroupKey['level'];
const LEVEL_SQL = `CASE WHEN grouping(creator_id) = 1 THEN 'all' WHEN grouping(live_id) = 1 THEN 'host' ELSE 'stream' END AS level`;
const SETS = 'GROUPING SETS ((creator_id, live_id), (creator_id), ())';

export async function liveReport(ws: Workspace, input: LiveOptionsInput = {}): Promise<LiveReport> {
  const o = parseOptions(LiveOptionsSchema, input, 'live report');
  const period = await resolvePeriod(ws, o.asOf, o.days, 'live report');
  const source = await orderSource(ws);
  const windowSeconds = durationSeconds(o.window);
  const inputs = await portraitInputs(ws);

  // The streams of the report, bound once per query through `scope`.
  const scope = (p: SqlParams) => {
    const asOf = `CAST(${p.bind(period.asOf)} AS TIMESTAMP)`;
    const from = `CAST(${p.bind(period.from)} AS TIMESTAMP)`;
    const stream = `CAST(${p.bind(o.stream ?? null)} AS BIGINT)`;
    const host = `CAST(${p.bind(o.host ?? null)} AS BIGINT)`;
    return {
      asOf,
      sql: `SELECT live_id, creator_id, title, category_id, started_at, ended_at FROM live_streams
        WHERE started_at <= ${asOf} AND (${stream} IS NULL OR live_id = ${stream}) AND (${host} IS NULL OR creator_id = ${host})
          AND (${stream} IS NOT NULL OR started_at >= ${from})`,
    };
  };
  const p0 = new SqlParams();
  const streams = await ws.wh.query<StreamInfo>(`${scope(p0).sql} ORDER BY started_at, live_id`, p0.values);
  if (streams.length === 0) await explainEmpty(ws, o.stream, o.host, period);

  const p1 = new SqlParams();
  const s1 = scope(p1);
  const eventRows = await ws.wh.query<Record<string, unknown>>(
    `WITH s AS (${s1.sql}),
    ev AS (
      SELECT s.creator_id, e.live_id, e.user_id, CAST(e.type AS VARCHAR) AS type, e.dwell_s, e.amount,
        (s.ended_at IS NOT NULL AND e.ts > s.ended_at) AS replay
      FROM events e JOIN s ON s.live_id = e.live_id
      WHERE e.ts <= ${s1.asOf} AND e.type IN (${LIVE_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})
    )
    SELECT ${LEVEL_SQL}, creator_id, live_id,
      count(DISTINCT user_id) FILTER (WHERE type = 'live_watch' AND NOT replay) AS viewers,
      CAST(coalesce(sum(dwell_s) FILTER (WHERE type = 'live_watch' AND NOT replay), 0) AS DOUBLE) AS watch_s,
      count(DISTINCT user_id) FILTER (WHERE type = 'live_watch' AND replay) AS replay_viewers,
      CAST(coalesce(sum(dwell_s) FILTER (WHERE type = 'live_watch' AND replay), 0) AS DOUBLE) AS replay_watch_s,
      count(DISTINCT user_id) FILTER (WHERE type = 'live_watch') AS audience,
      count(*) FILTER (WHERE type IN ('like', 'live_like')) AS likes,
      count(*) FILTER (WHERE type = 'share') AS shares,
      count(*) FILTER (WHERE type = 'comment') AS comments,
      count(DISTINCT user_id) FILTER (WHERE type IN ('follow', 'live_follow')) AS follows,
      count(*) FILTER (WHERE type = 'live_reward') AS rewards,
      CAST(coalesce(sum(amount) FILTER (WHERE type = 'live_reward'), 0) AS DOUBLE) AS reward_amount,
      count(*) FILTER (WHERE type = 'coupon_claim') AS coupon_claims
    FROM ev GROUP BY ${SETS}`,
    p1.values,
  );

  const p2 = new SqlParams();
  const ctes = attributionCtes(p2, { source, asOf: period.asOf, purchasesFrom: streams[0]?.started_at ?? period.from, windowSeconds });
  const s2 = scope(p2);
  const orderRows = await ws.wh.query<Record<string, unknown>>(
    `WITH ${ctes}, s AS (${s2.sql}),
    att AS (SELECT s.creator_id, a.live_id, a.order_key, a.user_id, a.amount FROM attributed a JOIN s ON s.live_id = a.live_id),
    aud AS (SELECT DISTINCT s.creator_id, e.live_id, e.user_id FROM events e JOIN s ON s.live_id = e.live_id WHERE e.type = 'live_watch' AND e.ts <= ${s2.asOf}),
    bought AS (
      SELECT 'stream' AS level, creator_id, live_id, count(*) AS converted
      FROM (SELECT creator_id, live_id, user_id FROM aud INTERSECT SELECT creator_id, live_id, user_id FROM att) GROUP BY ALL
      UNION ALL
      SELECT 'host', creator_id, NULL, count(*) FROM (SELECT creator_id, user_id FROM aud INTERSECT SELECT creator_id, user_id FROM att) GROUP BY ALL
      UNION ALL
      SELECT 'all', NULL, NULL, count(*) FROM (SELECT user_id FROM aud INTERSECT SELECT user_id FROM att)
    ),
    sold AS (SELECT ${LEVEL_SQL}, creator_id, live_id, ${PURCHASE_AGGREGATES} FROM att GROUP BY ${SETS})
    SELECT coalesce(b.level, d.level) AS level, coalesce(b.creator_id, d.creator_id) AS creator_id, coalesce(b.live_id, d.live_id) AS live_id,
      b.converted, d.lines, d.orders, d.gmv, d.buyers
    FROM bought b FULL OUTER JOIN sold d ON d.level = b.level AND d.creator_id IS NOT DISTINCT FROM b.creator_id AND d.live_id IS NOT DISTINCT FROM b.live_id`,
    p2.values,
  );

  const p3 = new SqlParams();
  const s3 = scope(p3);
  const split = await ws.wh.query<PortraitSplitRow>(
    `WITH RECURSIVE s AS (${s3.sql}),
    aud AS (SELECT DISTINCT s.creator_id, e.live_id, e.user_id FROM events e JOIN s ON s.live_id = e.live_id WHERE e.type = 'live_watch' AND e.ts <= ${s3.asOf}),
    ${portraitSplitSql(p3, s3.asOf, inputs)}`,
    p3.values,
  );
  const categoryIds = [...new Set(split.filter((r) => r.dim === 'interest' && r.value !== 'unknown').map((r) => Number(r.value)))];
  const names = new Map<number, string>();
  if (categoryIds.length) {
    const rows = await ws.wh.query<{ category_id: number; name: string | null }>(
      `SELECT category_id, name FROM categories WHERE category_id IN (SELECT unnest(CAST($1 AS BIGINT[])))`,
      [JSON.stringify(categoryIds)],
    );
    for (const r of rows) if (r.name !== null) names.set(Number(r.category_id), r.name);
  }
  const hostInfo = await ws.wh.query<{ creator_id: number; name: string | null; tier: string | null }>(
    `SELECT creator_id, name, tier FROM creators WHERE creator_id IN (SELECT unnest(CAST($1 AS BIGINT[])))`,
    [JSON.stringify([...new Set(streams.map((s) => Number(s.creator_id)))])],
  );

  const find = (rows: Record<string, unknown>[], key: PortraitGroupKey) =>
    rows.find(
      (r) => r.level === key.level && (key.level === 'all' || Number(r.creator_id) === key.hostId) && (key.level !== 'stream' || Number(r.live_id) === key.liveId),
    );
  const statsOf = (level: Level, hostId: number | null, liveId: number | null): LiveStats => {
    const key = { level, hostId, liveId };
    const e = find(eventRows, key);
    const d = find(orderRows, key);
    const n = (r: Record<string, unknown> | undefined, k: string) => Number(r?.[k] ?? 0);
    const viewers = n(e, 'viewers');
    const audience = n(e, 'audience');
    const converted = n(d, 'converted');
    return {
      viewers,
      watchSeconds: n(e, 'watch_s'),
      avgWatchSeconds: ratio(n(e, 'watch_s'), viewers),
      replayViewers: n(e, 'replay_viewers'),
      replayWatchSeconds: n(e, 'replay_watch_s'),
      audience,
      likes: n(e, 'likes'),
      shares: n(e, 'shares'),
      comments: n(e, 'comments'),
      follows: n(e, 'follows'),
      rewards: n(e, 'rewards'),
      rewardAmount: n(e, 'reward_amount'),
      couponClaims: n(e, 'coupon_claims'),
      ...purchaseCountsOf(d),
      convertedViewers: converted,
      conversion: ratio(converted, audience),
      portrait: portraitOf(split, key, audience, inputs, names),
    };
  };

  const hostIds = [...new Set(streams.map((s) => Number(s.creator_id)))];
  const hosts = hostIds
    .map((hostId): LiveHostRow => {
      const info = hostInfo.find((h) => Number(h.creator_id) === hostId);
      return {
        hostId,
        name: info?.name ?? null,
        tier: info?.tier ?? null,
        streams: streams.filter((s) => Number(s.creator_id) === hostId).length,
        ...statsOf('host', hostId, null),
      };
    })
    .sort((a, b) => b.gmv - a.gmv || b.audience - a.audience || a.hostId - b.hostId);
  return {
    ...period,
    window: o.window,
    windowSeconds,
    orderSource: source,
    stream: o.stream ?? null,
    host: o.host ?? null,
    portraitInputs: inputs,
    streams: streams.map((s) => ({
      liveId: Number(s.live_id),
      hostId: Number(s.creator_id),
      title: s.title,
      categoryId: s.category_id === null ? null : Number(s.category_id),
      startedAt: s.started_at,
      endedAt: s.ended_at,
      ...statsOf('stream', Number(s.creator_id), Number(s.live_id)),
    })),
    hosts,
    total: statsOf('all', null, null),
  };
}

/** A stream or host asked for that the workspace does not hold is an error; an empty period is not. */
async function explainEmpty(ws: Workspace, stream: number | undefined, host: number | undefined, period: Period): Promise<void> {
  if (stream !== undefined) {
    const rows = await ws.wh.query<{ creator_id: number; started_at: Date }>('SELECT creator_id, started_at FROM live_streams WHERE live_id = $1', [stream]);
    const s = rows[0];
    if (!s) throw new PortraitError(`live report: there is no live stream ${stream}`, 'live_streams lists the streams (portrait import live_streams FILE)');
    if (s.started_at > period.asOf) throw new PortraitError(`live report: live stream ${stream} starts after the as-of time`);
    if (host !== undefined && Number(s.creator_id) !== host) throw new PortraitError(`live report: live stream ${stream} is hosted by ${s.creator_id}, not ${host}`);
  }
  if (host !== undefined) {
    const rows = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM live_streams WHERE creator_id = $1', [host]);
    if (Number(rows[0]?.n ?? 0) === 0) throw new PortraitError(`live report: user ${host} hosts no live stream`);
  }
}
