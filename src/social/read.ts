/**
 * Reading the social build: the KOL/KOC ranking, the communities with their portrait summary, and the
 * neighbourhood of the top KOLs for drawing. Everything is read as of the stored build's as-of time.
 */
import { PortraitError } from '../errors.js';
import { CLASSES, declaredSql } from '../tags/predict/attributes.js';
import { INTEREST_TABLE } from '../tags/interest/build.js';
import { TAG_VALUES_TABLE, tableExists } from '../tags/values/build.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { COMMUNITIES_TABLE, INFLUENCE_TABLE, socialBuildInfo, type SocialBuildInfo } from './build.js';
import { ordersHaveRows } from './spread.js';
import { friendPairsSql, purchasesSql } from './relations.js';

export type InfluenceTier = 'kol' | 'koc';

export interface InfluenceRow {
  rank: number;
  userId: number;
  score: number;
  /** PageRank x nodes of the influence graph: 1 is the average user of the graph. */
  reach: number;
  pagerank: number;
  followers: number;
  shareRecipients: number;
  /** Distinct users with an event carrying this user as referrer. */
  referredUsers: number;
  /** Distinct buyers driven (referred, or through the user's content or live streams). */
  buyers: number;
  referredBuyers: number;
  contentBuyers: number;
  gmv: number;
  tier: InfluenceTier | null;
  /** The tier a source declared in `creators`, if any (shown beside, never used by the ranking). */
  declaredTier: string | null;
}

export interface KolRanking {
  build: SocialBuildInfo;
  /** Users ranked (in the influence graph or credited with a conversion). */
  ranked: number;
  kols: number;
  kocs: number;
  top: InfluenceRow[];
}

/** The stored build, or a PortraitError saying how to make one. */
export async function requireSocialBuild(wh: Warehouse): Promise<SocialBuildInfo> {
  const info = await socialBuildInfo(wh);
  if (!info) throw new PortraitError('the social graph has not been built in this workspace', 'run `portrait social build` (or `portrait build`) first');
  return info;
}

const num = (v: unknown): number => Number(v ?? 0);

