/**
 * Gifts: a one-off purchase for someone else (a man buying make-up for his wife, a student buying a
 * relative's milk powder). The top-level category comes from the other gender's preferences and is
 * never one of the buyer's interest tops; the buyer looks at another item or two, then buys once. A
 * portrait should not turn this into an interest.
 */
import { eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceSql, type Catalogue } from './catalogue.js';
import { zipfRank } from './random.js';
import { writeTruth } from './truth.js';

export async function writeGifts(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  await ctx.wh.run(`CREATE TEMP TABLE synth_gift AS
    WITH g AS (
      SELECT p.user_id, p.a0, p.a1, p.b0, p.b1, p.arrival_sec, p.peak_hour, p.dev1,
        -- The other gender's tastes at the same age: who a gift is usually for.
        CASE WHEN p.gender = 'female' THEN 100 ELSE 0 END + p.age_band * 2 AS demo_key
      FROM synth_people p
      -- Givers are ordinary, fairly active users, so one gift stays small beside their own browsing.
      WHERE p.kind = 'normal' AND p.activity * ((p.a1 - p.a0) + (p.b1 - p.b0)) >= ${400000 * plan.days}
        AND ${r.u('gift', 'p.user_id')} < ${plan.giftShare}
    ), c AS (
      SELECT g.user_id, g.c, dt.top_id
      FROM (SELECT g.*, cand.range AS c, ${r.int(256, 'gift-top', 'g.user_id', 'cand.range')} AS q FROM g CROSS JOIN range(4) cand) g
      JOIN synth_demo_top dt ON dt.demo_key = g.demo_key AND dt.q = g.q
      WHERE NOT EXISTS (SELECT 1 FROM synth_interest i WHERE i.user_id = g.user_id AND i.top_id = dt.top_id)
    ), chosen AS (
      SELECT user_id, arg_min(top_id, c) AS top_id FROM c GROUP BY user_id
    ), leaf AS (
      SELECT g.*, t.top_id, t.leaf0 + ${zipfRank(r.u('gift-leaf', 'g.user_id'), 't.n_leaves')} AS leaf_id,
        (a1 - a0) + (b1 - b0) AS act_days
      FROM g JOIN chosen USING (user_id) JOIN synth_top t ON t.top_id = chosen.top_id
    ), day AS (
      SELECT leaf.*, l.n_items, l.item_base, l.perm_off, l.mu, l.sigma,
        CASE WHEN idx < a1 - a0 THEN a0 + idx ELSE b0 + idx - (a1 - a0) END AS day
      FROM (SELECT leaf.*, CAST(floor(${r.u('gift-day', 'user_id')} * act_days) AS BIGINT) AS idx FROM leaf) leaf
      JOIN synth_leaf l ON l.leaf_id = leaf.leaf_id
      WHERE act_days > 0
    )
    SELECT user_id, top_id, leaf_id, dev1, n_items, item_base, mu, sigma, arrival_sec,
      (${zipfRank(r.u('gift-item', 'user_id'), 'n_items')} * 1000003 + perm_off) % n_items AS idx,
      LEAST(${end - 60}, GREATEST(1200, COALESCE(arrival_sec, 0) + 1200,
        day * 86400 + ((peak_hour + 23 + ${r.int(3, 'gift-hour', 'user_id')}) % 24) * 3600 + ${r.int(3600, 'gift-sec', 'user_id')})) AS sec
    FROM day`);
  // A late newcomer may have no room left for the gift.
  await ctx.wh.run(`DELETE FROM synth_gift WHERE COALESCE(arrival_sec, 0) + 1200 > ${end - 60}`);
  // One item looked at while choosing, the chosen one, then the buy.
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.gift, 'v.range')}, user_id, NULL, ${tsSql(plan, 'sec - 600 + v.range * 280')}, 'pv',
       ${itemIdSql(cat, `item_base + CASE WHEN v.range = 1 THEN idx ELSE ${r.int('n_items', 'gift-browse', 'user_id', 'v.range')} END`)},
       leaf_id, NULL, NULL, CAST(10 + ${r.int(90, 'gift-dwell', 'user_id', 'v.range')} AS DOUBLE), ${ctx.batchId}
     FROM synth_gift CROSS JOIN range(2) v
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.gift, '3')}, user_id, dev1, ${tsSql(plan, 'sec')}, 'buy', ${itemIdSql(cat, 'item_base + idx')},
       leaf_id, ${priceSql('mu', 'sigma', 'idx', 'n_items')}, 1, NULL, ${ctx.batchId}
     FROM synth_gift`,
  );
  await writeTruth(
    ctx,
    'gifts',
    `SELECT user_id, ${itemIdSql(cat, 'item_base + idx')}, leaf_id, top_id, ${tsSql(plan, 'sec')} FROM synth_gift`,
  );
}
