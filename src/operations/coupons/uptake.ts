/**
 * Expected uptake of a coupon plan, from the audience's own history where it has enough of it:
 *
 *   claim rate     = audience members who claimed a coupon in the lookback window / audience members
 *   use rate       = matured claims used within the validity / matured claims, where a claim is matured
 *                    when it is at least the validity's length older than as-of (it had its whole chance),
 *                    and used when the same user has a coupon_use of the same coupon (properties.coupon_id,
 *                    when both events carry one) from the claim to validity days after it
 *   threshold reach = the audience's paid orders in the window worth at least the minimum spend / their paid orders
 *
 * A rate the plan gives wins; without history the documented defaults apply (docs/membership.md).
 */
import type { SqlParams } from '../../conditions/params.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { paidOrdersSql, type PaidOrderSource } from '../membership/paid-orders.js';
import type { CouponPlan } from './plan.js';

/** Assumptions used when there is no history to measure (not measurements; a plan should set its own). */
export const DEFAULT_UPTAKE = { claimRate: 0.25, useRate: 0.3, thresholdReach: 1 } as const;

export type RateSource = 'plan' | 'history' | 'all users' | 'default' | 'no threshold';

export interface Rate {
  value: number;
  source: RateSource;
}

export interface Uptake {
  lookbackDays: number;
  /** The least history that measures a use rate and a threshold reach (from the plan). */
  minClaims: number;
  minOrders: number;
  claimRate: Rate & { claimers: number; members: number };
  useRate: Rate & { matured: number; used: number };
  thresholdReach: Rate & { orders: number; reaching: number };
  /** Expected uses per issued coupon: claim rate (claim only) x use rate x threshold reach. */
  perCoupon: number;
}

interface HistoryRow {
  any_claims: boolean;
  claimers: number;
  matured: number;
  used: number;
  orders: number;
  reaching: number;
  all_orders: number;
  all_reaching: number;
}

/**
 * Measures and chooses the rates. `ctes` defines `aud` (the audience) with its parameters in `params`;
 * `audience` is its size.
 */
export async function estimateUptake(
  wh: Warehouse,
  params: SqlParams,
  ctes: string,
  audience: number,
  plan: CouponPlan,
  asOf: Date,
  validityDays: number,
  source: PaidOrderSource,
): Promise<Uptake> {
  const u = plan.uptake;
  const at = `CAST(${params.bind(asOf)} AS TIMESTAMP)`;
  const since = `(${at} - to_days(CAST(${params.bind(u.lookbackDays)} AS INTEGER)))`;
  const validity = `to_days(CAST(${params.bind(validityDays)} AS INTEGER))`;
  const minSpend = `CAST(${params.bind(plan.coupon.minSpend)} AS DOUBLE)`;
  const couponId = (e: string) => `json_extract_string(${e}.properties, '$.coupon_id')`;
  const [h] = await wh.query<HistoryRow>(
    `WITH ${ctes},
     claims AS (
       SELECT e.user_id, e.ts, ${couponId('e')} AS coupon FROM events e JOIN aud USING (user_id)
       WHERE e.type = 'coupon_claim' AND e.ts > ${since} AND e.ts <= ${at}),
     matured AS (
       SELECT c.*, EXISTS (
         SELECT 1 FROM events x WHERE x.type = 'coupon_use' AND x.user_id = c.user_id AND x.ts >= c.ts AND x.ts <= c.ts + ${validity}
           AND (c.coupon IS NULL OR ${couponId('x')} IS NULL OR ${couponId('x')} = c.coupon)) AS used
       FROM claims c WHERE c.ts <= ${at} - ${validity}),
     po AS (SELECT user_id, amount FROM (${paidOrdersSql(source, at)}) WHERE ts > ${since})
     SELECT EXISTS (SELECT 1 FROM events WHERE type = 'coupon_claim' AND ts > ${since} AND ts <= ${at}) AS any_claims,
       (SELECT count(DISTINCT user_id) FROM claims) AS claimers,
       (SELECT count(*) FROM matured) AS matured, (SELECT count(*) FILTER (WHERE used) FROM matured) AS used,
       (SELECT count(*) FROM po JOIN aud USING (user_id)) AS orders,
       (SELECT count(*) FROM po JOIN aud USING (user_id) WHERE po.amount >= ${minSpend}) AS reaching,
       (SELECT count(*) FROM po) AS all_orders, (SELECT count(*) FROM po WHERE amount >= ${minSpend}) AS all_reaching`,
    params.values,
  );
  const n = (v: unknown) => Number(v ?? 0);
  const claimers = n(h!.claimers);
  const matured = n(h!.matured);
  const used = n(h!.used);
  const orders = n(h!.orders);
  const reaching = n(h!.reaching);

  const claimRate: Rate =
    u.claimRate !== undefined ? { value: u.claimRate, source: 'plan' }
    : h!.any_claims && audience > 0 ? { value: claimers / audience, source: 'history' }
    : { value: DEFAULT_UPTAKE.claimRate, source: 'default' };
  const useRate: Rate =
    u.useRate !== undefined ? { value: u.useRate, source: 'plan' }
    : matured >= u.minClaims ? { value: used / matured, source: 'history' }
    : { value: DEFAULT_UPTAKE.useRate, source: 'default' };
  let reach: Rate & { orders: number; reaching: number };
  if (u.thresholdReach !== undefined) reach = { value: u.thresholdReach, source: 'plan', orders, reaching };
  else if (plan.coupon.minSpend === 0) reach = { value: 1, source: 'no threshold', orders, reaching };
  else if (orders >= u.minOrders) reach = { value: reaching / orders, source: 'history', orders, reaching };
  else if (n(h!.all_orders) >= u.minOrders) reach = { value: n(h!.all_reaching) / n(h!.all_orders), source: 'all users', orders: n(h!.all_orders), reaching: n(h!.all_reaching) };
  else reach = { value: DEFAULT_UPTAKE.thresholdReach, source: 'default', orders, reaching };

  const claimFactor = plan.distribution === 'claim' ? claimRate.value : 1;
  return {
    lookbackDays: u.lookbackDays,
    minClaims: u.minClaims,
    minOrders: u.minOrders,
    claimRate: { ...claimRate, claimers, members: audience },
    useRate: { ...useRate, matured, used },
    thresholdReach: reach,
    perCoupon: claimFactor * useRate.value * reach.value,
  };
}