/** The first `top` users of the influence ranking. */
export async function kolRanking(ws: Workspace, options: { top?: number } = {}): Promise<KolRanking> {
  const { wh } = ws;
  const build = await requireSocialBuild(wh);
  const top = options.top ?? 20;
  if (!Number.isInteger(top) || top < 1) throw new PortraitError('social kol: top must be a whole number, at least 1');
  const [counts] = await wh.query<Record<string, unknown>>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE tier = 'kol') AS kols, count(*) FILTER (WHERE tier = 'koc') AS kocs FROM ${INFLUENCE_TABLE}`,
  );
  const rows = await wh.query<Record<string, unknown>>(
    `SELECT i.*, c.tier AS declared_tier FROM ${INFLUENCE_TABLE} i LEFT JOIN creators c ON c.creator_id = i.user_id
     WHERE i.rank <= $1 ORDER BY i.rank`,
    [top],
  );
  return {
    build,
    ranked: num(counts?.n),
    kols: num(counts?.kols),
    kocs: num(counts?.kocs),
    top: rows.map((r) => ({
      rank: num(r.rank),
      userId: num(r.user_id),
      score: num(r.score),
      reach: num(r.reach),
      pagerank: num(r.pagerank),
      followers: num(r.followers),
      shareRecipients: num(r.share_recipients),
      referredUsers: num(r.referred_users),
      buyers: num(r.buyers),
      referredBuyers: num(r.referred_buyers),
      contentBuyers: num(r.content_buyers),
      gmv: num(r.gmv),
      tier: (r.tier as InfluenceTier | null) ?? null,
      declaredTier: (r.declared_tier as string | null) ?? null,
    })),
  };
}

export interface CategoryShare {
  categoryId: number;
  name: string | null;
  /** The category's share of the community's interest (scores, else interactions). */
  share: number;
}

export interface CommunitySummary {
  community: number;
  size: number;
  /** Friendships with both friends inside the community, and the share of members' friendships that stay inside. */
  friendshipsInside: number;
  insideShare: number | null;
  /** Gender from the `gender` tag (declared, else predicted) when tags are built, else as declared. */
  women: number;
  men: number;
  genderUnknown: number;
  /** women / (women + men). */
  womenShare: number | null;
  /** Members per age band (tag `age_band`, else from the declared birthday); unknown last. */
  ageBands: { band: string; users: number }[];
  /** The three top-level categories holding most of the members' interest. */
  topCategories: CategoryShare[];
  buyers: number;
  orders: number;
  /** Money the members spent up to the build's as-of time, and per member. */
  spend: number;
  spendPerMember: number;
}

export interface CommunityReport {
  build: SocialBuildInfo;
  minSize: number;
  /** Communities of at least minSize members, and the users in them. */
  communities: number;
  users: number;
  /** Where gender/age and interests came from. */
  sources: { demographics: 'tags' | 'declared'; interests: 'interest scores' | 'interactions' };
  shown: CommunitySummary[];
}

/**
 * The communities of at least `minSize` members (default 2), largest first, with their portrait summary;
 * at most `top` of them when given.
 */
export async function communitySummaries(ws: Workspace, options: { minSize?: number; top?: number } = {}): Promise<CommunityReport> {
  const { wh } = ws;
  const build = await requireSocialBuild(wh);
  const minSize = options.minSize ?? 2;
  if (!Number.isInteger(minSize) || minSize < 1) throw new PortraitError('social communities: min-size must be a whole number, at least 1');
  if (options.top !== undefined && (!Number.isInteger(options.top) || options.top < 1)) throw new PortraitError('social communities: top must be a whole number, at least 1');
  const asOf = build.asOf;
  // Communities are numbered by size, largest first: those big enough are 1..k.
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE social_w_members AS
     WITH s AS (SELECT community, count(*) AS size FROM ${COMMUNITIES_TABLE} GROUP BY community HAVING count(*) >= $1)
     SELECT c.user_id, c.community, c.friends FROM ${COMMUNITIES_TABLE} c JOIN s USING (community)`,
    [minSize],
  );
  try {
    const [totals] = await wh.query<Record<string, unknown>>('SELECT count(DISTINCT community) AS c, count(*) AS n FROM social_w_members');
    const limit = options.top ?? Number.MAX_SAFE_INTEGER;
    await wh.run('DELETE FROM social_w_members WHERE community > $1', [limit]);
    const hasTags = await tableExists(wh, TAG_VALUES_TABLE);
    const hasInterest = await tableExists(wh, INTEREST_TABLE);
    const fromOrders = await ordersHaveRows(wh);

    const base = await wh.query<Record<string, unknown>>(
      `WITH inside AS (
         SELECT ma.community, count(*) AS n FROM (${friendPairsSql('$1')}) p
         JOIN social_w_members ma ON ma.user_id = p.a JOIN social_w_members mb ON mb.user_id = p.b
         WHERE ma.community = mb.community GROUP BY ma.community),
       buys AS (
         SELECT m.community, count(DISTINCT o.user_id) AS buyers, count(*) AS orders, coalesce(sum(o.amount), 0) AS spend
         FROM social_w_members m JOIN (${purchasesSql(fromOrders, '$1', 'SELECT user_id FROM social_w_members')}) o ON o.user_id = m.user_id GROUP BY m.community)
       SELECT m.community, count(*) AS size, sum(m.friends) AS degree, any_value(coalesce(i.n, 0)) AS inside,
         any_value(coalesce(b.buyers, 0)) AS buyers, any_value(coalesce(b.orders, 0)) AS orders, any_value(coalesce(b.spend, 0)) AS spend
       FROM social_w_members m LEFT JOIN inside i USING (community) LEFT JOIN buys b USING (community)
       GROUP BY m.community ORDER BY m.community`,
      [asOf],
    );

    const tag = (key: string, alias: string) =>
      hasTags ? `LEFT JOIN ${TAG_VALUES_TABLE} ${alias} ON ${alias}.user_id = m.user_id AND ${alias}.tag = '${key}'` : '';
    const gender = hasTags ? `coalesce(tg.txt, ${declaredSql('gender', () => '$1')})` : declaredSql('gender', () => '$1');
    const age = hasTags ? `coalesce(ta.txt, ${declaredSql('age_band', () => '$1')})` : declaredSql('age_band', () => '$1');
    const demo = await wh.query<{ community: number; gender: string | null; age_band: string | null; n: number }>(
      `SELECT m.community, ${gender} AS gender, ${age} AS age_band, count(*) AS n
       FROM social_w_members m LEFT JOIN users u ON u.user_id = m.user_id ${tag('gender', 'tg')} ${tag('age_band', 'ta')}
       GROUP BY ALL`,
      [asOf],
    );

    // Leaves roll up to their top-level category through the category tree.
    const interest = hasInterest
      ? `SELECT s.user_id, TRY_CAST(s.tag AS BIGINT) AS category_id, s.score AS w FROM ${INTEREST_TABLE} s
         WHERE s.dimension = 'category' AND s.user_id IN (SELECT user_id FROM social_w_members)`
      : `SELECT e.user_id, coalesce(e.category_id, i.category_id) AS category_id, 1.0 AS w FROM events e LEFT JOIN items i ON i.item_id = e.item_id
         WHERE e.type IN ('pv', 'fav', 'cart', 'buy') AND e.ts <= CAST($1 AS TIMESTAMP) AND e.user_id IN (SELECT user_id FROM social_w_members)`;
    const cats = await wh.query<{ community: number; category_id: number; name: string | null; share: number }>(
      `WITH RECURSIVE up AS (
         SELECT category_id, category_id AS top_id, parent_id FROM categories
         UNION ALL
         SELECT up.category_id, c.category_id, c.parent_id FROM up JOIN categories c ON c.category_id = up.parent_id),
       roots AS (SELECT category_id, top_id FROM up WHERE parent_id IS NULL),
       w AS (SELECT m.community, coalesce(r.top_id, x.category_id) AS category_id, sum(x.w) AS w
             FROM (${interest}) x JOIN social_w_members m USING (user_id) LEFT JOIN roots r ON r.category_id = x.category_id
             WHERE x.category_id IS NOT NULL GROUP BY ALL)
       SELECT w.community, w.category_id, c.name, w.w / sum(w.w) OVER (PARTITION BY w.community) AS share
       FROM w LEFT JOIN categories c ON c.category_id = w.category_id
       QUALIFY row_number() OVER (PARTITION BY w.community ORDER BY w.w DESC, w.category_id) <= 3
       ORDER BY w.community, share DESC, w.category_id`,
      hasInterest ? [] : [asOf],
    );

    const bandOrder = [...CLASSES.age_band];
    const shown: CommunitySummary[] = base.map((b) => {
      const community = num(b.community);
      const size = num(b.size);
      const mine = demo.filter((d) => Number(d.community) === community);
      const count = (pred: (d: (typeof demo)[number]) => boolean) => mine.filter(pred).reduce((s, d) => s + Number(d.n), 0);
      const women = count((d) => d.gender === 'female');
      const men = count((d) => d.gender === 'male');
      const bands = new Map<string, number>();
      for (const d of mine) bands.set(d.age_band ?? 'unknown', (bands.get(d.age_band ?? 'unknown') ?? 0) + Number(d.n));
      const ageBands = [...bands.entries()]
        .map(([band, users]) => ({ band, users }))
        .sort((x, y) => rankOf(bandOrder, x.band) - rankOf(bandOrder, y.band) || x.band.localeCompare(y.band));
      const degree = num(b.degree);
      const inside = num(b.inside);
      const spend = Math.round(num(b.spend) * 100) / 100;
      return {
        community,
        size,
        friendshipsInside: inside,
        // Each inside friendship counts in two members' degrees.
        insideShare: degree > 0 ? (2 * inside) / degree : null,
        women,
        men,
        genderUnknown: size - women - men,
        womenShare: women + men > 0 ? women / (women + men) : null,
        ageBands,
        topCategories: cats
          .filter((c) => Number(c.community) === community)
          .map((c) => ({ categoryId: num(c.category_id), name: c.name ?? null, share: num(c.share) })),
        buyers: num(b.buyers),
        orders: num(b.orders),
        spend,
        spendPerMember: size > 0 ? spend / size : 0,
      };
    });
    return {
      build,
      minSize,
      communities: num(totals?.c),
      users: num(totals?.n),
      sources: { demographics: hasTags ? 'tags' : 'declared', interests: hasInterest ? 'interest scores' : 'interactions' },
      shown,
    };
  } finally {
    await wh.run('DROP TABLE IF EXISTS social_w_members');
  }
}

