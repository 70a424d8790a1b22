/**
 * The social graph and what travels along it.
 * - Friends: homophily, most friends share the user's city and taste group (so friends buy alike); a
 *   friendship is stored once, src < dst.
 * - Invites (fission): newcomers invited into campaign trees grown from a few seed users; the invitee's
 *   first event is the invite_click carrying the inviter as referrer, and most claim a new-user coupon.
 * - KOL shares: KOLs share an item with users interested in their niche; some open it and some buy,
 *   those events carrying referrer_user_id.
 * - Friend buys: after a friend buys, a user sometimes buys the same item (social proof).
 */
import { activeAt, eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceSql, RANK_PRIME, type Catalogue } from './catalogue.js';
import { allBuysSql } from './commerce.js';
import { zipfRank } from './random.js';
import { writeTruth } from './truth.js';

/** Chance that a user copies one particular buy of one friend (when active in the next days). */
export const FRIEND_COPY = 0.015;

export async function writeFriends(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  await ctx.wh.run(`CREATE TEMP TABLE synth_block AS
    SELECT user_id, city_id, taste_group, row_number() OVER (PARTITION BY city_id, taste_group ORDER BY user_id) - 1 AS idx,
      count(*) OVER (PARTITION BY city_id, taste_group) AS n
    FROM synth_people WHERE kind <> 'coupon_farm'`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_friend AS
    WITH e AS (
      SELECT b.*, unnest(range(CAST(floor(pow(${r.u('degree', 'user_id')}, 2) * 9) AS BIGINT))) AS f FROM synth_block b
    ), p AS (
      SELECT e.user_id,
        CASE WHEN ${r.u('friend-near', 'e.user_id', 'e.f')} < 75e-2 AND e.n > 1 THEN m.user_id
             ELSE 1 + ${r.int(plan.users, 'friend-any', 'e.user_id', 'e.f')} END AS other
      FROM (SELECT e.*, ${r.int('e.n', 'friend-pick', 'e.user_id', 'e.f')} AS pick FROM e) e
      JOIN synth_block m ON m.city_id = e.city_id AND m.taste_group = e.taste_group AND m.idx = e.pick
    ), d AS (
      SELECT DISTINCT LEAST(user_id, other) AS a, GREATEST(user_id, other) AS b FROM p WHERE user_id <> other
    )
    SELECT d.a, d.b,
      CASE WHEN pa.arrival_sec IS NULL AND pb.arrival_sec IS NULL THEN -86400 * (1 + ${r.int(700, 'friend-age', 'd.a', 'd.b')})
           ELSE GREATEST(COALESCE(pa.arrival_sec, 0), COALESCE(pb.arrival_sec, 0)) + 600 + ${r.int(3 * 86400, 'friend-new', 'd.a', 'd.b')} END AS sec
    FROM d JOIN synth_people pa ON pa.user_id = d.a JOIN synth_people pb ON pb.user_id = d.b
    WHERE pa.kind <> 'coupon_farm' AND pb.kind <> 'coupon_farm'`);
  await ctx.wh.run(`DELETE FROM synth_friend WHERE sec >= ${end}`);
  await write(ctx, 'social_edges', `INSERT INTO ${into(ctx, 'social_edges')} (src_user_id, dst_user_id, kind, ts) SELECT a, b, 'friend', ${tsSql(plan, 'sec')} FROM synth_friend`);
}

export async function writeInvites(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const campaigns = Math.max(1, Math.round(plan.days / 20));
  const seedsPer = Math.max(2, Math.round(plan.users * 0.002));
  const start = new Date(plan.epoch0 * 1000);
  const name = `fission-${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, '0')}-`;
  await ctx.wh.run(`CREATE TEMP TABLE synth_seed AS
    SELECT * FROM (
      SELECT c.range AS c, p.user_id, p.arrival_sec,
        row_number() OVER (PARTITION BY c.range ORDER BY ${r.u('seed', 'c.range', 'p.user_id')}, p.user_id) - 1 AS sidx
      FROM range(${campaigns}) c CROSS JOIN synth_people p
      WHERE p.kind = 'normal' AND p.arrival_sec IS NULL AND p.life_plan = 'steady'
    ) WHERE sidx < ${seedsPer}`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_invitee AS
    WITH i AS (
      SELECT user_id, arrival_sec, CAST(floor(arrival_day * ${campaigns} / ${plan.days}) AS BIGINT) AS c
      FROM synth_people WHERE kind = 'normal' AND arrival_sec IS NOT NULL AND ${r.u('invited', 'user_id')} < ${plan.inviteShare}
    ), o AS (
      SELECT i.*, row_number() OVER (PARTITION BY c ORDER BY arrival_sec, user_id) - 1 AS iidx FROM i
    ), n AS (SELECT c, count(*) AS ns FROM synth_seed GROUP BY c)
    SELECT o.*, n.ns,
      -- A third hang straight off a seed (popular seeds more often); the rest off an earlier invitee.
      (o.iidx = 0 OR ${r.u('invite-root', 'o.user_id')} < 3e-1) AS from_seed,
      CASE WHEN o.iidx = 0 OR ${r.u('invite-root', 'o.user_id')} < 3e-1 THEN ${zipfRank(r.u('invite-seed', 'o.user_id'), 'n.ns', 1.1)}
           ELSE ${r.int('o.iidx', 'invite-parent', 'o.user_id')} END AS pidx
    FROM o JOIN n USING (c)`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_tree AS
    SELECT i.user_id, i.c, i.arrival_sec, CASE WHEN i.from_seed THEN s.user_id ELSE pi.user_id END AS parent, i.from_seed,
      CASE WHEN i.from_seed THEN 1 END AS level, CASE WHEN i.from_seed THEN s.user_id END AS root,
      '${name}' || CAST(i.c + 1 AS VARCHAR) AS campaign_id,
      i.arrival_sec - 240 - ${r.int(60, 'invite-click', 'i.user_id')} AS click_sec
    FROM (SELECT *, CASE WHEN from_seed THEN pidx END AS seed_idx, CASE WHEN NOT from_seed THEN pidx END AS invitee_idx
          FROM synth_invitee) i
    LEFT JOIN synth_seed s ON s.c = i.c AND s.sidx = i.seed_idx
    LEFT JOIN synth_invitee pi ON pi.c = i.c AND pi.iidx = i.invitee_idx`);
  // Levels and roots, one level per pass (trees are shallow: parents always joined earlier).
  for (let pass = 0; pass < 1000; pass++) {
    const n = await ctx.wh.run(`UPDATE synth_tree t SET level = p.level + 1, root = p.root
      FROM synth_tree p WHERE t.parent = p.user_id AND t.level IS NULL AND p.level IS NOT NULL`);
    if (n === 0) break;
  }
  await ctx.wh.run(`ALTER TABLE synth_tree ADD COLUMN parent_arrival BIGINT`);
  await ctx.wh.run(`UPDATE synth_tree t SET parent_arrival = COALESCE(p.arrival_sec, 0) FROM synth_people p WHERE p.user_id = t.parent`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, referrer_user_id, properties, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.invite, '0')}, user_id, ${tsSql(plan, 'click_sec')}, 'invite_click', parent,
       json_object('campaign_id', campaign_id), ${ctx.batchId}
     FROM synth_tree
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.invite, '1')}, user_id, ${tsSql(plan, 'arrival_sec - 30')}, 'coupon_claim', NULL,
       json_object('coupon_id', 'NEWUSER-5', 'campaign_id', campaign_id), ${ctx.batchId}
     FROM synth_tree WHERE ${r.u('invite-coupon', 'user_id')} < 7e-1
     UNION ALL
     -- The inviter's share, a while before the click (never before the inviter arrived).
     SELECT ${eventIdSql(ctx, 'parent', GEN.invite, '1 + row_number() OVER (PARTITION BY parent ORDER BY user_id)')}, parent,
       ${tsSql(plan, `GREATEST(parent_arrival + 10, click_sec - 60 - ${r.int(6 * 3600, 'invite-share', 'user_id')}, 0)`)}, 'share', NULL,
       json_object('campaign_id', campaign_id), ${ctx.batchId}
     FROM synth_tree`,
  );
  await write(
    ctx,
    'social_edges',
    `INSERT INTO ${into(ctx, 'social_edges')} (src_user_id, dst_user_id, kind, ts, campaign_id) SELECT parent, user_id, 'invite', ${tsSql(plan, 'click_sec')}, campaign_id FROM synth_tree`,
  );
}

