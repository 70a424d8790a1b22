/**
 * Reading the naughty value: one user's breakdown and 88VIP price, or the distribution over every known
 * user, computed as of a time from the warehouse with the given rules (the stored table `user_membership`
 * is the build's copy, for tags).
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { naughtySql, type NaughtyRow } from './naughty.js';
import { paidOrderSource, type PaidOrderSource } from './paid-orders.js';
import { NAUGHTY_COMPONENTS, type MembershipRules, type NaughtyComponent } from './rules.js';

export interface MembershipOptions {
  asOf?: Date;
  /** Rules (with a name to report); default the built-in ones. */
  rules: MembershipRules & { name: string };
}

export interface ComponentScore {
  component: NaughtyComponent;
  /** What was counted: yuan paid, active days, interaction events, quality reviews. */
  measure: number;
  score: number;
  cap: number;
}

export interface MemberCard {
  userId: number;
  asOf: Date;
  /** The window's first instant (exclusive): as-of less windowMonths. */
  since: Date;
  rules: string;
  orderSource: PaidOrderSource;
  orders: number;
  naughtyValue: number;
  components: ComponentScore[];
  vip: { threshold: number; eligible: boolean; price: number; memberPrice: number; regularPrice: number; /** Points still missing for the member price; 0 when eligible. */ short: number };
}

export interface NaughtyBin {
  from: number;
  /** Exclusive upper bound; null for the last, open bin. */
  to: number | null;
  users: number;
  share: number;
}

export interface MembershipDistribution {
  asOf: Date;
  since: Date;
  rules: string;
  orderSource: PaidOrderSource;
  users: number;
  vip: { threshold: number; eligible: number; eligibleShare: number; memberPrice: number; regularPrice: number };
  naughtyValue: { mean: number; p25: number; p50: number; p75: number; p90: number; p99: number; max: number };
  bins: NaughtyBin[];
  components: { component: NaughtyComponent; mean: number; cap: number; atCap: number; atCapShare: number }[];
}

/** The naughty value's histogram: bins of this width up to `BIN_TOP`, then one open bin. */
export const BIN_WIDTH = 200;
export const BIN_TOP = 2000;

async function windowStart(wh: Warehouse, asOf: Date, months: number): Promise<Date> {
  const r = await wh.query<{ since: Date }>('SELECT CAST($1 AS TIMESTAMP) - to_months(CAST($2 AS INTEGER)) AS since', [asOf, months]);
  return r[0]!.since;
}

const CAPS = (rules: MembershipRules): Record<NaughtyComponent, number> => ({
  spending: rules.naughty.spending.cap,
  activeDays: rules.naughty.activeDays.cap,
  interactions: rules.naughty.interactions.cap,
  reviews: rules.naughty.reviews.cap,
});

const SCORE_COLUMN: Record<NaughtyComponent, keyof NaughtyRow> = {
  spending: 'spending_score',
  activeDays: 'activity_score',
  interactions: 'interaction_score',
  reviews: 'review_score',
};
const MEASURE_COLUMN: Record<NaughtyComponent, keyof NaughtyRow> = {
  spending: 'spend',
  activeDays: 'active_days',
  interactions: 'interactions',
  reviews: 'quality_reviews',
};

export async function memberCard(ws: Workspace, userId: number, options: MembershipOptions): Promise<MemberCard> {
  const { rules } = options;
  const asOf = await requireAsOf(ws.wh, options.asOf, 'member');
  const source = await paidOrderSource(ws.wh);
  const params = new SqlParams();
  const rows = await ws.wh.query<NaughtyRow>(naughtySql(params, rules, { asOf, source, userId }), params.values);
  const row = rows[0];
  if (!row) throw new PortraitError(`user ${userId} is not known as of ${asOf.toISOString().slice(0, 19).replace('T', ' ')}`, 'no event, order or users row names this user by then');
  const caps = CAPS(rules);
  const { vip } = rules;
  return {
    userId,
    asOf,
    since: await windowStart(ws.wh, asOf, rules.naughty.windowMonths),
    rules: rules.name,
    orderSource: source,
    orders: Number(row.orders),
    naughtyValue: Number(row.naughty_value),
    components: NAUGHTY_COMPONENTS.map((c) => ({ component: c, measure: Number(row[MEASURE_COLUMN[c]]), score: Number(row[SCORE_COLUMN[c]]), cap: caps[c] })),
    vip: {
      threshold: vip.threshold,
      eligible: Boolean(row.vip_eligible),
      price: Number(row.vip_price),
      memberPrice: vip.memberPrice,
      regularPrice: vip.regularPrice,
      short: Math.max(0, Math.ceil(vip.threshold - Number(row.naughty_value))),
    },
  };
}

