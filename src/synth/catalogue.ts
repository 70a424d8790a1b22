/**
 * The catalogue: the category tree (top / second level / leaf), brands, items with heavy-tailed
 * popularity and log-normal prices, and a few limited releases. Built from taxonomy.ts and scaled to the
 * world: leaves and items grow with the number of users.
 *
 * Inside a leaf, items are numbered by price (index 0 is the cheapest), and popularity ranks map onto
 * those numbers through a fixed permutation, so price and popularity are independent and a price level
 * can still be chosen by moving along the index. Item ids scramble the global position so they look
 * like arbitrary ids.
 */
import { write, tempTable, type SynthContext } from './context.js';
import { Rng, zipfRank } from './random.js';
import { TOPS, brandName, type TopKey } from './taxonomy.js';

export const LEAF_ID0 = 10000;
export const BRANDS_PER_TOP = 40;
/** A prime larger than any leaf's item count: popularity rank -> price index is a bijection per leaf. */
export const RANK_PRIME = 1000003;

export interface LeafRow {
  leaf_id: number;
  top_id: number;
  top_key: TopKey;
  mid_id: number;
  pos: number;
  name: string;
  n_items: number;
  item_base: number;
  perm_off: number;
  mu: number;
  sigma: number;
  consumable: boolean;
  cycle_base: number;
  limited_mid: boolean;
  comp_leaf: number;
}

export interface Catalogue {
  leaves: LeafRow[];
  tops: { top_id: number; key: TopKey; leaf0: number; n_leaves: number }[];
  /** Total positions (ordinary items + limited releases) and the scramble of positions into ids. */
  positions: number;
  mulA: number;
  addB: number;
}

function largestRemainder(weights: number[], total: number, min: number): number[] {
  const free = total - min * weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * Math.max(0, free));
  const out = exact.map((x) => min + Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]!.i]! += 1;
  return out;
}

export function planCatalogue(ctx: SynthContext): Catalogue {
  const { plan } = ctx;
  const rng = new Rng(plan.seed, 'catalogue');
  const minPerTop = TOPS.map((t) => t.mids.length);
  const leavesTotal = Math.max(plan.leaves, minPerTop.reduce((a, b) => a + b, 0));
  const perTop = largestRemainder(
    TOPS.map((t) => t.breadth),
    leavesTotal - minPerTop.reduce((a, b) => a + b, 0),
    0,
  ).map((n, i) => n + minPerTop[i]!);

  const leaves: LeafRow[] = [];
  const tops: Catalogue['tops'] = [];
  let nextLeaf = LEAF_ID0;
  TOPS.forEach((top, ti) => {
    const topId = ti + 1;
    const perMid = largestRemainder(
      top.mids.map((m) => m.weight),
      perTop[ti]!,
      1,
    );
    const slots: { mi: number; k: number }[] = [];
    perMid.forEach((n, mi) => {
      for (let k = 0; k < n; k++) slots.push({ mi, k });
    });
    rng.shuffle(slots);
    tops.push({ top_id: topId, key: top.key, leaf0: nextLeaf, n_leaves: slots.length });
    slots.forEach(({ mi, k }, pos) => {
      const mid = top.mids[mi]!;
      leaves.push({
        leaf_id: nextLeaf++,
        top_id: topId,
        top_key: top.key,
        mid_id: topId * 100 + mi + 1,
        pos,
        name: perMid[mi]! > 1 ? `${mid.name} ${k + 1}` : mid.name,
        n_items: 0,
        item_base: 0,
        perm_off: 0,
        mu: Math.log(mid.median),
        sigma: mid.sigma,
        consumable: mid.cycle !== undefined,
        cycle_base: mid.cycle ?? 0,
        limited_mid: mid.limited === true,
        comp_leaf: 0,
      });
    });
  });

  // Items follow the leaf's popularity inside its top, more gently than views do.
  const weights = leaves.map((l) => TOPS[l.top_id - 1]!.breadth * (1 / Math.pow(l.pos + 1, 0.6)) / topNorm(tops[l.top_id - 1]!.n_leaves));
  const counts = largestRemainder(weights, Math.max(plan.items, leaves.length * 4), 4);
  let base = 0;
  leaves.forEach((l, i) => {
    l.n_items = counts[i]!;
    l.item_base = base;
    l.perm_off = rng.int(l.n_items);
    base += l.n_items;
  });

  // Complements: the paired second-level category's leaves, else another leaf of the same top.
  const byMid = new Map<number, LeafRow[]>();
  for (const l of leaves) byMid.set(l.mid_id, [...(byMid.get(l.mid_id) ?? []), l]);
  for (const l of leaves) {
    const top = TOPS[l.top_id - 1]!;
    const mid = top.mids[(l.mid_id % 100) - 1]!;
    const pairIdx = mid.pair ? top.mids.findIndex((m) => m.name === mid.pair) : -1;
    let pool = pairIdx >= 0 ? byMid.get(l.top_id * 100 + pairIdx + 1) ?? [] : [];
    if (pool.length === 0) pool = leaves.filter((x) => x.top_id === l.top_id && x.mid_id !== l.mid_id);
    if (pool.length === 0) pool = leaves.filter((x) => x.top_id === l.top_id && x.leaf_id !== l.leaf_id);
    const sorted = [...pool].sort((a, b) => a.pos - b.pos);
    l.comp_leaf = (sorted[Math.min(sorted.length - 1, rng.int(3))] ?? l).leaf_id;
  }

  const positions = base + plan.limitedItems;
  const mulA = [15485863, 1299709, 104729].find((p) => positions % p !== 0)!;
  return { leaves, tops, positions, mulA, addB: rng.int(positions) };
}

