/**
 * Replenishment: consumables among a user's interests (tissues, milk powder, facial masks, snacks...)
 * are bought on the user's own cycle, usually the same item, a day early or late now and then, and only
 * while the user is active. Each purchase is a view of the item followed by the buy a few minutes later.
 * Main browsing never buys these leaves, so the cycle stays measurable from the buys.
 */
import { activeAt, eventIdSql, GEN, tsSql, into, write, type SynthContext } from './context.js';
import { itemIdSql, LEAF_ID0, priceIndexSql, priceSql, type Catalogue } from './catalogue.js';
import { zipfRank } from './random.js';
import { writeTruth } from './truth.js';

export async function writeCycles(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  const [lo, hi] = plan.cycleDays;
  const scale = plan.options.preset === 'taobao' ? 1 / 3 : 1;
  const end = plan.days * 86400;
  const uc = (p: string) => r.u(p, 'user_id', 'leaf_id');
  await ctx.wh.run(`CREATE TEMP TABLE synth_cycle AS
    WITH c AS (
      SELECT i.user_id, i.leaf_id, l.n_items, l.item_base, l.perm_off, l.mu, l.sigma, l.cycle_base,
        p.a0, p.a1, p.b0, p.b1, p.arrival_sec, p.peak_hour, p.price_tilt, p.dev1
      FROM (SELECT user_id, leaves[cycle_slot + 1] AS leaf_id FROM synth_slots WHERE cycle_slot IS NOT NULL) i
      JOIN synth_people p USING (user_id) JOIN synth_leaf l USING (leaf_id)
      WHERE p.kind = 'normal'
    ), d AS (
      SELECT c.*,
        LEAST(${hi}, GREATEST(${lo}, CAST(round(cycle_base * ${scale.toExponential(16)} * (75e-2 + 5e-1 * ${uc('cycle-len')})) AS BIGINT))) AS cycle_days,
        ${priceIndexSql(zipfRank(uc('cycle-item'), 'n_items'), 'n_items', 'perm_off', 'price_tilt', uc('cycle-tilt'))} AS loyal_idx
      FROM c
    ), e AS (
      SELECT d.*, CAST(floor(${uc('cycle-phase')} * cycle_days) AS BIGINT) AS phase, unnest(range(${plan.days} // cycle_days + 2)) AS n
      FROM d
    ), f AS (
      SELECT e.*,
        a0 + phase + n * cycle_days + CASE WHEN n = 0 THEN 0 ELSE ${r.int(3, 'cycle-jitter', 'user_id', 'leaf_id', 'n')} - 1 END AS day,
        CASE WHEN ${r.u('cycle-switch', 'user_id', 'leaf_id', 'n')} < 15e-2
             THEN ${priceIndexSql(zipfRank(r.u('cycle-other', 'user_id', 'leaf_id', 'n'), 'n_items'), 'n_items', 'perm_off', 'price_tilt', uc('cycle-tilt'))}
             ELSE loyal_idx END AS idx,
        CASE WHEN ${r.u('cycle-qty', 'user_id', 'leaf_id', 'n')} < 25e-2 THEN 2 ELSE 1 END AS qty
      FROM e
    )
    SELECT f.*, day * 86400 + ((peak_hour + 23 + ${r.int(3, 'cycle-hour', 'user_id', 'leaf_id', 'n')}) % 24) * 3600
                + ${r.int(3600, 'cycle-sec', 'user_id', 'leaf_id', 'n')} AS sec,
      ${itemIdSql(cat, 'item_base + idx')} AS item_id, ${itemIdSql(cat, 'item_base + loyal_idx')} AS loyal_item
    FROM f
    WHERE day >= 0 AND day < ${plan.days}`);
  // Keep only purchases on active days and inside the window (the view comes up to ten minutes before).
  await ctx.wh.run(`DELETE FROM synth_cycle WHERE NOT (${activeAt('sec - 600')}) OR sec >= ${end} OR sec < 600`);

  const seq = (kind: number) => `((leaf_id - ${LEAF_ID0}) << 10) | (n << 1) | ${kind}`;
  await write(
    ctx,
    'events',
    `INSERT INTO ${into(ctx, 'events')} (event_id, user_id, device_id, ts, type, item_id, category_id, amount, quantity, dwell_s, batch_id)
     SELECT ${eventIdSql(ctx, 'user_id', GEN.cycle, seq(0))}, user_id, NULL,
       ${tsSql(plan, `sec - 60 - ${r.int(540, 'cycle-view', 'user_id', 'leaf_id', 'n')}`)}, 'pv', item_id, leaf_id, NULL, NULL,
       CAST(5 + ${r.int(60, 'cycle-dwell', 'user_id', 'leaf_id', 'n')} AS DOUBLE), ${ctx.batchId}
     FROM synth_cycle
     UNION ALL
     SELECT ${eventIdSql(ctx, 'user_id', GEN.cycle, seq(1))}, user_id, dev1, ${tsSql(plan, 'sec')}, 'buy', item_id, leaf_id,
       ${priceSql('mu', 'sigma', 'idx', 'n_items')} * qty, qty, NULL, ${ctx.batchId}
     FROM synth_cycle`,
  );
  await writeTruth(
    ctx,
    'cycles',
    `SELECT user_id, leaf_id, any_value(loyal_item), any_value(cycle_days), ${tsSql(plan, 'min(sec)')}, ${tsSql(plan, 'max(sec)')}, count(*),
       CAST(${tsSql(plan, 'max(sec)')} + to_days(CAST(any_value(cycle_days) AS INTEGER)) AS DATE)
     FROM synth_cycle GROUP BY user_id, leaf_id`,
  );
}
