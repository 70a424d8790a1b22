/**
 * Abuse (薅羊毛 and 黄牛) and the limited releases they chase.
 * - Coupon farms: rings of accounts registered within an hour of each other on one of a few shared
 *   devices (some emulators); each logs in, claims the new-user coupon, glances at a cheap item and
 *   mostly spends the coupon on it. Nothing else.
 * - Scalpers: rings sharing a device that log in just before a limited release and buy it within
 *   seconds, across all their accounts.
 * - Ordinary fans buy limited items too, most minutes to hours after release; a quarter of those who buy
 *   wait on the page and buy within seconds, as a scalper would, but once.
 * - Family tablets: a few households share one tablet among their accounts, so many accounts on one
 *   device is not abuse by itself (the confounder of the farms' shared devices).
 */
import { activeAt, eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, priceSql, type Catalogue } from './catalogue.js';
import { writeTruth } from './truth.js';

export const FARM_COUPON = 'NEWUSER-10';

/** Share of ordinary users whose household shares a tablet, and the accounts a household has at most. */
export const FAMILY_TABLET_SHARE = 0.02;
export const FAMILY_SIZE = 5;
/** Share of the fans who buy a limited item that buy it within seconds of release. */
export const EAGER_FAN_SHARE = 0.25;
/**
 * Family-tablet logins reuse the farm generator's code in event ids, with sequences from 2^23 up, which a
 * farm account's own few sequences never reach.
 */
const CONFOUNDER_SEQ = 1 << 23;

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
  await writeFamilyTablets(ctx);
}

/**
 * Households of up to FAMILY_SIZE ordinary accounts that each log in on the family tablet one to three
 * evenings in the window (on days they are active), so the tablet links them all.
 */
async function writeFamilyTablets(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  await ctx.wh.run(`CREATE TEMP TABLE synth_tablet AS
    SELECT f.*, v.range AS n,
      (${r.int(plan.days, 'tablet-day', 'f.user_id', 'v.range')}) * 86400 + (19 + ${r.int(4, 'tablet-hour', 'f.user_id', 'v.range')}) * 3600
        + ${r.int(3600, 'tablet-sec', 'f.user_id', 'v.range')} AS login_sec
    FROM (
      SELECT p.user_id, p.a0, p.a1, p.b0, p.b1, p.arrival_sec,
        (row_number() OVER (ORDER BY ${r.hash('family', 'p.user_id')}) - 1) // ${FAMILY_SIZE} AS family
      FROM synth_people p WHERE p.kind = 'normal' AND ${r.u('family-tablet', 'p.user_id')} < ${FAMILY_TABLET_SHARE}
    ) f JOIN range(3) v ON v.range <= ${r.int(3, 'tablet-logins', 'f.user_id')}`);
  await ctx.wh.run(`DELETE FROM synth_tablet WHERE NOT (${activeAt('login_sec')})`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.farm, `${CONFOUNDER_SEQ} + n`)}, user_id, ${r.md5Id('familytablet', 'family')},
       ${tsSql(plan, 'login_sec')}, 'login', ${ctx.batchId}
     FROM synth_tablet`,
  );
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

  // Ordinary fans: a handful per release, looking within hours and often buying; the eager among the
  // buyers wait on the page before the release and buy within seconds.
  const fans = Math.max(5, Math.round(plan.users / 500));
  await ctx.wh.run(`CREATE TEMP TABLE synth_fan AS
    SELECT *,
      CASE WHEN eager THEN release_sec - 20 - ${r.int(100, 'fan-wait', 'k', 'f')}
           ELSE release_sec + 300 + CAST(floor(-ln(1 - ${r.u('fan-at', 'k', 'f')}) * 3 * 3600) AS BIGINT) END AS view_sec
    FROM (
      SELECT p.user_id, p.dev1, l.item_id, l.leaf_id, l.price, l.k, l.f, l.release_sec, p.a0, p.a1, p.b0, p.b1, p.arrival_sec,
        ${r.u('fan-buy', 'l.k', 'l.f')} < 4e-1 AS buys,
        ${r.u('fan-buy', 'l.k', 'l.f')} < ${0.4 * EAGER_FAN_SHARE} AS eager
      FROM (SELECT l.*, f.range AS f, 1 + ${r.int(plan.users, 'fan', 'l.k', 'f.range')} AS fan_id
            FROM synth_limited l CROSS JOIN range(${fans}) f) l
      JOIN synth_people p ON p.user_id = l.fan_id
      WHERE p.kind = 'normal'
      QUALIFY row_number() OVER (PARTITION BY p.user_id, l.k ORDER BY l.f) = 1
    )`);
  await ctx.wh.run(`DELETE FROM synth_fan WHERE view_sec + 900 >= ${end} OR NOT (${activeAt('view_sec')})`);
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.limitedFan, '(k << 1) | 0')}, user_id, NULL, ${tsSql(plan, 'view_sec')}, 'pv', item_id, leaf_id,
       NULL, NULL, CAST(20 + view_sec % 100 AS DOUBLE), ${ctx.batchId}
     FROM synth_fan
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.limitedFan, '(k << 1) | 1')}, user_id, dev1,
       ${tsSql(plan, `CASE WHEN eager THEN release_sec + 2 + ${r.int(40, 'fan-eager', 'k', 'f')} ELSE view_sec + 60 + view_sec % 600 END`)}, 'buy',
       item_id, leaf_id, price, 1, NULL, ${ctx.batchId}
     FROM synth_fan WHERE buys`,
  );
}
