/**
 * The risk model's settings: which signals exist, what kind of abuse each is evidence of, its weight, and
 * the counts at which a signal reaches full strength. Every field has a default (docs/risk.md explains
 * each); a partial object merges field by field; unknown fields are refused.
 */
import { z } from 'zod';
import { describeZodError } from '../conditions/issues.js';
import { PortraitError } from '../errors.js';

export const RISK_KINDS = ['coupon_abuse', 'scalping'] as const;
export type RiskKind = (typeof RISK_KINDS)[number];

export const RISK_SIGNALS = [
  'shared_device',
  'shared_address',
  'registration_burst',
  'coupon_only',
  'emulator',
  'fast_limited_buys',
  'linked_limited_buys',
] as const;
export type RiskSignal = (typeof RISK_SIGNALS)[number];

/** The kind of abuse each signal is evidence of. */
export function riskSignalKind(signal: RiskSignal): RiskKind {
  switch (signal) {
    case 'shared_device':
    case 'shared_address':
    case 'registration_burst':
    case 'coupon_only':
    case 'emulator':
      return 'coupon_abuse';
    case 'fast_limited_buys':
    case 'linked_limited_buys':
      return 'scalping';
    default: {
      const never: never = signal;
      throw new Error(`unknown risk signal ${String(never)}`);
    }
  }
}

const weight = (d: number) => z.number().min(0).max(1).default(d);
const count = (d: number) => z.number().int().min(0).default(d);

/** Accounts on one device or address: ordinary up to `ordinary`, full strength from `saturated`. */
const crowd = (ordinary: number, saturated: number) =>
  z
    .strictObject({ ordinary: count(ordinary), saturated: count(saturated) })
    .refine((c) => c.saturated > c.ordinary, { message: 'saturated must be above ordinary', path: ['saturated'] })
    .default({ ordinary, saturated });

export const DEFAULT_RISK_WEIGHTS: Record<RiskSignal, number> = {
  shared_device: 0.4,
  shared_address: 0.3,
  registration_burst: 0.45,
  coupon_only: 0.35,
  emulator: 0.35,
  fast_limited_buys: 0.6,
  linked_limited_buys: 0.6,
};

export const RiskConfigSchema = z.strictObject({
  /** A user is flagged when the score (the larger of the two kinds' scores) reaches this. */
  threshold: z.number().gt(0).max(1).default(0.5),
  /** Each signal's evidence is weight x strength (strength 0..1); a kind's score is 1 - the product of (1 - evidence). */
  weights: z
    .strictObject({
      shared_device: weight(DEFAULT_RISK_WEIGHTS.shared_device),
      shared_address: weight(DEFAULT_RISK_WEIGHTS.shared_address),
      registration_burst: weight(DEFAULT_RISK_WEIGHTS.registration_burst),
      coupon_only: weight(DEFAULT_RISK_WEIGHTS.coupon_only),
      emulator: weight(DEFAULT_RISK_WEIGHTS.emulator),
      fast_limited_buys: weight(DEFAULT_RISK_WEIGHTS.fast_limited_buys),
      linked_limited_buys: weight(DEFAULT_RISK_WEIGHTS.linked_limited_buys),
    })
    .default(DEFAULT_RISK_WEIGHTS),
  /** Accounts on the user's most shared device, or delivery address (a couple sharing one is ordinary). */
  sharedAccounts: crowd(2, 10),
  /** Linked accounts (same device or address) registered within `windowSeconds` of the user, the user included. */
  burst: z
    .strictObject({
      windowSeconds: z.number().int().positive().default(3600),
      ordinary: count(2),
      saturated: count(6),
    })
    .refine((c) => c.saturated > c.ordinary, { message: 'saturated must be above ordinary', path: ['saturated'] })
    .default({ windowSeconds: 3600, ordinary: 2, saturated: 6 }),
  /** Coupon claimers: strength 1 - other / otherEvents, other = events that are not logins, coupon claims or uses, or coupon-paid buys. */
  couponOnly: z.strictObject({ otherEvents: z.number().int().positive().default(10) }).default({ otherEvents: 10 }),
  /** A buy of a limited item within `withinSeconds` of its release is fast; `saturated` fast-bought items give full strength. */
  fastBuy: z
    .strictObject({ withinSeconds: z.number().int().positive().default(60), saturated: z.number().int().positive().default(4) })
    .default({ withinSeconds: 60, saturated: 4 }),
  /** Other accounts, linked by a device or address, that fast-bought the same limited item: full strength at `saturated`. */
  linkedBuyers: z.strictObject({ saturated: z.number().int().positive().default(3) }).default({ saturated: 3 }),
});

export type RiskConfig = z.infer<typeof RiskConfigSchema>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type RiskConfigInput = DeepPartial<RiskConfig>;

export function defaultRiskConfig(): RiskConfig {
  return RiskConfigSchema.parse({});
}

/** Defaults merged with `input` (nested objects field by field); a bad field is a PortraitError naming it. */
export function resolveRiskConfig(input: RiskConfigInput | unknown = {}): RiskConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new PortraitError('risk config: expected an object');
  }
  const base = defaultRiskConfig() as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(input)) {
    const b = base[k];
    merged[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' ? { ...b, ...v } : v;
  }
  const parsed = RiskConfigSchema.safeParse(merged);
  if (!parsed.success) throw new PortraitError(`risk config: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
