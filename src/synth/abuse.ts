/**
 * Abuse (薅羊毛 and 黄牛) and the limited releases they chase.
 * - Coupon farms: rings of accounts registered within an hour of each other on one of a few shared
 *   devices (some emulators); each logs in, claims the new-user coupon, glances at a cheap item and
 *   mostly spends the coupon on it. Nothing else.
 * - Scalpers: rings sharing a device that log in just before a limited release and buy it within
 *   seconds, across all their accounts.
 * - Ordinary fans buy limited items too, minutes to hours after release.
 */
import { activeAt, eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceSql, type Catalogue } from './catalogue.js';
import { writeTruth } from './truth.js';

export const FARM_COUPON = 'NEWUSER-10';

export async function writeFarms(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  // The cheapest few items of food and household leaves: what a ten-yuan coupon nearly pays for.
  await ctx.wh.run(`CREATE TEMP TABLE synth_farm AS
    WITH f AS (
      SELECT p.user_id, p.grp, p.dev1, LEAST(p.reg_sec, ${end - 1200}) AS reg_sec,
        (SELECT count(*) FROM synth_leaf WHERE top_id IN (5, 6)) AS n_cheap
      FROM synth_people p WHERE p.kind = 'coupon_farm'
    ), c AS (
      SELECT f.*, ${r.int('n_cheap', 'farm-leaf', 'user_id')} AS li FROM f
    )
    SELECT c.user_id, c.grp, c.dev1, c.reg_sec, l.leaf_id, l.item_base, l.n_items, l.mu, l.sigma,
      ${r.int(3, 'farm-item', 'c.user_id')} AS idx,
      c.reg_sec + 60 + ${r.int(240, 'farm-claim', 'c.user_id')} AS claim_sec,
      ${r.int(3, 'farm-views', 'c.user_id')} AS views,
      ${r.u('farm-use', 'c.user_id')} < 65e-2 AS uses
    FROM c JOIN (SELECT *, row_number() OVER (ORDER BY leaf_id) - 1 AS li FROM synth_leaf WHERE top_id IN (5, 6)) l USING (li)`);
  const price = priceSql('mu', 'sigma', 'idx', 'n_items');
  const props = `json_object('coupon_id', '${FARM_COUPON}')`;
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, properties, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, '0')}, user_id, dev1, ${tsSql(plan, 'reg_sec + 30')}, 'login', NULL, NULL, NULL, NULL, NULL, NULL, ${ctx.batchId}
     FROM synth_farm
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, '1')}, user_id, dev1, ${tsSql(plan, 'claim_sec')}, 'coupon_claim', NULL, NULL, NULL, NULL, NULL, ${props}, ${ctx.batchId}
     FROM synth_farm
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, '2 + v.range')}, user_id, dev1, ${tsSql(plan, 'claim_sec + 20 + v.range * 15')}, 'pv',
       ${itemIdSql(cat, 'item_base + idx')}, leaf_id, NULL, NULL, CAST(3 + v.range AS DOUBLE), NULL, ${ctx.batchId}
     FROM synth_farm JOIN range(3) v ON v.range < views
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, '6')}, user_id, dev1, ${tsSql(plan, 'claim_sec + 90')}, 'coupon_use', ${itemIdSql(cat, 'item_base + idx')},
       leaf_id, NULL, NULL, NULL, ${props}, ${ctx.batchId}
     FROM synth_farm WHERE uses
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, '7')}, user_id, dev1, ${tsSql(plan, 'claim_sec + 90')}, 'buy', ${itemIdSql(cat, 'item_base + idx')},
       leaf_id, GREATEST(CAST(0.01 AS DECIMAL(18,2)), ${price} - 10), 1, NULL, ${props}, ${ctx.batchId}
     FROM synth_farm WHERE uses`,
  );
  await writeTruth(ctx, 'abuse', `SELECT user_id, 'coupon_farm', 'farm-' || CAST(grp AS VARCHAR), dev1 FROM synth_farm`);
}

export async function writeScalpers(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  await ctx.wh.run(`CREATE TEMP TABLE synth_scalp AS
    SELECT p.user_id, p.grp, p.dev2 AS ring_device, l.item_id, l.leaf_id, l.price, l.release_sec, l.k,
      l.release_sec + 1 + ${r.int(20, 'scalp-delay', 'p.user_id', 'l.k')} AS buy_sec,
      1 + ${r.int(2, 'scalp-qty', 'p.user_id', 'l.k')} AS qty
    FROM synth_people p CROSS JOIN synth_limited l
    WHERE p.kind = 'scalper' AND ${r.u('scalp-target', 'p.grp', 'l.k')} < 7e-1 AND l.release_sec + 60 < ${end}`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.scalper, '(k << 2) | 0')}, user_id, ring_device,
       ${tsSql(plan, `release_sec - 30 - ${r.int(90, 'scalp-login', 'user_id', 'k')}`)}, 'login', NULL, NULL, NULL, NULL, NULL, ${ctx.batchId}
     FROM synth_scalp
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.scalper, '(k << 2) | 1')}, user_id, NULL, ${tsSql(plan, 'buy_sec - 1')}, 'pv', item_id, leaf_id,
       NULL, NULL, 1e0, ${ctx.batchId}
     FROM synth_scalp
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.scalper, '(k << 2) | 2')}, user_id, ring_device, ${tsSql(plan, 'buy_sec')}, 'buy', item_id, leaf_id,
       price * qty, qty, NULL, ${ctx.batchId}
     FROM synth_scalp`,
  );
  await writeTruth(
    ctx,
    'abuse',
    `SELECT user_id, 'scalper', 'scalper-' || CAST(grp AS VARCHAR), dev2 FROM synth_people WHERE kind = 'scalper'`,
  );

  // Ordinary fans: a handful per release, looking within hours and often buying.
  const fans = Math.max(5, Math.round(plan.users / 500));
  await ctx.wh.run(`CREATE TEMP TABLE synth_fan AS
    SELECT p.user_id, p.dev1, l.item_id, l.leaf_id, l.price, l.k, p.a0, p.a1, p.b0, p.b1, p.arrival_sec,
      l.release_sec + 300 + CAST(floor(-ln(1 - ${r.u('fan-at', 'l.k', 'l.f')}) * 3 * 3600) AS BIGINT) AS view_sec,
      ${r.u('fan-buy', 'l.k', 'l.f')} < 4e-1 AS buys
    FROM (SELECT l.*, f.range AS f, 1 + ${r.int(plan.users, 'fan', 'l.k', 'f.range')} AS fan_id
          FROM synth_limited l CROSS JOIN range(${fans}) f) l
    JOIN synth_people p ON p.user_id = l.fan_id
    WHERE p.kind = 'normal'
    QUALIFY row_number() OVER (PARTITION BY p.user_id, l.k ORDER BY l.f) = 1`);
  await ctx.wh.run(`DELETE FROM synth_fan WHERE view_sec + 900 >= ${end} OR NOT (${activeAt('view_sec')})`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.limitedFan, '(k << 1) | 0')}, user_id, NULL, ${tsSql(plan, 'view_sec')}, 'pv', item_id, leaf_id,
       NULL, NULL, CAST(20 + view_sec % 100 AS DOUBLE), ${ctx.batchId}
     FROM synth_fan
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.limitedFan, '(k << 1) | 1')}, user_id, dev1, ${tsSql(plan, 'view_sec + 60 + view_sec % 600')}, 'buy',
       item_id, leaf_id, price, 1, NULL, ${ctx.batchId}
     FROM synth_fan WHERE buys`,
  );
}
