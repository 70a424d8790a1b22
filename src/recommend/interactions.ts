/**
 * The workspace's interactions for the recommenders: one row per pv, fav, cart or buy event with an item,
 * at or before as-of, weighted by behaviour, as the relation `user_id, item_id, ts, weight` the algorithms
 * take (src/recommend/algorithms/types.ts). Gift purchases (table `gift_purchases`, docs/noise.md) are left
 * out with the gift item's other events by the same user from the day of the purchase on (the views and
 * cart of choosing it, a later review), as interest scores leave them out: a gift is not the buyer's taste.
 */
import { z } from 'zod';
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { InteractionsRelation } from './algorithms/types.js';
import { Params, tableExists } from './sources/sql.js';

export const BehaviourWeightsSchema = z
  .object({
    pv: z.number().min(0).default(1),
    fav: z.number().min(0).default(2),
    cart: z.number().min(0).default(3),
    buy: z.number().min(0).default(4),
  })
  .strict();
export type BehaviourWeights = z.infer<typeof BehaviourWeightsSchema>;

export const DEFAULT_BEHAVIOUR_WEIGHTS: BehaviourWeights = { pv: 1, fav: 2, cart: 3, buy: 4 };

export interface InteractionsOptions {
  asOf: Date;
  weights?: Partial<BehaviourWeights>;
  /** Leave gift purchases out (default: when `gift_purchases` exists). */
  excludeGifts?: boolean;
}

/** The relation; `excludeGifts` must be decided by the caller (see `workspaceInteractions`). */
export function interactionsSql(options: { asOf: Date; weights: BehaviourWeights; excludeGifts: boolean }): InteractionsRelation {
  const p = new Params();
  const w = options.weights;
  const weight = `CASE e.type WHEN 'pv' THEN ${p.value(w.pv)} WHEN 'fav' THEN ${p.value(w.fav)} WHEN 'cart' THEN ${p.value(w.cart)} ELSE ${p.value(w.buy)} END`;
  const asOf = p.value(options.asOf);
  // An interaction on or after the day of a flagged gift of the same item is left out. A left join on each
  // pair's first gift day, not NOT EXISTS with the day comparison, which DuckDB runs as a far slower join.
  const gifts = options.excludeGifts
    ? `LEFT JOIN (SELECT user_id, item_id, min(CAST(ts AS DATE)) AS gift_day FROM gift_purchases GROUP BY user_id, item_id) g
         ON g.user_id = e.user_id AND g.item_id = e.item_id`
    : '';
  return p.relation(
    `SELECT e.user_id, e.item_id, e.ts, CAST(${weight} AS DOUBLE) AS weight
     FROM events e ${gifts}
     WHERE e.type IN ('pv', 'fav', 'cart', 'buy') AND e.item_id IS NOT NULL AND e.ts <= CAST(${asOf} AS TIMESTAMP)
       ${options.excludeGifts ? 'AND (g.gift_day IS NULL OR CAST(e.ts AS DATE) < g.gift_day)' : ''}`,
  );
}

/** The workspace's interactions as of `asOf`, gifts left out when they have been flagged. */
export async function workspaceInteractions(wh: Warehouse, options: InteractionsOptions): Promise<InteractionsRelation> {
  const parsed = BehaviourWeightsSchema.safeParse(options.weights ?? {});
  if (!parsed.success) throw new PortraitError(`behaviour weights: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const hasGifts = await tableExists(wh, 'gift_purchases');
  if (options.excludeGifts === true && !hasGifts) {
    throw new PortraitError('gift purchases have not been flagged', 'run portrait build (or portrait noise build) first');
  }
  return interactionsSql({ asOf: options.asOf, weights: parsed.data, excludeGifts: options.excludeGifts ?? hasGifts });
}