/** After orders are planned: invitees who bought. */
export async function writeInviteTruth(ctx: SynthContext): Promise<void> {
  const { plan } = ctx;
  await writeTruth(
    ctx,
    'invites',
    `SELECT t.user_id, t.parent, t.campaign_id, t.level, t.root, ${tsSql(plan, 't.click_sec')},
       EXISTS (SELECT 1 FROM synth_orders o WHERE o.user_id = t.user_id)
     FROM synth_tree t`,
  );
}

export async function writeKolShares(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  const perShare = 20 + Math.round(plan.users / 1000);
  await ctx.wh.run(`CREATE TEMP TABLE synth_audience AS
    SELECT i.top_id, i.user_id, row_number() OVER (PARTITION BY i.top_id ORDER BY i.user_id) - 1 AS idx,
      count(*) OVER (PARTITION BY i.top_id) AS n
    FROM synth_interest i JOIN synth_people p USING (user_id)
    WHERE i.slot = 0 AND p.kind = 'normal'`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_share AS
    WITH s AS (
      SELECT c.creator_id AS kol, c.niche_leaf, c.niche_top, unnest(range(1 + ${plan.days} // 10)) AS k FROM synth_creator c WHERE c.tier = 'kol'
    ), t AS (
      SELECT s.*, l.item_base, l.n_items, l.mu, l.sigma,
        (${zipfRank(r.u('share-item', 's.kol', 's.k'), 'l.n_items')} * ${RANK_PRIME} + l.perm_off) % l.n_items AS idx,
        ${r.int(plan.days, 'share-day', 's.kol', 's.k')} * 86400 + (12 + ${r.int(10, 'share-hour', 's.kol', 's.k')}) * 3600 AS shared_sec
      FROM s JOIN synth_leaf l ON l.leaf_id = s.niche_leaf
    ), rcpt AS (
      SELECT DISTINCT t.kol, t.k, t.niche_leaf, t.item_base, t.n_items, t.mu, t.sigma, t.idx, t.shared_sec, a.user_id
      FROM (SELECT t.*, ${r.int('an.n', 'share-rcpt', 't.kol', 't.k', 'x.range')} AS pick
            FROM t CROSS JOIN range(${perShare}) x
            JOIN (SELECT DISTINCT top_id, n FROM synth_audience) an ON an.top_id = t.niche_top) t
      JOIN synth_audience a ON a.top_id = t.niche_top AND a.idx = t.pick
      WHERE a.user_id <> t.kol
    )
    SELECT rcpt.*, p.a0, p.a1, p.b0, p.b1, p.arrival_sec, p.dev1,
      rcpt.shared_sec + 60 + CAST(floor(-ln(1 - ${r.u('share-click-at', 'rcpt.kol', 'rcpt.k', 'rcpt.user_id')}) * 3 * 3600) AS BIGINT) AS click_sec,
      ${r.u('share-click', 'rcpt.kol', 'rcpt.k', 'rcpt.user_id')} < 3e-1 AS clicked,
      ${r.u('share-buy', 'rcpt.kol', 'rcpt.k', 'rcpt.user_id')} < 25e-2 AS buys
    FROM rcpt JOIN synth_people p USING (user_id)`);
  await ctx.wh.run(`UPDATE synth_share SET clicked = false WHERE click_sec + 900 >= ${end} OR NOT (${activeAt('click_sec')})`);
  await ctx.wh.run(`UPDATE synth_share SET buys = false WHERE NOT clicked`);
  await write(
    ctx,
    'social_edges',
    `INSERT INTO ${into(ctx, 'social_edges')} (src_user_id, dst_user_id, kind, ts, item_id)
     SELECT kol, user_id, 'share', ${tsSql(plan, 'shared_sec')}, ${itemIdSql(cat, 'item_base + idx')} FROM synth_share`,
  );
  await ctx.wh.run(`ALTER TABLE synth_share ADD COLUMN n BIGINT`);
  await ctx.wh.run(`UPDATE synth_share s SET n = o.n FROM (
      SELECT kol, k, user_id, row_number() OVER (PARTITION BY user_id ORDER BY kol, k) AS n FROM synth_share) o
    WHERE o.kol = s.kol AND o.k = s.k AND o.user_id = s.user_id`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, referrer_user_id, batch_id)
     SELECT ${eventIdSql(ctx, 'kol', GEN.kolShareSend, 'k')}, kol, NULL, ${tsSql(plan, 'shared_sec')}, 'share',
       ${itemIdSql(cat, 'item_base + idx')}, niche_leaf, NULL, NULL, NULL, NULL, ${ctx.batchId}
     FROM (SELECT DISTINCT kol, k, shared_sec, item_base, idx, niche_leaf FROM synth_share)
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.kolShare, 'n << 1')}, user_id, NULL, ${tsSql(plan, 'click_sec')}, 'pv',
       ${itemIdSql(cat, 'item_base + idx')}, niche_leaf, NULL, NULL, CAST(15 + (click_sec % 60) AS DOUBLE), kol, ${ctx.batchId}
     FROM synth_share WHERE clicked
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.kolShare, '(n << 1) | 1')}, user_id, dev1, ${tsSql(plan, 'click_sec + 120 + click_sec % 600')}, 'buy',
       ${itemIdSql(cat, 'item_base + idx')}, niche_leaf, ${priceSql('mu', 'sigma', 'idx', 'n_items')}, 1, NULL, kol, ${ctx.batchId}
     FROM synth_share WHERE buys`,
  );
  await writeTruth(
    ctx,
    'shares',
    `SELECT kol, user_id, ${itemIdSql(cat, 'item_base + idx')}, ${tsSql(plan, 'shared_sec')},
       CASE WHEN clicked THEN ${tsSql(plan, 'click_sec')} END, CASE WHEN buys THEN ${tsSql(plan, 'click_sec + 120 + click_sec % 600')} END
     FROM synth_share`,
  );
}

/** Expected share of the world's buys that friend copies add, for the calibration of main browsing. */
export async function friendCopyRate(ctx: SynthContext): Promise<number> {
  const rows = await ctx.wh.query<{ e: number; u: number }>(
    `SELECT (SELECT count(*) FROM synth_friend) AS e, (SELECT count(*) FROM synth_people WHERE kind <> 'coupon_farm') AS u`,
  );
  const e = Number(rows[0]?.e ?? 0);
  const u = Math.max(1, Number(rows[0]?.u ?? 1));
  // Each friendship points both ways; about two thirds of copies land on an active day inside the window.
  return FRIEND_COPY * ((2 * e) / u) * 0.6;
}

export async function writeFriendBuys(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  // Copies follow ordinary purchases only (not referred ones, not coupon deals), at the list price.
  await ctx.wh.run(`CREATE TEMP TABLE synth_friend_buy AS
    WITH dir AS (SELECT a AS src, b AS dst, sec FROM synth_friend UNION ALL SELECT b, a, sec FROM synth_friend),
    b AS (
      SELECT user_id AS src, item_id, category_id, event_id, epoch(ts) - ${plan.epoch0} AS bought_sec,
        CAST(amount / quantity AS DECIMAL(18,2)) AS price
      FROM (${allBuysSql()}) WHERE referrer_user_id IS NULL AND properties IS NULL
    )
    SELECT dir.dst AS user_id, b.src AS friend_user_id, b.item_id, b.category_id, b.bought_sec, b.event_id, b.price,
      CAST(b.bought_sec + 86400 + ${r.int(3 * 86400, 'copy-delay', 'dir.dst', 'b.event_id')} AS BIGINT) AS sec
    FROM b JOIN dir ON dir.src = b.src
    WHERE dir.sec < b.bought_sec AND ${r.u('copy', 'dir.dst', 'b.event_id')} < ${FRIEND_COPY}`);
  await ctx.wh.run(`CREATE TEMP TABLE synth_friend_buy2 AS
    SELECT f.*, row_number() OVER (PARTITION BY f.user_id ORDER BY f.sec, f.event_id) AS n, p.dev1
    FROM synth_friend_buy f JOIN synth_people p ON p.user_id = f.user_id
    WHERE f.sec + 600 < ${end} AND ${activeAt('f.sec', 'p.')}`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.friendBuy, 'n << 1')}, user_id, NULL, ${tsSql(plan, 'sec')}, 'pv', item_id, category_id,
       NULL, NULL, CAST(10 + sec % 50 AS DOUBLE), ${ctx.batchId}
     FROM synth_friend_buy2
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.friendBuy, '(n << 1) | 1')}, user_id, dev1, ${tsSql(plan, 'sec + 300')}, 'buy', item_id, category_id,
       price, 1, NULL, ${ctx.batchId}
     FROM synth_friend_buy2`,
  );
  await writeTruth(
    ctx,
    'friend_buys',
    `SELECT user_id, friend_user_id, item_id, ${tsSql(plan, 'bought_sec')}, ${tsSql(plan, 'sec + 300')} FROM synth_friend_buy2`,
  );
}