function topNorm(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += 1 / Math.pow(i + 1, 0.6);
  return s;
}

/** Item id of a global position. */
export function itemIdSql(cat: Catalogue, posExpr: string): string {
  return `(1 + ((CAST(${posExpr} AS BIGINT) * ${cat.mulA} + ${cat.addB}) % ${cat.positions}))`;
}

/** Price of the item at price index `idx` of a leaf with `n` items: log-normal by the leaf's mu, sigma. */
export function priceSql(mu: string, sigma: string, idx: string, n: string): string {
  // Tukey-lambda approximation of the normal quantile: cheap, monotone and close enough for prices.
  const q = `((CAST(${idx} AS DOUBLE) + 0.5) / CAST(${n} AS DOUBLE))`;
  return `CAST(GREATEST(1.0, round(exp(${mu} + ${sigma} * 4.91 * (pow(${q}, 0.14) - pow(1 - ${q}, 0.14))), 1) - 0.1) AS DECIMAL(18,2))`;
}

/**
 * Price index chosen for a popularity rank; `tilt` in [-1, 1] moves part of the choices to the cheap
 * (negative) or dear (positive) half, which is how income shows in what people look at and buy.
 */
export function priceIndexSql(rank: string, n: string, off: string, tilt: string, u: string): string {
  const idx = `((CAST(${rank} AS BIGINT) * ${RANK_PRIME} + ${off}) % ${n})`;
  return `(CASE WHEN ${u} < abs(${tilt}) AND ((${tilt} > 0 AND ${idx} * 2 < ${n}) OR (${tilt} < 0 AND ${idx} * 2 >= ${n}))
    THEN ${n} - 1 - ${idx} ELSE ${idx} END)`;
}

/**
 * Styles: every item is made for women or for men and for the young or the mature, read from its price
 * index (bit 0: 0 women, 1 men; bit 1: 0 young, 1 mature), so neighbours in price differ in style and a
 * viewer's lean can move a view to the neighbour of the same price. Brands follow the style: a top's
 * brands are in four groups of ten (brand k serves style k % 4).
 */