export async function membershipDistribution(ws: Workspace, options: MembershipOptions): Promise<MembershipDistribution> {
  const { rules } = options;
  const asOf = await requireAsOf(ws.wh, options.asOf, 'member');
  const source = await paidOrderSource(ws.wh);
  const params = new SqlParams();
  const inner = naughtySql(params, rules, { asOf, source });
  const caps = CAPS(rules);
  const capParams = NAUGHTY_COMPONENTS.map((c) => params.bind(caps[c]));
  const [s] = await ws.wh.query<Record<string, unknown>>(
    `WITH n AS MATERIALIZED (${inner}),
     b AS (SELECT CAST(least(floor(naughty_value / ${BIN_WIDTH}), ${BIN_TOP / BIN_WIDTH}) AS INTEGER) AS bin, CAST(count(*) AS INTEGER) AS users FROM n GROUP BY 1)
     SELECT count(*) AS users, count(*) FILTER (WHERE vip_eligible) AS eligible,
       avg(naughty_value) AS mean, quantile_disc(naughty_value, 0.25) AS p25, quantile_disc(naughty_value, 0.5) AS p50,
       quantile_disc(naughty_value, 0.75) AS p75, quantile_disc(naughty_value, 0.9) AS p90, quantile_disc(naughty_value, 0.99) AS p99,
       max(naughty_value) AS max,
       ${NAUGHTY_COMPONENTS.map((c, i) => `avg(${SCORE_COLUMN[c]}) AS mean_${i}, count(*) FILTER (WHERE ${SCORE_COLUMN[c]} >= floor(${capParams[i]})) AS cap_${i}`).join(',\n       ')},
       (SELECT list({'bin': bin, 'users': users} ORDER BY bin) FROM b) AS bins
     FROM n`,
    params.values,
  );
  const binRows = (s!.bins ?? []) as { bin: number; users: number }[];
  const users = Number(s!.users);
  const byBin = new Map(binRows.map((r) => [Number(r.bin), Number(r.users)]));
  const bins: NaughtyBin[] = [];
  for (let b = 0; b <= BIN_TOP / BIN_WIDTH; b++) {
    const n = byBin.get(b) ?? 0;
    bins.push({ from: b * BIN_WIDTH, to: b * BIN_WIDTH < BIN_TOP ? (b + 1) * BIN_WIDTH : null, users: n, share: users ? n / users : 0 });
  }
  const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  return {
    asOf,
    since: await windowStart(ws.wh, asOf, rules.naughty.windowMonths),
    rules: rules.name,
    orderSource: source,
    users,
    vip: {
      threshold: rules.vip.threshold,
      eligible: num(s!.eligible),
      eligibleShare: users ? num(s!.eligible) / users : 0,
      memberPrice: rules.vip.memberPrice,
      regularPrice: rules.vip.regularPrice,
    },
    naughtyValue: { mean: num(s!.mean), p25: num(s!.p25), p50: num(s!.p50), p75: num(s!.p75), p90: num(s!.p90), p99: num(s!.p99), max: num(s!.max) },
    bins,
    components: NAUGHTY_COMPONENTS.map((c, i) => ({
      component: c,
      mean: num(s![`mean_${i}`]),
      cap: caps[c],
      atCap: num(s![`cap_${i}`]),
      atCapShare: users ? num(s![`cap_${i}`]) / users : 0,
    })),
  };
}