/** Position of a band in the known order; unknown and other values after every known band. */
function rankOf(order: readonly string[], band: string): number {
  const i = order.indexOf(band);
  return i < 0 ? order.length + (band === 'unknown' ? 1 : 0) : i;
}

/** The top KOLs and a sample of the users they reached, for the KOL graph chart. */
export interface KolGraph {
  kols: { userId: number; rank: number; reach: number; buyers: number; tier: InfluenceTier | null }[];
  /** Users reached: followers, share recipients and referred users of the KOLs shown. */
  users: { userId: number; bought: boolean }[];
  /** kol -> user: how the user was reached (the strongest tie when several). */
  links: { kol: number; user: number; kind: 'referred' | 'share' | 'follow'; bought: boolean }[];
}

/**
 * The `top` first users of the ranking and up to `perKol` users each reached (a sample fixed by a hash of
 * the two ids; a user reached several ways is linked by the strongest: referred, then share, then follow),
 * as of the build's as-of.
 * `bought` marks a user whose buy carries the KOL as referrer or the KOL's content or live stream.
 */
export async function kolGraph(ws: Workspace, options: { top?: number; perKol?: number } = {}): Promise<KolGraph> {
  const { wh } = ws;
  const build = await requireSocialBuild(wh);
  const top = options.top ?? 10;
  const perKol = options.perKol ?? 30;
  const kols = await wh.query<Record<string, unknown>>(`SELECT rank, user_id, reach, buyers, tier FROM ${INFLUENCE_TABLE} WHERE rank <= $1 ORDER BY rank`, [top]);
  const links = await wh.query<Record<string, unknown>>(
    `WITH k AS (SELECT user_id AS kol FROM ${INFLUENCE_TABLE} WHERE rank <= $2),
     reached AS (
       SELECT referrer_user_id AS kol, user_id, 0 AS strength FROM events
       WHERE referrer_user_id IN (SELECT kol FROM k) AND ts <= CAST($1 AS TIMESTAMP) AND user_id <> referrer_user_id
       UNION ALL
       SELECT src_user_id, dst_user_id, 1 FROM social_edges WHERE kind = 'share' AND src_user_id IN (SELECT kol FROM k) AND ts <= CAST($1 AS TIMESTAMP)
       UNION ALL
       SELECT dst_user_id, src_user_id, 2 FROM social_edges WHERE kind = 'follow' AND dst_user_id IN (SELECT kol FROM k) AND ts <= CAST($1 AS TIMESTAMP)),
     buys AS (
       SELECT user_id, referrer_user_id, content_id, live_id FROM events
       WHERE type = 'buy' AND ts <= CAST($1 AS TIMESTAMP) AND (referrer_user_id IS NOT NULL OR content_id IS NOT NULL OR live_id IS NOT NULL)),
     bought AS (
       SELECT referrer_user_id AS kol, user_id FROM buys WHERE referrer_user_id IN (SELECT kol FROM k)
       UNION
       SELECT c.creator_id, b.user_id FROM buys b JOIN content c ON c.content_id = b.content_id WHERE c.creator_id IN (SELECT kol FROM k)
       UNION
       SELECT l.creator_id, b.user_id FROM buys b JOIN live_streams l ON l.live_id = b.live_id WHERE l.creator_id IN (SELECT kol FROM k)),
     one AS (SELECT kol, user_id, min(strength) AS strength FROM reached WHERE user_id <> kol GROUP BY kol, user_id)
     SELECT one.kol, one.user_id, one.strength, b.user_id IS NOT NULL AS bought FROM one LEFT JOIN bought b USING (kol, user_id)
     QUALIFY row_number() OVER (PARTITION BY one.kol ORDER BY hash(one.kol, one.user_id), one.user_id) <= $3
     ORDER BY one.kol, one.strength, one.user_id`,
    [build.asOf, top, perKol],
  );
  const kinds = ['referred', 'share', 'follow'] as const;
  const users = new Map<number, boolean>();
  const out: KolGraph['links'] = links.map((r) => {
    const user = num(r.user_id);
    const bought = Boolean(r.bought);
    users.set(user, (users.get(user) ?? false) || bought);
    return { kol: num(r.kol), user, kind: kinds[num(r.strength)]!, bought };
  });
  const kolIds = new Set(kols.map((k) => num(k.user_id)));
  return {
    kols: kols.map((k) => ({ userId: num(k.user_id), rank: num(k.rank), reach: num(k.reach), buyers: num(k.buyers), tier: (k.tier as InfluenceTier | null) ?? null })),
    users: [...users.entries()].filter(([id]) => !kolIds.has(id)).sort((a, b) => a[0] - b[0]).map(([userId, bought]) => ({ userId, bought })),
    links: out,
  };
}