export const STYLE_GROUPS = 4;
/** Share of views that move to an item of the viewer's gender from one of the other gender's. */
export const GENDER_STYLE_TILT = 0.4;
/**
 * Per age band (taxonomy AGE_BANDS order): the share of views that move to the young style (negative)
 * or the mature style (positive). The young-style share of views falls steadily with age.
 */
export const AGE_STYLE_TILT: readonly number[] = [-0.5, -0.25, 0, 0.15, 0.35, 0.5];

/**
 * The price index after the viewer's style lean: `gbit` is the viewer's gender style (0 women, 1 men),
 * `atilt` the age lean in 1/65536 (negative: to the young style, positive: to the mature style); `ug`,
 * `ua` are 16-bit uniforms (0..65535).
 */
export function styleIndexSql(idx: string, n: string, gbit: string, atilt: string, ug: string, ua: string): string {
  const g = `(CASE WHEN (${idx} & 1) <> ${gbit} AND ${ug} < ${Math.round(GENDER_STYLE_TILT * 65536)} AND xor(${idx}, 1) < ${n} THEN xor(${idx}, 1) ELSE ${idx} END)`;
  return `(CASE WHEN ${ua} < abs(${atilt}) AND ((${g} >> 1) & 1) <> CASE WHEN ${atilt} > 0 THEN 1 ELSE 0 END AND xor(${g}, 2) < ${n}
    THEN xor(${g}, 2) ELSE ${g} END)`;
}

/** The age lean of an age band column, in 1/65536 (for styleIndexSql). */
export function ageTiltSql(band: string): string {
  return `[${AGE_STYLE_TILT.map((t) => Math.round(t * 65536)).join(', ')}][${band} + 1]`;
}

/** The catalogue's temporary tables: leaves, tops, categories, brands and limited releases. */
export async function buildCatalogue(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  await tempTable(
    ctx,
    'synth_leaf0',
    {
      leaf_id: 'BIGINT', top_id: 'BIGINT', top_key: 'VARCHAR', mid_id: 'BIGINT', pos: 'BIGINT', name: 'VARCHAR', n_items: 'BIGINT',
      item_base: 'BIGINT', perm_off: 'BIGINT', mu: 'DOUBLE', sigma: 'DOUBLE', consumable: 'BOOLEAN', cycle_base: 'BIGINT',
      limited_mid: 'BOOLEAN', comp_leaf: 'BIGINT',
    },
    cat.leaves as unknown as Record<string, string | number | boolean>[],
  );
  await ctx.wh.run(`CREATE TEMP TABLE synth_leaf AS
    SELECT l.*, ln(CAST(l.n_items AS DOUBLE) + 1) AS ln_n1
    FROM synth_leaf0 l`);
  await ctx.wh.run('DROP TABLE synth_leaf0');
  await tempTable(ctx, 'synth_top', { top_id: 'BIGINT', key: 'VARCHAR', leaf0: 'BIGINT', n_leaves: 'BIGINT' }, cat.tops);

  const categoryRows: { category_id: number; parent_id: number | null; name: string; level: number }[] = [];
  TOPS.forEach((t, ti) => {
    categoryRows.push({ category_id: ti + 1, parent_id: null, name: t.name, level: 1 });
    t.mids.forEach((m, mi) => categoryRows.push({ category_id: (ti + 1) * 100 + mi + 1, parent_id: ti + 1, name: m.name, level: 2 }));
  });
  for (const l of cat.leaves) categoryRows.push({ category_id: l.leaf_id, parent_id: l.mid_id, name: l.name, level: 3 });
  await tempTable(ctx, 'synth_categories', { category_id: 'BIGINT', parent_id: 'BIGINT', name: 'VARCHAR', level: 'BIGINT' }, categoryRows);
  const brands: { top_id: number; k: number; brand: string }[] = [];
  TOPS.forEach((_, ti) => {
    for (let k = 0; k < BRANDS_PER_TOP; k++) brands.push({ top_id: ti + 1, k, brand: brandName(ti, k) });
  });
  await tempTable(ctx, 'synth_brand', { top_id: 'BIGINT', k: 'BIGINT', brand: 'VARCHAR' }, brands);

  // Limited releases: new phones, sneakers, lipstick editions, each going on sale at 10:00 or 20:00.
  const rng = new Rng(plan.seed, 'limited');
  const limitedLeaves = cat.leaves.filter((l) => l.limited_mid).sort((a, b) => a.pos - b.pos);
  const base = cat.positions - plan.limitedItems;
  const limited = Array.from({ length: plan.limitedItems }, (_, i) => {
    const leaf = limitedLeaves[Math.min(limitedLeaves.length - 1, Math.floor(Math.pow(rng.next(), 2) * limitedLeaves.length))]!;
    const day = 1 + rng.int(Math.max(1, plan.days - 1));
    const price = Math.round(Math.exp(leaf.mu) * (1.5 + 1.5 * rng.next())) - 0.01;
    return { pos: base + i, leaf_id: leaf.leaf_id, top_id: leaf.top_id, name: leaf.name, release_sec: day * 86400 + (rng.next() < 0.5 ? 10 : 20) * 3600, price };
  });
  await tempTable(
    ctx,
    'synth_limited0',
    { pos: 'BIGINT', leaf_id: 'BIGINT', top_id: 'BIGINT', name: 'VARCHAR', release_sec: 'BIGINT', price: 'DOUBLE' },
    limited,
  );
  await ctx.wh.run(`CREATE TEMP TABLE synth_limited AS
    SELECT ${itemIdSql(cat, 'pos')} AS item_id, pos, leaf_id, top_id, name, release_sec, CAST(price AS DECIMAL(18,2)) AS price,
           row_number() OVER (ORDER BY pos) - 1 AS k
    FROM synth_limited0`);
  await ctx.wh.run('DROP TABLE synth_limited0');
}

