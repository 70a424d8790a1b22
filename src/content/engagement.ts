/**
 * Engagement with content: views and the likes, shares, comments and follows they draw, each credited to
 * a content kind and a creator. An event with a `content_id` belongs to that content row; one with only
 * a `live_id` belongs to the stream (kind `live`, the host as creator). Events naming content or a stream
 * the workspace does not hold are left out.
 */

/** The event types of each engagement measure (the closed vocabulary of src/model/enums.ts). */
export const ENGAGEMENT_TYPES = {
  view: ['content_view', 'live_watch'],
  like: ['like', 'live_like'],
  share: ['share'],
  comment: ['comment'],
  follow: ['follow', 'live_follow'],
} as const;

const list = (types: readonly string[]) => types.map((t) => `'${t}'`).join(', ');
const ALL_TYPES = list(Object.values(ENGAGEMENT_TYPES).flat());

/**
 * A CTE body: one row per engagement event in [from, asOf] (placeholders of TIMESTAMPs): user_id, type
 * (VARCHAR), kind (VARCHAR), creator_id, content_id (null for a stream's own events), live_id.
 */
export function engagementEventsSql(from: string, asOf: string): string {
  return `SELECT e.user_id, CAST(e.type AS VARCHAR) AS type, CAST(c.kind AS VARCHAR) AS kind, c.creator_id, e.content_id, CAST(NULL AS BIGINT) AS live_id
    FROM events e JOIN content c ON c.content_id = e.content_id
    WHERE e.ts >= ${from} AND e.ts <= ${asOf} AND e.type IN (${ALL_TYPES})
    UNION ALL
    SELECT e.user_id, CAST(e.type AS VARCHAR), 'live', s.creator_id, NULL, e.live_id
    FROM events e JOIN live_streams s ON s.live_id = e.live_id
    WHERE e.content_id IS NULL AND e.ts >= ${from} AND e.ts <= ${asOf} AND e.type IN (${ALL_TYPES})`;
}

/** Aggregates over engagement events (alias-free columns: type, user_id). */
export const ENGAGEMENT_AGGREGATES = `count(*) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.view)})) AS views,
  count(DISTINCT user_id) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.view)})) AS viewers,
  count(*) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.like)})) AS likes,
  count(*) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.share)})) AS shares,
  count(*) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.comment)})) AS comments,
  count(DISTINCT user_id) FILTER (WHERE type IN (${list(ENGAGEMENT_TYPES.follow)})) AS followers`;

export interface EngagementCounts {
  /** content_view and live_watch events. */
  views: number;
  /** Distinct users with a view. */
  viewers: number;
  /** like and live_like events. */
  likes: number;
  shares: number;
  comments: number;
  /** Distinct users who followed (follow, live_follow) from the content or stream. */
  followers: number;
  /** likes / views. */
  likeRate: number | null;
  shareRate: number | null;
  commentRate: number | null;
  /** (likes + shares + comments) / views. */
  engagementRate: number | null;
}

export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** The counts of a row of ENGAGEMENT_AGGREGATES (missing: 0), with their rates. */
export function engagementOf(r: Record<string, unknown> | undefined): EngagementCounts {
  const n = (k: string) => Number(r?.[k] ?? 0);
  const views = n('views');
  const [likes, shares, comments] = [n('likes'), n('shares'), n('comments')];
  return {
    views,
    viewers: n('viewers'),
    likes,
    shares,
    comments,
    followers: n('followers'),
    likeRate: ratio(likes, views),
    shareRate: ratio(shares, views),
    commentRate: ratio(comments, views),
    engagementRate: ratio(likes + shares + comments, views),
  };
}
