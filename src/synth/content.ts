/**
 * Content and live streams: creators (a few of them KOLs) publish graphic posts and short videos about
 * their niche and host live streams, mostly of make-up and clothing. Content fans read posts in their
 * interest tops (popular creators first) with dwell times, likes, comments, shares and follows; live fans
 * (about 80% women) watch streams, like, follow the host, reward, and now and then buy the featured item.
 */
import { activeAt, eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceSql, RANK_PRIME, type Catalogue } from './catalogue.js';
import { zipfRank } from './random.js';

const TIER_ORDER = `CASE tier WHEN 'kol' THEN 0 WHEN 'koc' THEN 1 ELSE 2 END`;

export async function buildContent(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const days = plan.days;
  const end = days * 86400;
  const share = Math.max(plan.creatorShare, Math.min(0.05, 20 / plan.users));
  await ctx.wh.run(`CREATE TEMP TABLE synth_creator AS
    WITH c AS (
      SELECT p.user_id AS creator_id, i.leaf_id AS niche_leaf, i.top_id AS niche_top, ${r.u('creator-tier', 'p.user_id')} AS ut
      FROM synth_people p JOIN synth_interest i ON i.user_id = p.user_id AND i.slot = 0
      WHERE p.kind = 'normal' AND p.a0 = 0 AND p.life_plan = 'steady' AND ${r.u('creator', 'p.user_id')} < ${share}
    ), k AS (
      SELECT c.*, row_number() OVER (ORDER BY ut, creator_id) AS rk, count(*) OVER () AS n FROM c
    )
    SELECT creator_id, niche_leaf, niche_top,
      CASE WHEN rk <= GREATEST(2, ceil(n * 1e-1)) THEN 'kol' WHEN rk <= GREATEST(4, ceil(n * 35e-2)) THEN 'koc' ELSE 'regular' END AS tier,
      -86400 * (30 + ${r.int(700, 'creator-since', 'creator_id')}) AS since_sec
    FROM k`);
  await write(
    ctx,
    'creators',
    `INSERT INTO ${into(ctx, 'creators')} (creator_id, name, tier, since) SELECT creator_id, 'creator_' || CAST(creator_id AS VARCHAR), tier, ${tsSql(plan, 'since_sec')} FROM synth_creator`,
  );

  const idxOf = (u: string) => `(${zipfRank(u, 'l.n_items')} * ${RANK_PRIME} + l.perm_off) % l.n_items`;
  await ctx.wh.run(`CREATE TEMP TABLE synth_post AS
    WITH x AS (
      SELECT c.*, unnest(range(GREATEST(1, CAST(round(CASE tier WHEN 'kol' THEN 20 WHEN 'koc' THEN 8 ELSE 2 END
             * ${((days + 10) / 70).toExponential(16)} * (5e-1 + ${r.u('posts', 'creator_id')})) AS BIGINT)))) AS j
      FROM synth_creator c
    ), y AS (
      SELECT x.*, CASE WHEN ${r.u('post-leaf', 'creator_id', 'j')} < 7e-1 THEN 0 ELSE 1 + ${r.int(3, 'post-slot', 'creator_id', 'j')} END AS slot
      FROM x
    )
    SELECT row_number() OVER (ORDER BY y.creator_id, y.j) AS content_id, y.creator_id, y.tier, i.leaf_id, i.top_id,
      CASE WHEN ${r.u('post-kind', 'y.creator_id', 'y.j')} < 55e-2 THEN 'graphic' ELSE 'short_video' END AS kind,
      CASE WHEN ${r.u('post-item', 'y.creator_id', 'y.j')} < 8e-1 THEN ${itemIdSql(cat, `l.item_base + ${idxOf(r.u('post-item-rank', 'y.creator_id', 'y.j'))}`)} END AS item_id,
      -864000 + ${r.int((days + 10) * 86400, 'post-time', 'y.creator_id', 'y.j')} AS published_sec
    FROM y JOIN synth_interest i ON i.user_id = y.creator_id AND i.slot = y.slot
    JOIN synth_leaf l ON l.leaf_id = i.leaf_id`);

  const posts = Number((await ctx.wh.query<{ n: number }>('SELECT count(*) AS n FROM synth_post'))[0]?.n ?? 0);
  await ctx.wh.run(`CREATE TEMP TABLE synth_live AS
    WITH h AS (
      SELECT c.* FROM synth_creator c WHERE tier = 'kol' OR (tier = 'koc' AND ${r.u('host', 'creator_id')} < 3e-1)
    ), x AS (
      SELECT h.*, unnest(range(GREATEST(1, CAST(ceil(${days} / CASE WHEN tier = 'kol' THEN 3 ELSE 7 END) AS BIGINT)))) AS j FROM h
    ), y AS (
      -- Streams sell make-up and clothing: hosts of other niches switch to them most of the time.
      SELECT x.*,
        CASE WHEN niche_top IN (1, 2, 3) OR ${r.u('live-switch', 'creator_id', 'j')} >= 75e-2 THEN NULL
             WHEN ${r.u('live-top', 'creator_id', 'j')} < 6e-1 THEN 3 ELSE 1 END AS switch_top,
        ${r.int(days, 'live-day', 'creator_id', 'j')} * 86400 + (19 + ${r.int(3, 'live-hour', 'creator_id', 'j')}) * 3600
          + ${r.int(3600, 'live-sec', 'creator_id', 'j')} AS start_sec,
        (1 + ${r.int(3, 'live-len', 'creator_id', 'j')}) * 3600 + ${r.int(1800, 'live-len-sec', 'creator_id', 'j')} AS len
      FROM x
    ), z AS (
      SELECT y.*, COALESCE(t.leaf0 + ${zipfRank(r.u('live-leaf', 'y.creator_id', 'y.j'), 't.n_leaves')}, y.niche_leaf) AS leaf_id
      FROM y LEFT JOIN synth_top t ON t.top_id = y.switch_top
    )
    SELECT row_number() OVER (ORDER BY z.creator_id, z.j) AS live_id, z.creator_id, z.tier, z.leaf_id, l.top_id, l.name AS leaf_name,
      z.start_sec, LEAST(z.start_sec + z.len, ${end - 1}) AS end_sec,
      ${idxOf(r.u('live-item', 'z.creator_id', 'z.j'))} AS idx, l.item_base, l.n_items, l.mu, l.sigma
    FROM z JOIN synth_leaf l ON l.leaf_id = z.leaf_id`);
  await write(
    ctx,
    'live_streams',
    `INSERT INTO ${into(ctx, 'live_streams')} (live_id, creator_id, started_at, ended_at, category_id, title)
     SELECT live_id, creator_id, ${tsSql(plan, 'start_sec')}, ${tsSql(plan, 'end_sec')}, leaf_id, 'Live: ' || leaf_name FROM synth_live`,
  );
  await write(
    ctx,
    'content',
    `INSERT INTO ${into(ctx, 'content')} (content_id, creator_id, kind, category_id, item_id, published_at, tags)
     SELECT p.content_id, p.creator_id, CAST(p.kind AS content_kind), p.leaf_id, p.item_id, ${tsSql(plan, 'p.published_sec')},
       t.key || ',' || l.name
     FROM synth_post p JOIN synth_leaf l ON l.leaf_id = p.leaf_id JOIN synth_top t ON t.top_id = p.top_id
     UNION ALL
     SELECT ${posts} + v.live_id, v.creator_id, 'live', v.leaf_id, ${itemIdSql(cat, 'v.item_base + v.idx')}, ${tsSql(plan, 'v.start_sec')},
       t.key || ',live,' || v.leaf_name
     FROM synth_live v JOIN synth_top t ON t.top_id = v.top_id`,
  );
  await ctx.wh.run(`CREATE TEMP TABLE synth_content_rank AS
    SELECT top_id, row_number() OVER (PARTITION BY top_id ORDER BY ${TIER_ORDER}, ${r.u('content-rank', 'content_id')}, content_id) - 1 AS rank,
      content_id, creator_id, leaf_id, item_id, published_sec, kind
    FROM synth_post`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_live_rank AS
    SELECT row_number() OVER (ORDER BY ${TIER_ORDER}, ${r.u('live-rank', 'live_id')}, live_id) - 1 AS rank, *
    FROM synth_live`);
}

/** How many of something a user does over the window: rate x activity x share of active days. */
function countSql(ctx: SynthContext, rate: number, purpose: string): string {
  const { r, plan } = ctx;
  const x = `(${(rate / plan.days).toExponential(16)} * CAST(activity AS DOUBLE) * 1e-6 * ((a1 - a0) + (b1 - b0)))`;
  return `(CAST(floor(${x}) AS BIGINT) + CASE WHEN ${r.u(purpose, 'user_id')} < ${x} - floor(${x}) THEN 1 ELSE 0 END)`;
}

export async function writeContentEvents(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  const taobao = plan.options.preset === 'taobao';
  const uv = (p: string) => r.u(p, 's.user_id', 's.v');
  await ctx.wh.run(`CREATE TEMP TABLE synth_view AS
    WITH s AS (
      SELECT p.user_id, p.a0, p.a1, p.b0, p.b1, p.arrival_sec, unnest(range(${countSql(ctx, taobao ? 3 : 10, 'views')})) AS v
      FROM synth_people p WHERE p.kind = 'normal' AND p.content_fan
    ), t AS (
      SELECT s.*, i.top_id,
        ${uv('view-rank')} AS ur, ${uv('view-age')} AS ua, ${uv('view-dwell')} AS ud, ${uv('view-act')} AS ux
      FROM s JOIN synth_interest i ON i.user_id = s.user_id AND i.slot = CAST(floor(pow(${plan.slots + 1}, ${uv('view-slot')})) AS BIGINT) - 1
    ), c AS (
      SELECT t.*, ${zipfRank('t.ur', 'n.n', 0.9)} AS pick
      FROM t JOIN (SELECT top_id, count(*) AS n FROM synth_content_rank GROUP BY top_id) n USING (top_id)
    )
    SELECT c.user_id, c.v, cr.content_id, cr.creator_id, cr.leaf_id, cr.kind,
      GREATEST(cr.published_sec, 0, COALESCE(c.arrival_sec, 0)) + CAST(floor(-ln(1 - c.ua) * 3 * 86400) AS BIGINT) AS sec,
      CASE WHEN cr.kind = 'graphic' THEN 3 + floor(exp(c.ud * ln(120))) ELSE 5 + floor(exp(c.ud * ln(200))) END AS dwell,
      c.ux, c.a0, c.a1, c.b0, c.b1, c.arrival_sec
    FROM c JOIN synth_content_rank cr ON cr.top_id = c.top_id AND cr.rank = c.pick
    WHERE cr.creator_id <> c.user_id`);
  await ctx.wh.run(`DELETE FROM synth_view WHERE sec >= ${end - 600} OR NOT (${activeAt('sec')})`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, category_id, content_id, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.contentView, 'v')}, user_id, ${tsSql(plan, 'sec')}, 'content_view', leaf_id, content_id, dwell, ${ctx.batchId}
     FROM synth_view`,
  );
  // One draw decides the reaction: like 10%, comment 2%, share 3% (follows are handled with live follows).
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, category_id, content_id, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.contentAction, '(v << 2) | a')}, user_id, ${tsSql(plan, 'sec + dwell + a')},
       CAST(['like', 'comment', 'share'][a + 1] AS event_type), leaf_id, content_id, ${ctx.batchId}
     FROM (SELECT *, CASE WHEN ux < 1e-1 THEN 0 WHEN ux < 12e-2 THEN 1 WHEN ux < 15e-2 THEN 2 END AS a FROM synth_view)
     WHERE a IS NOT NULL`,
  );

  const uw = (p: string) => r.u(p, 's.user_id', 's.w');
  await ctx.wh.run(`CREATE TEMP TABLE synth_watch AS
    WITH s AS (
      SELECT p.user_id, p.a0, p.a1, p.b0, p.b1, p.arrival_sec, p.dev1, unnest(range(${countSql(ctx, taobao ? 2 : 8, 'watches')})) AS w
      FROM synth_people p WHERE p.kind = 'normal' AND p.live_fan
    ), n AS (SELECT count(*) AS n FROM synth_live_rank)
    SELECT s.user_id, s.w, l.live_id, l.creator_id, l.leaf_id, l.item_base, l.idx, l.n_items, l.mu, l.sigma,
      l.start_sec + CAST(floor(${uw('watch-at')} * GREATEST(1, l.end_sec - l.start_sec - 60)) AS BIGINT) AS sec,
      l.end_sec, ${uw('watch-dwell')} AS ud, ${uw('watch-act')} AS ux, ${uw('watch-reward')} AS ur, s.dev1, s.a0, s.a1, s.b0, s.b1, s.arrival_sec
    FROM (SELECT s.*, ${zipfRank(uw('watch-rank'), 'n.n', 0.9)} AS pick FROM s CROSS JOIN n) s
    JOIN synth_live_rank l ON l.rank = s.pick
    WHERE l.creator_id <> s.user_id`);
  await ctx.wh.run(`DELETE FROM synth_watch WHERE NOT (${activeAt('sec')})`);
  await ctx.wh.run(`ALTER TABLE synth_watch ADD COLUMN dwell BIGINT`);
  await ctx.wh.run(`UPDATE synth_watch SET dwell = LEAST(end_sec - sec, 30 + CAST(floor(-ln(1 - ud) * 600) AS BIGINT))`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, category_id, live_id, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.live, 'w')}, user_id, ${tsSql(plan, 'sec')}, 'live_watch', leaf_id, live_id, dwell, ${ctx.batchId}
     FROM synth_watch`,
  );
  // Reactions: like 35%, reward 3% (1-200 yuan, log-uniform: the draw that picks the 3% rescaled to [0, 1)), and
  // 6% look at the featured item and buy it.
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, live_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.liveAction, '(w << 3) | 0')}, user_id, NULL, ${tsSql(plan, 'sec + dwell // 2')}, 'live_like',
       NULL, leaf_id, live_id, NULL, NULL, NULL, ${ctx.batchId}
     FROM synth_watch WHERE ux < 35e-2
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.liveAction, '(w << 3) | 2')}, user_id, NULL, ${tsSql(plan, 'sec + dwell * 2 // 3')}, 'live_reward',
       NULL, leaf_id, live_id, CAST(1 + floor(exp(ur / 3e-2 * ln(200))) AS DECIMAL(18,2)), NULL, NULL, ${ctx.batchId}
     FROM synth_watch WHERE ur < 3e-2
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.liveAction, '(w << 3) | 3')}, user_id, NULL, ${tsSql(plan, 'sec + dwell // 3')}, 'pv',
       ${itemIdSql(cat, 'item_base + idx')}, leaf_id, live_id, NULL, NULL, CAST(20 + dwell % 40 AS DOUBLE), ${ctx.batchId}
     FROM synth_watch WHERE ux >= 35e-2 AND ux < 41e-2
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.liveAction, '(w << 3) | 4')}, user_id, dev1, ${tsSql(plan, 'sec + dwell // 3 + 90')}, 'buy',
       ${itemIdSql(cat, 'item_base + idx')}, leaf_id, live_id, ${priceSql('mu', 'sigma', 'idx', 'n_items')}, 1, NULL, ${ctx.batchId}
     FROM synth_watch WHERE ux >= 35e-2 AND ux < 41e-2 AND sec + dwell // 3 + 90 < ${end}`,
  );

  // Follows: 2% of content views follow the creator, 5% of watches the host; only a user's first follow counts.
  await ctx.wh.run(`CREATE TEMP TABLE synth_follow AS
    SELECT * FROM (
      SELECT *, row_number() OVER (PARTITION BY user_id, creator_id ORDER BY sec, live, n) AS k
      FROM (
        SELECT user_id, creator_id, sec + dwell + 3 AS sec, false AS live, v AS n, leaf_id, content_id, NULL AS live_id
        FROM synth_view WHERE ${r.u('follow', 'user_id', 'v')} < 2e-2
        UNION ALL
        SELECT user_id, creator_id, sec + dwell // 4, true, w, leaf_id, NULL, live_id
        FROM synth_watch WHERE ${r.u('live-follow', 'user_id', 'w')} < 5e-2
      )
    ) WHERE k = 1`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, category_id, content_id, live_id, properties, batch_id)
     SELECT CASE WHEN live THEN ${eventIdSql(ctx, 'user_id', GEN.liveAction, '(n << 3) | 1')} ELSE ${eventIdSql(ctx, 'user_id', GEN.contentAction, '(n << 2) | 3')} END,
       user_id, ${tsSql(plan, 'sec')}, CASE WHEN live THEN 'live_follow' ELSE 'follow' END::event_type, leaf_id, content_id, live_id,
       json_object('creator_id', creator_id), ${ctx.batchId}
     FROM synth_follow`,
  );
  await write(
    ctx,
    'social_edges',
    `INSERT INTO ${into(ctx, 'social_edges')} (src_user_id, dst_user_id, kind, ts, content_id) SELECT user_id, creator_id, 'follow', ${tsSql(plan, 'sec')}, content_id FROM synth_follow`,
  );
}
