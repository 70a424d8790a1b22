/**
 * Growth metrics per period (and per group with a breakdown): new users, DAU/WAU/MAU, active ratio,
 * visitors, buyers, orders, GMV, average order value, conversion, repurchase, ARPU and user growth, with
 * the change against the previous period and against the same period a year earlier. Every definition
 * is in docs/metrics.md.
 */
import type { Workspace } from '../../workspace/workspace.js';
import type { UserGrouping } from '../grouping.js';
import { addDays, bucketEnd, checkGrain, dayRange, type DayInput, type Grain } from './periods.js';
import { metricsSql, type OrderSource, type RawMetricsRow } from './sql.js';

export interface MetricsOptions {
  /** First day wanted (local calendar day); the period containing it is the first reported. */
  from: DayInput;
  /** Last day wanted; the period containing it is the last reported. */
  to: DayInput;
  grain: Grain;
  /** Break every metric down by a tag value or segment membership (see analytics/grouping.ts). */
  by?: UserGrouping;
}

export interface MetricValues {
  /** Users whose first event ever falls in the period. */
  newUsers: number;
  /** Users with at least one event in the period. */
  activeUsers: number;
  /** Users with an event on the period's last day. */
  dau: number;
  /** Users with an event in the 7 days ending on the period's last day. */
  wau: number;
  /** Users with an event in the 30 days ending on the period's last day. */
  mau: number;
  /** Mean over the period's days of that day's active users. */
  avgDau: number;
  /** Users whose first event is on or before the period's last day. */
  knownUsers: number;
  /** Users whose first event is before the period's first day. */
  knownAtStart: number;
  /** activeUsers / knownUsers. */
  activeRatio: number | null;
  /** Users with a pv or content_view event in the period. */
  visitors: number;
  /** Users with an order in the period. */
  buyers: number;
  orders: number;
  /** Sum of amounts paid for the period's orders; null when orders exist but none carries an amount. */
  gmv: number | null;
  /** Orders that carried an amount (GMV covers these). */
  pricedOrders: number;
  /** gmv / orders. */
  aov: number | null;
  /** buyers / visitors. */
  conversionRate: number | null;
  /** Buyers with orders on 2 or more days of the period / buyers. */
  repurchaseRate: number | null;
  /** Buyers who had ordered before the period started / buyers. */
  returningBuyerRate: number | null;
  /** gmv / activeUsers. */
  arpu: number | null;
  /** newUsers / knownAtStart. */
  userGrowthRate: number | null;
}

export type MetricName = keyof MetricValues;

/** The metrics compared across periods (everything but the bookkeeping counts). */
export const COMPARED_METRICS = [
  'newUsers', 'activeUsers', 'dau', 'wau', 'mau', 'avgDau', 'knownUsers', 'activeRatio', 'visitors', 'buyers', 'orders',
  'gmv', 'aov', 'conversionRate', 'repurchaseRate', 'returningBuyerRate', 'arpu', 'userGrowthRate',
] as const satisfies readonly MetricName[];
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** Relative change (current / earlier - 1) per metric; null where the earlier value is missing or 0. */
export type MetricChanges = Record<ComparedMetric, number | null>;

export interface MetricsRow {
  /** First day of the period, YYYY-MM-DD. */
  period: string;
  /** Last day of the period. */
  periodEnd: string;
  /** The group's value with a breakdown; null without one. */
  group: string | null;
  values: MetricValues;
  /** Against the previous period; null when that period has no active user (outside the data). */
  previousPeriod: string;
  change: MetricChanges | null;
  /** Against the same period a year earlier (52 weeks earlier for weeks); null when it has no active user. */
  yearAgoPeriod: string;
  yoy: MetricChanges | null;
}

export interface MetricsResult {
  from: string;
  to: string;
  grain: Grain;
  /** The breakdown's label ("tag gender"), or null. */
  by: string | null;
  /** Where orders, buyers and GMV come from: the orders table when it holds any row, else buy events. */
  orderSource: OrderSource;
  rows: MetricsRow[];
}

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

function days(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function metricValues(r: RawMetricsRow): MetricValues {
  const gmv = r.orders > 0 && r.priced === 0 ? null : (r.gmv ?? 0);
  return {
    newUsers: r.new_users,
    activeUsers: r.active,
    dau: r.dau,
    wau: r.wau,
    mau: r.mau,
    avgDau: r.user_days / days(r.period, r.period_end),
    knownUsers: r.known_end,
    knownAtStart: r.known_start,
    activeRatio: ratio(r.active, r.known_end),
    visitors: r.visitors,
    buyers: r.buyers,
    orders: r.orders,
    gmv,
    pricedOrders: r.priced,
    aov: ratio(gmv, r.orders),
    conversionRate: ratio(r.buyers, r.visitors),
    repurchaseRate: ratio(r.repeat_buyers, r.buyers),
    returningBuyerRate: ratio(r.returning_buyers, r.buyers),
    arpu: ratio(gmv, r.active),
    userGrowthRate: ratio(r.new_users, r.known_start),
  };
}

export function compareValues(now: MetricValues, before: MetricValues | undefined): MetricChanges | null {
  if (!before || before.activeUsers === 0) return null;
  const out = {} as MetricChanges;
  for (const m of COMPARED_METRICS) {
    const b = before[m];
    const n = now[m];
    out[m] = n === null || b === null || b === 0 ? null : n / b - 1;
  }
  return out;
}

async function orderSource(ws: Workspace): Promise<OrderSource> {
  const r = await ws.wh.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM orders) AS "any"');
  return r[0]?.any ? 'orders' : 'buy events';
}

export async function computeMetrics(ws: Workspace, options: MetricsOptions): Promise<MetricsResult> {
  const grain = checkGrain(options.grain, 'metrics');
  const { from, to } = dayRange(options.from, options.to, 'metrics');
  const source = await orderSource(ws);
  const { sql, params } = metricsSql({
    from,
    to,
    endExclusive: addDays(bucketEnd(to, grain), 1),
    grain,
    orderSource: source,
    by: options.by,
  });
  const raw = await ws.wh.query<RawMetricsRow>(sql, params.values);
  const values = new Map<string, MetricValues>();
  for (const r of raw) values.set(`${r.grp}\u0000${r.period}`, metricValues(r));
  const rows: MetricsRow[] = raw
    .filter((r) => r.requested)
    .map((r) => {
      const v = values.get(`${r.grp}\u0000${r.period}`)!;
      return {
        period: r.period,
        periodEnd: r.period_end,
        group: options.by ? r.grp : null,
        values: v,
        previousPeriod: r.prev_period,
        change: compareValues(v, values.get(`${r.grp}\u0000${r.prev_period}`)),
        yearAgoPeriod: r.year_ago_period,
        yoy: compareValues(v, values.get(`${r.grp}\u0000${r.year_ago_period}`)),
      };
    });
  return { from, to, grain, by: options.by?.label ?? null, orderSource: source, rows };
}
