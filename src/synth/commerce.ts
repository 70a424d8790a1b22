/**
 * Orders and reviews, derived from the buy events so they always agree: one order line per buy event
 * (same user, item, time, quantity and amount), the buys of one browsing session forming one order (a
 * basket). A share of delivered orders is reviewed, with a comment event at the review's time.
 */
import { eventIdSql, GEN, maskSql, pick, tsSql, into, write, type SynthContext } from './context.js';

/** Every buy of the world while planning: the staged ones and those everyday browsing will write. */
export function allBuysSql(): string {
  return `SELECT event_id, user_id, item_id, category_id, ts, quantity, amount, device_id, properties, referrer_user_id
    FROM stage_events WHERE type = 'buy'
    UNION ALL
    SELECT event_id, user_id, item_id, category_id, ts, quantity, amount, device_id, CAST(NULL AS JSON), CAST(NULL AS BIGINT)
    FROM synth_main_buys`;
}

export async function writeOrders(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  const sec = `(epoch(ts) - ${plan.epoch0})`;
  await ctx.wh.run(`CREATE TEMP TABLE synth_orders AS
     SELECT CASE WHEN rn = 1 THEN oid ELSE CAST(${r.hash('order-line', 'basket', 'rn')} >> 2 AS BIGINT) END AS order_id,
       user_id, item_id, category_id, ts, quantity, amount, coupon_id,
       ${r.md5Id('address', 'user_id', `CASE WHEN ${r.u('address', 'user_id', 'basket')} < 2e-1 THEN 2 ELSE 1 END`)} AS address,
       device_id,
       CASE WHEN ${r.u('refund', 'basket')} < 3e-2 THEN 'refunded'
            WHEN ${sec} >= ${end - 86400} THEN 'paid' WHEN ${sec} >= ${end - 3 * 86400} THEN 'shipped' ELSE 'delivered' END AS status
     FROM (
       SELECT b.*, row_number() OVER (PARTITION BY oid, item_id ORDER BY ts, event_id) AS rn
       FROM (
         SELECT a.*, CAST(${r.hash('order', 'basket')} >> 2 AS BIGINT) AS oid
         FROM (
           SELECT e.*, json_extract_string(e.properties, '$.coupon_id') AS coupon_id,
             -- Session buys share a basket: the event id without its position bits.
             CASE WHEN (xor(e.event_id, ${maskSql(ctx)}) >> 24) & 255 = ${GEN.session}
                  THEN xor(e.event_id, ${maskSql(ctx)}) >> 10 ELSE xor(e.event_id, ${maskSql(ctx)}) END AS basket
           FROM (${allBuysSql()}) e
         ) a
       ) b
     )`);
  await write(
    ctx,
    'orders',
    `INSERT INTO ${into(ctx, 'orders')} (order_id, user_id, item_id, ts, quantity, amount, coupon_id, address, device_id, status)
     SELECT order_id, user_id, item_id, ts, quantity, amount, coupon_id, address, device_id, status FROM synth_orders`,
  );
}

export async function writeReviews(ctx: SynthContext): Promise<void> {
  const { r, plan } = ctx;
  const end = plan.days * 86400;
  const uo = (p: string) => r.u(p, 'o.order_id', 'o.item_id');
  await ctx.wh.run(`CREATE TEMP TABLE synth_reviews AS
    SELECT o.order_id, o.user_id, o.item_id, o.category_id, o.review_sec,
      CAST(${r.hash('review', 'o.order_id', 'o.item_id')} >> 2 AS BIGINT) AS review_id,
      ${pick(uo('product'), [[5, 62], [4, 22], [3, 8], [2, 4], [1, 4]])} AS product_score,
      ${pick(uo('logistics'), [[5, 70], [4, 20], [3, 6], [2, 2], [1, 2]])} AS logistics_score,
      ${uo('service-same')} AS us,
      ${pick(uo('service'), [[5, 65], [4, 22], [3, 7], [2, 3], [1, 3]])} AS service0,
      ${pick(uo('media'), [['text', 70], ['image', 25], ['video', 5]])} AS media,
      ${uo('length')} AS ul
    FROM (SELECT o.*, epoch(o.ts) - ${plan.epoch0} + 2 * 86400 + ${r.int(8 * 86400, 'review-delay', 'order_id', 'item_id')} AS review_sec
          FROM synth_orders o WHERE o.status = 'delivered' AND ${r.u('review', 'order_id', 'item_id')} < 22e-2) o
    WHERE o.review_sec < ${end}`);
  await write(
    ctx,
    'reviews',
    `INSERT INTO ${into(ctx, 'reviews')} (review_id, user_id, item_id, order_id, ts, product_score, service_score, logistics_score, media, text_length)
     SELECT review_id, user_id, item_id, order_id, ${tsSql(plan, 'review_sec')}, product_score,
       CASE WHEN us < 7e-1 THEN product_score ELSE service0 END, logistics_score, CAST(media AS review_media),
       CAST(CASE WHEN media = 'text' THEN 5 + floor(exp(ul * ln(150))) ELSE 15 + floor(exp(ul * ln(400))) END AS BIGINT)
     FROM synth_reviews`,
  );
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, ts, type, item_id, category_id, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.review, 'row_number() OVER (PARTITION BY user_id ORDER BY review_sec, review_id)')},
       user_id, ${tsSql(plan, 'review_sec')}, 'comment', item_id, category_id, ${ctx.batchId}
     FROM synth_reviews`,
  );
}
