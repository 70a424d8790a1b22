/**
 * Points as of a time: one user's ledger, or every user's ledger replayed part by part (users split by
 * user_id modulo a number of parts, so memory stays bounded) and summed up. The ledger is derived from
 * orders, reviews and events each time, so the same data and rules give the same ledger.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { isKnownUser } from '../membership/known.js';
import { paidOrderSource, type PaidOrderSource } from '../membership/paid-orders.js';
import { pointsEntriesSql, readEntries } from './entries.js';
import { runLedger, type Ledger, type LedgerEntry, type LedgerTotals } from './ledger.js';
import type { ExpiryRules, IncentiveRules } from './rules.js';

export interface PointsOptions {
  asOf?: Date;
  rules: IncentiveRules;
  /** Ledger rows held in memory at once when replaying every user (default 2,000,000). */
  rowsPerPart?: number;
}

/** Entries per replay part by default: about this many are held in memory (as text, then objects) at once. */
const ROWS_PER_PART = 500_000;

export interface UserPoints {
  userId: number;
  asOf: Date;
  rules: string;
  orderSource: PaidOrderSource;
  expiry: ExpiryRules;
  yuanPerPoint: number;
  entries: LedgerEntry[];
  totals: LedgerTotals;
  /** The balance in yuan at the redemption ratio. */
  valueYuan: number;
}

export async function userPoints(ws: Workspace, userId: number, options: PointsOptions): Promise<UserPoints> {
  const { rules } = options;
  const asOf = await requireAsOf(ws.wh, options.asOf, 'points');
  if (!(await isKnownUser(ws.wh, userId, asOf))) {
    throw new PortraitError(`user ${userId} is not known as of ${asOf.toISOString().slice(0, 19).replace('T', ' ')}`, 'no event, order or users row names this user by then');
  }
  const source = await paidOrderSource(ws.wh);
  const params = new SqlParams();
  const [mine] = await readEntries(ws.wh, pointsEntriesSql(params, rules, { asOf, source, userId }), params.values);
  const ledger = runLedger(mine?.entries ?? [], asOf, rules.points.expiry);
  return {
    userId,
    asOf,
    rules: rules.name,
    orderSource: source,
    expiry: rules.points.expiry,
    yuanPerPoint: rules.points.redeem.yuanPerPoint,
    entries: ledger.entries,
    totals: ledger.totals,
    valueYuan: yuan(ledger.totals.balance * rules.points.redeem.yuanPerPoint),
  };
}

const yuan = (v: number) => Math.round(v * 100) / 100;

/** Replays every user's ledger, calling `each` per user in user order within each part. */
export async function replayLedgers(
  ws: Workspace,
  rules: IncentiveRules,
  asOf: Date,
  each: (userId: number, ledger: Ledger) => void | Promise<void>,
  rowsPerPart = ROWS_PER_PART,
): Promise<{ source: PaidOrderSource; parts: number }> {
  const source = await paidOrderSource(ws.wh);
  // An upper bound of the entries (order lines, reviews, redemption-type events), cheap to count.
  const [c] = await ws.wh.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM ${source === 'orders' ? 'orders' : "events WHERE type = 'buy'"}) + (SELECT count(*) FROM reviews)
       + (SELECT count(*) FROM events WHERE CAST(type AS VARCHAR) IN (${rules.points.redeem.eventTypes.map((_, i) => `$${i + 1}`).join(', ')})) AS n`,
    rules.points.redeem.eventTypes,
  );
  const parts = Math.max(1, Math.ceil(Number(c!.n) / rowsPerPart));
  for (let part = 0; part < parts; part++) {
    const params = new SqlParams();
    const sql = pointsEntriesSql(params, rules, { asOf, source, part: parts > 1 ? { part, of: parts } : undefined });
    for (const { userId, entries } of await readEntries(ws.wh, sql, params.values)) {
      await each(userId, runLedger(entries, asOf, rules.points.expiry));
    }
  }
  return { source, parts };
}

export interface PointsSummary {
  asOf: Date;
  rules: string;
  orderSource: PaidOrderSource;
  expiry: ExpiryRules;
  yuanPerPoint: number;
  /** Users with at least one ledger entry. */
  users: number;
  earned: number;
  redeemed: number;
  unfunded: number;
  expired: number;
  /** Points outstanding (the platform's liability) and their value in yuan. */
  balance: number;
  valueYuan: number;
  usersWithBalance: number;
  /** Balances of users with a ledger: quantiles (0 counts). */
  balances: { p50: number; p90: number; p99: number; max: number };
  entries: { earn: number; redeem: number; expire: number };
  /** Points of the balance that expire within `days` after as-of (if not spent first), and the users holding them. */
  expiringSoon: { days: number; points: number; users: number };
}

function quantile(sorted: Float64Array, q: number): number {
  // The value at 0-based index floor(q x n), as the engine's quantile_disc.
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
}

export async function pointsSummary(ws: Workspace, options: PointsOptions & { expiringWithinDays?: number }): Promise<PointsSummary> {
  const { rules } = options;
  const asOf = await requireAsOf(ws.wh, options.asOf, 'points');
  const days = options.expiringWithinDays ?? 30;
  const soon = asOf.getTime() + days * 86_400_000;
  const balances: number[] = [];
  const sum = { earned: 0, redeemed: 0, unfunded: 0, expired: 0, balance: 0, withBalance: 0, earn: 0, redeem: 0, expire: 0, soonPoints: 0, soonUsers: 0 };
  const { source } = await replayLedgers(ws, rules, asOf, (_user, ledger) => {
    const t = ledger.totals;
    sum.earned += t.earned;
    sum.redeemed += t.redeemed;
    sum.unfunded += t.unfunded;
    sum.expired += t.expired;
    sum.balance += t.balance;
    if (t.balance > 0) sum.withBalance++;
    balances.push(t.balance);
    for (const e of ledger.entries) sum[e.kind]++;
    const expiring = ledger.open.reduce((n, g) => (g.expiresAt !== null && g.expiresAt.getTime() <= soon ? n + g.points : n), 0);
    if (expiring > 0) {
      sum.soonPoints += expiring;
      sum.soonUsers++;
    }
  }, options.rowsPerPart);
  const sorted = Float64Array.from(balances).sort();
  return {
    asOf,
    rules: rules.name,
    orderSource: source,
    expiry: rules.points.expiry,
    yuanPerPoint: rules.points.redeem.yuanPerPoint,
    users: balances.length,
    earned: sum.earned,
    redeemed: sum.redeemed,
    unfunded: sum.unfunded,
    expired: sum.expired,
    balance: sum.balance,
    valueYuan: yuan(sum.balance * rules.points.redeem.yuanPerPoint),
    usersWithBalance: sum.withBalance,
    balances: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : 0 },
    entries: { earn: sum.earn, redeem: sum.redeem, expire: sum.expire },
    expiringSoon: { days, points: sum.soonPoints, users: sum.soonUsers },
  };
}
