/**
 * The points ledger of one user, replayed in time order: earned points form lots; a redemption spends the
 * oldest lots first (they expire first), and only what the balance holds (the rest is "unfunded": the
 * source spent points these rules never gave); at a lot's expiry instant whatever is left of it expires.
 * Several lots expiring at the same instant make one expire entry. Pure and deterministic.
 */
import { expiresAt } from './expiry.js';
import type { ExpiryRules } from './rules.js';

export type EarnSource = 'order' | 'review';
export type LedgerKind = 'earn' | 'redeem' | 'expire';

/** What the warehouse says happened: points earned by an order or review, or asked for by an event. */
export interface RawPointsEntry {
  ts: Date;
  kind: 'earn' | 'redeem';
  source: EarnSource | 'event';
  /** The order, review or event id. */
  ref: string;
  /** Whole points, above 0. */
  points: number;
}

export interface LedgerEntry {
  ts: Date;
  kind: LedgerKind;
  source: EarnSource | 'event' | 'expiry';
  ref: string | null;
  /** Signed: + earned, - redeemed or expired. */
  points: number;
  /** For a redemption: the points asked for (points = -min(requested, balance)). */
  requested: number | null;
  /** For a redemption: the points asked for beyond the balance. */
  unfunded: number;
  /** For an earn entry: when those points expire (null: never). */
  expiresAt: Date | null;
  /** Balance after the entry. */
  balance: number;
}

export interface LedgerTotals {
  earned: number;
  redeemed: number;
  unfunded: number;
  expired: number;
  balance: number;
  /** The next expiry after as-of with the points it will take, if nothing is spent before. */
  nextExpiry: { at: Date; points: number } | null;
}

export interface Ledger {
  entries: LedgerEntry[];
  totals: LedgerTotals;
  /** The balance as of the end, by expiry instant, soonest first (null: never expires). */
  open: { expiresAt: Date | null; points: number }[];
}

interface Lot {
  expiresAt: Date | null;
  remaining: number;
}

const KIND_ORDER = { earn: 0, redeem: 1 } as const;

/** Time order; at one instant earnings before redemptions (an order then spending its points), then by source and id. */
export function compareRaw(a: RawPointsEntry, b: RawPointsEntry): number {
  return a.ts.getTime() - b.ts.getTime() || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
}

export function runLedger(raw: readonly RawPointsEntry[], asOf: Date, expiry: ExpiryRules): Ledger {
  const sorted = [...raw].filter((e) => e.ts.getTime() <= asOf.getTime()).sort(compareRaw);
  const lots: Lot[] = [];
  const entries: LedgerEntry[] = [];
  const totals: LedgerTotals = { earned: 0, redeemed: 0, unfunded: 0, expired: 0, balance: 0, nextExpiry: null };

  // Lots are kept in earning order, which is also expiry order (expiry never decreases with the earning time).
  const expireUpTo = (t: number) => {
    while (lots.length && lots[0]!.expiresAt !== null && lots[0]!.expiresAt.getTime() <= t) {
      const at = lots[0]!.expiresAt;
      let points = 0;
      while (lots.length && lots[0]!.expiresAt?.getTime() === at.getTime()) points += lots.shift()!.remaining;
      if (points > 0) {
        totals.expired += points;
        totals.balance -= points;
        entries.push({ ts: at, kind: 'expire', source: 'expiry', ref: null, points: -points, requested: null, unfunded: 0, expiresAt: null, balance: totals.balance });
      }
    }
  };

  for (const e of sorted) {
    expireUpTo(e.ts.getTime());
    switch (e.kind) {
      case 'earn': {
        const at = expiresAt(e.ts, expiry);
        lots.push({ expiresAt: at, remaining: e.points });
        totals.earned += e.points;
        totals.balance += e.points;
        entries.push({ ts: e.ts, kind: 'earn', source: e.source, ref: e.ref, points: e.points, requested: null, unfunded: 0, expiresAt: at, balance: totals.balance });
        break;
      }
      case 'redeem': {
        const spent = Math.min(e.points, totals.balance);
        let left = spent;
        while (left > 0) {
          const lot = lots[0]!;
          const take = Math.min(left, lot.remaining);
          lot.remaining -= take;
          left -= take;
          if (lot.remaining === 0) lots.shift();
        }
        totals.redeemed += spent;
        totals.unfunded += e.points - spent;
        totals.balance -= spent;
        entries.push({ ts: e.ts, kind: 'redeem', source: e.source, ref: e.ref, points: -spent, requested: e.points, unfunded: e.points - spent, expiresAt: null, balance: totals.balance });
        break;
      }
      default: {
        const never: never = e.kind;
        throw new Error(`unknown entry kind ${String(never)}`);
      }
    }
  }
  expireUpTo(asOf.getTime());

  const open: Ledger['open'] = [];
  for (const lot of lots) {
    const last = open.at(-1);
    if (last && last.expiresAt?.getTime() === lot.expiresAt?.getTime()) last.points += lot.remaining;
    else open.push({ expiresAt: lot.expiresAt, points: lot.remaining });
  }
  const next = open.find((g) => g.expiresAt !== null && g.points > 0);
  if (next) totals.nextExpiry = { at: next.expiresAt!, points: next.points };
  return { entries, totals, open };
}
