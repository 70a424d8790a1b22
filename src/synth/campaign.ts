/**
 * A coupon campaign with a known effect, so `portrait campaign evaluate synth-coupon` can be checked
 * against the truth. The audience is every user who bought in the 30 days before the period (fewer in
 * short worlds); the period is the two weeks before the last week of the window, which is left for
 * retention. Users are split by the same hash the evaluation uses (src/operations/campaigns/assignment.ts).
 *
 * Treated users who would not have bought in the period, and who are active on some day of it, buy one
 * extra time with a probability chosen so the audience's expected conversion rises by CAMPAIGN_LIFT: a
 * look at an item of their strongest interest, then the buy with the coupon (enough units to reach the
 * minimum spend, 10 yuan off; the order carries the coupon's code). Nothing else changes, so the true
 * effect is known exactly: truth.campaigns holds the designed lift and the realised effect on each metric
 * among the treated users (the evaluation's estimand).
 */
import { holdoutThreshold, bucketSql } from '../operations/campaigns/assignment.js';
import type { CampaignDefinition } from '../operations/campaigns/definition.js';
import { parseCampaign } from '../operations/campaigns/registry.js';
import { itemIdSql, priceSql, type Catalogue } from './catalogue.js';
import { allBuysSql } from './commerce.js';
import { activeAt, eventIdSql, GEN, into, literal, tsSql, write, type SynthContext } from './context.js';
import type { WorldPlan } from './options.js';
import { zipfRank } from './random.js';
import { writeTruth } from './truth.js';

export const SYNTH_CAMPAIGN_ID = 'synth-coupon';
/** Expected rise of the audience's conversion (a buy in the period) among treated users: 3 points. */
export const CAMPAIGN_LIFT = 0.03;
export const CAMPAIGN_HOLDOUT = 0.25;
export const CAMPAIGN_COUPON = { value: 10, minSpend: 30, code: 'SYNTH-COUPON-10' } as const;

export interface SynthCampaignPlan {
  /** Day numbers of the world (0 = first day): the period is [startDay, startDay + periodDays). */
  startDay: number;
  periodDays: number;
  retentionDays: number;
  /** The audience bought in the lookbackDays days before the start. */
  lookbackDays: number;
  definition: CampaignDefinition;
}

const dayOf = (plan: WorldPlan, n: number) => new Date((plan.epoch0 + n * 86400) * 1000).toISOString().slice(0, 10);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The campaign a world of this size holds: in a 60-day world a 14-day period ending 7 days before the
 * last day; shorter worlds scale it down. Worlds too short for a day before the period hold none.
 */
export function planSynthCampaign(plan: WorldPlan): SynthCampaignPlan | null {
  const retentionDays = clamp(Math.round((plan.days * 7) / 60), 1, 7);
  const periodDays = clamp(Math.round((plan.days * 14) / 60), 1, 14);
  const startDay = plan.days - retentionDays - periodDays;
  if (startDay < 1) return null;
  const lookbackDays = Math.min(30, startDay);
  const definition = parseCampaign(
    {
      id: SYNTH_CAMPAIGN_ID,
      description: `Synthetic world: a ${CAMPAIGN_COUPON.value}-yuan coupon (from ${CAMPAIGN_COUPON.minSpend} yuan) for users who bought in the ${lookbackDays} days before; treated users convert ${CAMPAIGN_LIFT * 100} points more by design (truth.campaigns)`,
      goal: 'conversion',
      audience: { behaviour: { event: 'buy' }, window: { last: `${lookbackDays}d` } },
      offer: { type: 'coupon', ...CAMPAIGN_COUPON },
      period: { from: dayOf(plan, startDay), to: dayOf(plan, startDay + periodDays - 1) },
      holdout: CAMPAIGN_HOLDOUT,
      retentionDays,
    },
    'synthetic campaign',
  );
  return { startDay, periodDays, retentionDays, lookbackDays, definition };
}

