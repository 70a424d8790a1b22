/**
 * The feature spec: which parts of the stored portrait become a user's feature vector, and how much each
 * part weighs. See docs/similarity.md.
 *
 * A vector is made of blocks. Each block is scaled to length sqrt(weight) for every user that has it, and
 * the whole vector then to length 1, so the cosine of two users is sum_b w_b cos_b / sqrt(W_u W_v) (W: the
 * total weight of the blocks a user holds) and the weights say how much of "alike" each block is.
 */
import { PortraitError } from '../../errors.js';

/** One interest dimension as sparse features: the `top` tags held by most users (score >= minScore). */
export interface InterestFeature {
  dimension: string;
  /** How many of the dimension's tags (by users holding them) become features. */
  top: number;
  /** Scores below this count as absent (0-10). */
  minScore: number;
  /** The block's share of the squared length of a vector. */
  weight: number;
}

/** A numeric tag (from tag_values.num), log-scaled if asked, standardised and clipped to +-3 sd. */
export interface NumericFeature {
  tag: string;
  log: boolean;
}

/** A text tag (tag_values.txt), one-hot: one feature per value. */
export interface CategoricalFeature {
  tag: string;
}

export interface FeatureSpec {
  interest: InterestFeature[];
  numeric: NumericFeature[];
  /** Weight of the numeric block. */
  numericWeight: number;
  categorical: CategoricalFeature[];
  /** Weight of the one-hot block. */
  categoricalWeight: number;
}

const log = (tag: string): NumericFeature => ({ tag, log: true });
const plain = (tag: string): NumericFeature => ({ tag, log: false });

/** The default spec: interests first (what a user likes), then how much and how they shop, then who they are. */
export function defaultFeatureSpec(): FeatureSpec {
  return {
    interest: [
      { dimension: 'category', top: 2000, minScore: 0, weight: 1 },
      { dimension: 'brand', top: 300, minScore: 0.5, weight: 0.1 },
      { dimension: 'content_tag', top: 100, minScore: 0.5, weight: 0.05 },
    ],
    numeric: [
      log('pv_30d'),
      log('cart_90d'),
      log('fav_90d'),
      log('buy_90d'),
      log('purchase_amount_90d'),
      log('average_order_value'),
      plain('price_percentile'),
      plain('active_days_30d'),
      log('clv'),
      log('content_view_90d'),
      log('live_watch_90d'),
      log('share_90d'),
      log('session_minutes'),
      plain('weekend_share'),
      log('device_price'),
      log('friend_count'),
    ],
    numericWeight: 0.05,
    categorical: [{ tag: 'gender' }, { tag: 'age_band' }, { tag: 'price_level' }, { tag: 'device_tier' }, { tag: 'channel' }],
    categoricalWeight: 0.05,
  };
}

export type FeatureSpecInput = Partial<FeatureSpec>;

/** The default spec with the given parts replaced (a part is replaced whole), checked. */
export function resolveFeatureSpec(input: FeatureSpecInput = {}): FeatureSpec {
  const spec: FeatureSpec = { ...defaultFeatureSpec(), ...input };
  const bad = (field: string, why: string): never => {
    throw new PortraitError(`feature spec: field ${field}: ${why}`);
  };
  const weight = (field: string, w: number) => {
    if (!Number.isFinite(w) || w < 0) bad(field, 'expected a weight of 0 or more');
  };
  const seen = new Set<string>();
  spec.interest.forEach((f, i) => {
    if (!f.dimension) bad(`interest[${i}].dimension`, 'expected a dimension name');
    if (seen.has(f.dimension)) bad(`interest[${i}].dimension`, `dimension "${f.dimension}" given twice`);
    seen.add(f.dimension);
    if (!Number.isInteger(f.top) || f.top < 1) bad(`interest[${i}].top`, 'expected a whole number, at least 1');
    if (!Number.isFinite(f.minScore) || f.minScore < 0 || f.minScore > 10) bad(`interest[${i}].minScore`, 'expected a score from 0 to 10');
    weight(`interest[${i}].weight`, f.weight);
  });
  spec.numeric.forEach((f, i) => {
    if (!f.tag) bad(`numeric[${i}].tag`, 'expected a tag key');
  });
  spec.categorical.forEach((f, i) => {
    if (!f.tag) bad(`categorical[${i}].tag`, 'expected a tag key');
  });
  weight('numericWeight', spec.numericWeight);
  weight('categoricalWeight', spec.categoricalWeight);
  const total = spec.interest.reduce((s, f) => s + f.weight, 0) + spec.numericWeight + spec.categoricalWeight;
  if (!(total > 0)) bad('weight', 'every block weighs 0');
  return spec;
}