/** The categories and items tables. */
export async function writeCatalogue(ctx: SynthContext, cat: Catalogue): Promise<void> {
  const { r, plan } = ctx;
  await write(ctx, 'categories', 'INSERT INTO categories SELECT category_id, parent_id, name, level FROM synth_categories');

  // A brand of the item's style (four groups of ten), Zipf-popular inside the group.
  const brandK = `(${STYLE_GROUPS} * ${zipfRank(r.u('brand', 'leaf_id', 'idx'), String(BRANDS_PER_TOP / STYLE_GROUPS), 1.1)} + (idx & 3))`;
  await write(
    ctx,
    'items',
    `INSERT INTO items (item_id, category_id, brand, price, consumable, limited, released_at, title)
     SELECT ${itemIdSql(cat, 'x.item_base + x.idx')}, x.leaf_id, b.brand, ${priceSql('x.mu', 'x.sigma', 'x.idx', 'x.n_items')},
            x.consumable, false, NULL, b.brand || ' ' || x.name
     FROM (SELECT y.*, ${brandK} AS bk FROM (SELECT l.leaf_id, l.top_id, l.name, l.item_base, l.mu, l.sigma, l.n_items, l.consumable,
                  unnest(range(l.n_items)) AS idx FROM synth_leaf l) y) x
     JOIN synth_brand b ON b.top_id = x.top_id AND b.k = x.bk`,
  );

  await write(
    ctx,
    'items',
    `INSERT INTO items (item_id, category_id, brand, price, consumable, limited, released_at, title)
     SELECT l.item_id, l.leaf_id, b.brand, l.price, false, true, make_timestamp((${plan.epoch0} + l.release_sec) * 1000000),
            b.brand || ' ' || l.name || ' limited edition ' || CAST(l.k + 1 AS VARCHAR)
     FROM synth_limited l JOIN synth_brand b ON b.top_id = l.top_id AND b.k = l.k % ${BRANDS_PER_TOP}`,
  );
}