/** While planning, after every other buy is known: the audience, the split, and the campaign's buys. */
export async function writeCampaign(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const c = planSynthCampaign(plan);
  if (!c) return;
  const s = c.startDay;
  const e = s + c.periodDays;
  // The audience is taken as of the last second before the period, as the evaluation takes it.
  const asOf = tsSql(plan, `${s * 86400 - 1}`);
  const bucket = bucketSql(ctx.wh.dialect, literal(SYNTH_CAMPAIGN_ID), 'a.user_id');
  const threshold = `CAST('${holdoutThreshold(CAMPAIGN_HOLDOUT).toString()}' AS UBIGINT)`;
  const overlap = (lo: string, hi: string) => `GREATEST(0, LEAST(${hi}, ${e}) - GREATEST(${lo}, ${s}))`;
  await ctx.wh.run(`CREATE TEMP TABLE synth_campaign AS
    WITH buys AS (SELECT user_id, ts FROM (${allBuysSql()})),
    a AS (
      SELECT DISTINCT user_id FROM buys
      WHERE ts > ${asOf} - to_days(${c.lookbackDays}) AND ts <= ${asOf}
    ), anyway AS (
      SELECT DISTINCT user_id FROM buys WHERE ts >= ${tsSql(plan, `${s * 86400}`)} AND ts < ${tsSql(plan, `${e * 86400}`)}
    ), m AS (
      SELECT a.user_id, ${bucket} < ${threshold} AS held_out, p.kind, p.a0, p.a1, p.b0, p.b1, p.arrival_sec, p.peak_hour, p.dev1,
        a.user_id IN (SELECT user_id FROM anyway) AS buys_anyway,
        ${overlap('p.a0', 'p.a1')} AS k1, ${overlap('p.b0', 'p.b1')} AS k2
      FROM a JOIN synth_people p ON p.user_id = a.user_id
    ), k AS (
      -- Who the coupon can turn into a buyer: ordinary users who would not buy in the period otherwise
      -- and are active on a day of it (counted in both arms, as the split is independent of it).
      SELECT m.*, kind = 'normal' AND NOT buys_anyway AND k1 + k2 > 0 AS candidate FROM m
    ), q AS (
      SELECT LEAST(1e0, ${CAMPAIGN_LIFT} * count(*) / GREATEST(1, count(*) FILTER (WHERE candidate))) AS q FROM k
    )
    SELECT k.*, candidate AND NOT held_out AND ${r.u('campaign-convert', 'k.user_id')} < q.q AS converts
    FROM k CROSS JOIN q`);
  // The buy: a day of the period the user is active on, an hour near their peak, an item of their
  // strongest interest that is not bought on a cycle, enough units to use the coupon.
  await ctx.wh.run(`CREATE TEMP TABLE synth_campaign_buys AS
    WITH d AS (
      SELECT c.user_id, c.dev1, c.peak_hour, c.arrival_sec,
        CASE WHEN idx < k1 THEN GREATEST(a0, ${s}) + idx ELSE GREATEST(b0, ${s}) + idx - k1 END AS day,
        sl.leaves[CASE WHEN sl.cycle_slot = 0 THEN 2 ELSE 1 END] AS leaf_id
      FROM (SELECT c.*, CAST(floor(${r.u('campaign-day', 'user_id')} * (k1 + k2)) AS BIGINT) AS idx FROM synth_campaign c WHERE converts) c
      JOIN synth_slots sl ON sl.user_id = c.user_id
    ), i AS (
      SELECT d.*, l.n_items, l.item_base, l.mu, l.sigma,
        (${zipfRank(r.u('campaign-item', 'd.user_id'), 'l.n_items')} * 1000003 + l.perm_off) % l.n_items AS idx,
        day * 86400 + GREATEST(900, ((peak_hour + 23 + ${r.int(3, 'campaign-hour', 'd.user_id')}) % 24) * 3600
          + ${r.int(3600, 'campaign-sec', 'd.user_id')}) AS sec
      FROM d JOIN synth_leaf l ON l.leaf_id = d.leaf_id
    ), pr AS (
      SELECT i.*, ${priceSql('mu', 'sigma', 'idx', 'n_items')} AS price FROM i
    )
    SELECT pr.*, ${itemIdSql(cat, 'item_base + idx')} AS item_id,
      CASE WHEN price >= ${CAMPAIGN_COUPON.minSpend} THEN 1 ELSE CAST(ceil(${CAMPAIGN_COUPON.minSpend} / price) AS BIGINT) END AS qty,
      sec - 60 - ${r.int(540, 'campaign-view', 'user_id')} AS view_sec
    FROM pr`);
  // Every buy lies on an active day inside the period (checked, not assumed).
  const [bad] = await ctx.wh.query<{ n: number }>(
    `SELECT count(*) AS n FROM synth_campaign_buys b JOIN synth_people p ON p.user_id = b.user_id
     WHERE NOT (${activeAt('b.view_sec', 'p.')}) OR b.view_sec < ${s * 86400} OR b.sec >= ${e * 86400}`,
  );
  if (Number(bad?.n) > 0) throw new Error(`synthetic campaign: ${bad?.n} buys fall outside the users' active days in the period`);
  const properties = literal(JSON.stringify({ coupon_id: CAMPAIGN_COUPON.code, campaign_id: SYNTH_CAMPAIGN_ID }));
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, properties, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.campaign, '0')}, user_id, NULL, ${tsSql(plan, 'view_sec')}, 'pv', item_id, leaf_id, NULL, NULL,
       CAST(10 + ${r.int(90, 'campaign-dwell', 'user_id')} AS DOUBLE), NULL, ${ctx.batchId}
     FROM synth_campaign_buys
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.campaign, '1')}, user_id, dev1, ${tsSql(plan, 'sec')}, 'buy', item_id, leaf_id,
       price * qty - ${CAMPAIGN_COUPON.value}, qty, NULL, CAST(${properties} AS JSON), ${ctx.batchId}
     FROM synth_campaign_buys`,
  );
  await ctx.wh.run(`ALTER TABLE synth_campaign ADD COLUMN amount DECIMAL(18,2)`);
  await ctx.wh.run(`UPDATE synth_campaign SET amount = b.price * b.qty - ${CAMPAIGN_COUPON.value} FROM synth_campaign_buys b WHERE b.user_id = synth_campaign.user_id`);
}

/**
 * While publishing (after consents, orders and reviews are written): the realised effect among the treated
 * users the evaluation sees (the audience minus those who refused targeting). Conversion and GMV come
 * from the campaign's buys alone, as nobody they converted would have bought otherwise. The campaign
 * does not aim at retention, but a review of its order can fall in the retention window: users active
 * there only through such a review are the realised retention effect.
 */
export async function writeCampaignTruth(ctx: SynthContext): Promise<void> {
  const c = planSynthCampaign(ctx.plan);
  if (!c) return;
  const { plan } = ctx;
  const from = tsSql(plan, `${(c.startDay + c.periodDays) * 86400}`);
  const to = tsSql(plan, `${(c.startDay + c.periodDays + c.retentionDays) * 86400}`);
  await writeTruth(
    ctx,
    'campaigns',
    `WITH t AS (
       SELECT * FROM synth_campaign WHERE user_id NOT IN (SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed)
     ), reviewed AS (
       SELECT r.user_id, r.item_id, r.ts FROM reviews r JOIN orders o ON o.order_id = r.order_id AND o.item_id = r.item_id
       WHERE o.coupon_id = ${literal(CAMPAIGN_COUPON.code)} AND r.ts >= ${from} AND r.ts < ${to}
     ), retained_by_campaign AS (
       SELECT t.user_id FROM t WHERE converts AND user_id IN (SELECT user_id FROM reviewed)
         AND NOT EXISTS (
           SELECT 1 FROM events e WHERE e.user_id = t.user_id AND e.ts >= ${from} AND e.ts < ${to}
             AND NOT (e.type = 'comment' AND EXISTS (SELECT 1 FROM reviewed v WHERE v.user_id = e.user_id AND v.item_id = e.item_id AND v.ts = e.ts)))
     ), s AS (
       SELECT count(*) FILTER (WHERE NOT held_out) AS nt, count(*) FILTER (WHERE held_out) AS nh,
         count(*) FILTER (WHERE converts) AS converted, coalesce(sum(amount) FILTER (WHERE converts), 0) AS gmv,
         (SELECT count(*) FROM retained_by_campaign) AS retained
       FROM t
     )
     SELECT ${literal(SYNTH_CAMPAIGN_ID)}, m.metric, m.designed, m.effect, nt, nh, converted
     FROM s CROSS JOIN LATERAL (VALUES
       ('conversion', ${CAMPAIGN_LIFT}e0, converted / GREATEST(nt, 1)),
       ('gmv_per_user', NULL, CAST(gmv AS DOUBLE) / GREATEST(nt, 1)),
       ('retention', NULL, retained / GREATEST(nt, 1))
     ) m(metric, designed, effect)`,
  );
}
