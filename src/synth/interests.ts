/**
 * What each user is interested in: a few leaf categories ("slots"), each drawn from one of three
 * sources. The user's hidden taste group (a set of signature leaves shared by the group: what lookalike
 * search should recover), the user's demographics (gender x age band x young child: what makes gender
 * and age learnable from behaviour), or the crowd. Sessions then browse one slot at a time.
 */
import { tempTable, type SynthContext } from './context.js';

/** Interest sources, stored as codes in synth_interest.source. */
export const SOURCES = ['taste', 'demographic', 'crowd'] as const;
import type { Catalogue } from './catalogue.js';
import { quantileTable, Rng, zipfRank } from './random.js';
import { AGE_BANDS, demographicWeights, GLOBAL_WEIGHTS, TASTE_TOPS, TOP_KEYS, type TopKey } from './taxonomy.js';

export const TASTE_LEAVES = 40;
/** Share of slots drawn from the taste group, from demographics (the rest follow the crowd). */
export const SOURCE_TASTE = 0.45;
export const SOURCE_DEMOGRAPHIC = 0.45;
const Q = 256;

export async function buildInterests(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { plan, r } = ctx;
  const topId = (k: TopKey) => TOP_KEYS.indexOf(k) + 1;

  // Taste groups: two or three tops each, forty signature leaves drawn from them.
  const rng = new Rng(plan.seed, 'taste');
  const taste: { taste_group: number; k: number; leaf_id: number }[] = [];
  for (let g = 0; g < plan.tasteGroups; g++) {
    const tops = rng.shuffle([...TASTE_TOPS]).slice(0, 2 + rng.int(2));
    const pool = rng.shuffle(cat.leaves.filter((l) => tops.includes(l.top_key)).map((l) => l.leaf_id));
    for (let k = 0; k < TASTE_LEAVES; k++) taste.push({ taste_group: g, k, leaf_id: pool[k % pool.length]! });
  }
  await tempTable(ctx, 'synth_taste', { taste_group: 'BIGINT', k: 'BIGINT', leaf_id: 'BIGINT' }, taste);

  const demo: { demo_key: number; q: number; top_id: number }[] = [];
  (['female', 'male'] as const).forEach((gender, gi) => {
    AGE_BANDS.forEach((_, band) => {
      [false, true].forEach((young, yi) => {
        const key = gi * 100 + band * 2 + yi;
        quantileTable(demographicWeights(gender, band, young), Q).forEach((top, q) => demo.push({ demo_key: key, q, top_id: topId(top) }));
      });
    });
  });
  await tempTable(ctx, 'synth_demo_top', { demo_key: 'BIGINT', q: 'BIGINT', top_id: 'BIGINT' }, demo);
  await tempTable(
    ctx,
    'synth_global_top',
    { q: 'BIGINT', top_id: 'BIGINT' },
    quantileTable(GLOBAL_WEIGHTS, Q).map((top, q) => ({ q, top_id: topId(top) })),
  );

  const key = `(CASE WHEN p.gender = 'female' THEN 0 ELSE 100 END + p.age_band * 2 + CAST(p.young_child AS BIGINT))`;
  await ctx.wh.run(`CREATE TEMP TABLE synth_interest AS
    WITH s AS (
      SELECT p.user_id, p.taste_group, ${key} AS demo_key, sl.range AS slot
      FROM synth_people p CROSS JOIN range(${plan.slots}) sl
      WHERE p.kind <> 'coupon_farm'
    ), d AS (
      SELECT s.*, ${r.pu('interest-source', 'us')} AS v,
        CAST(floor(${r.pu('interest-top', 'us')} * ${Q}) AS BIGINT) AS q,
        ${zipfRank(r.pu('interest-taste', 'us'), String(TASTE_LEAVES), 0.8)} AS tk,
        ${r.pu('interest-leaf', 'us')} AS ul
      FROM (SELECT s.*, (user_id << 4) | slot AS us FROM s) s
    ), e AS (
      SELECT d.user_id, d.slot,
        CASE WHEN d.v < ${SOURCE_TASTE} THEN 0 WHEN d.v < ${SOURCE_TASTE + SOURCE_DEMOGRAPHIC} THEN 1 ELSE 2 END AS source,
        CASE WHEN d.v < ${SOURCE_TASTE} THEN tl.leaf_id ELSE t.leaf0 + ${zipfRank('d.ul', 't.n_leaves', 1.0)} END AS leaf_id
      FROM d
      JOIN synth_taste tl ON tl.taste_group = d.taste_group AND tl.k = d.tk
      JOIN synth_demo_top dt ON dt.demo_key = d.demo_key AND dt.q = d.q
      JOIN synth_global_top gt ON gt.q = d.q
      JOIN synth_top t ON t.top_id = CASE WHEN d.v < ${SOURCE_TASTE + SOURCE_DEMOGRAPHIC} THEN dt.top_id ELSE gt.top_id END
    )
    SELECT e.user_id, e.slot, e.source, e.leaf_id, l.top_id, l.consumable
    FROM e JOIN synth_leaf l USING (leaf_id)`);
  // Per user, the slots as lists (sessions index them instead of joining), and the slot bought on a cycle:
  // for some users, their strongest consumable interest.
  const leaves = Array.from({ length: plan.slots }, (_, i) => `max(leaf_id) FILTER (WHERE slot = ${i})`).join(', ');
  await ctx.wh.run(`CREATE TEMP TABLE synth_slots AS
    SELECT user_id, leaves, CASE WHEN ${r.u('cycle', 'user_id')} < ${plan.cycleShare} THEN first_consumable END AS cycle_slot
    FROM (SELECT user_id, [${leaves}] AS leaves, min(slot) FILTER (WHERE consumable) AS first_consumable
          FROM synth_interest GROUP BY user_id)`);
}
