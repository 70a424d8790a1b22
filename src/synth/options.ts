/**
 * What a caller asks for (users, days, seed, preset) and the world plan derived from it: sizes of the
 * catalogue, behaviour rates and the shares of every latent trait. Everything the generators need to know
 * about scale comes from here, so a preset is one place.
 */
import { PortraitError } from '../errors.js';

export type SynthPreset = 'default' | 'taobao';

export interface SynthOptions {
  users: number;
  days: number;
  seed: number;
  preset?: SynthPreset;
  /** YYYY-MM-DD: the local day of the first event. */
  start?: string;
}

/** The last day of the public Taobao sample; default worlds end on it so they line up with it. */
const TAOBAO_LAST_DAY = '2017-12-03';
const TAOBAO_FIRST_DAY = '2017-11-25';
const TAOBAO_DAYS = 9;

export function resolveSynthOptions(partial: Partial<SynthOptions>): SynthOptions {
  const preset: SynthPreset = partial.preset ?? 'default';
  if (preset !== 'default' && preset !== 'taobao') {
    throw new PortraitError(`unknown synth preset ${String(preset)}`, 'use default or taobao');
  }
  const users = partial.users ?? 20000;
  const seed = partial.seed ?? 42;
  if (!Number.isSafeInteger(users) || users < 50 || users > 50_000_000) {
    throw new PortraitError(`users must be a whole number between 50 and 50,000,000 (got ${users})`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    throw new PortraitError(`seed must be a whole number between 0 and 2147483647 (got ${seed})`);
  }
  if (preset === 'taobao') {
    return { users, days: TAOBAO_DAYS, seed, preset, start: TAOBAO_FIRST_DAY };
  }
  const days = partial.days ?? 60;
  if (!Number.isSafeInteger(days) || days < 2 || days > 730) {
    throw new PortraitError(`days must be a whole number between 2 and 730 (got ${days})`);
  }
  const start = partial.start ?? addDays(TAOBAO_LAST_DAY, -(days - 1));
  parseDay(start);
  return { users, days, seed, preset, start };
}

export function parseDay(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new PortraitError(`start must be a day written YYYY-MM-DD (got ${day})`);
  }
  return ms;
}

function addDays(day: string, n: number): string {
  return new Date(parseDay(day) + n * 86400000).toISOString().slice(0, 10);
}

/** Behaviour mix among pv/fav/cart/buy (the public Taobao sample's). */
export interface Mix {
  pv: number;
  fav: number;
  cart: number;
  buy: number;
}

export interface WorldPlan {
  options: Required<SynthOptions>;
  users: number;
  days: number;
  seed: number;
  /**
   * Seconds since 1970 of the first day's local midnight, read as if it were UTC: event times are
   * local wall-clock TIMESTAMPs, so they are built from this naive epoch.
   */
  epoch0: number;
  /** Leaf categories and ordinary items; limited releases come on top. */
  leaves: number;
  items: number;
  limitedItems: number;
  tasteGroups: number;
  /** Interest slots per user (weighted 1/(slot+1) when a session picks one). */
  slots: number;
  /** Mean pv/fav/cart/buy events per user over the whole window, all mechanisms together. */
  corePerUser: number;
  /** Mean events in a browsing session (geometric, at least one). */
  sessionLength: number;
  mix: Mix;
  /** Share of users who already existed before the first day (the rest arrive during the window). */
  existingShare: number;
  /** A pause of at least this many days makes a user dormant; twice it, churned. */
  gapDays: number;
  farmShare: number;
  scalperShare: number;
  giftShare: number;
  /** Share of users whose strongest consumable interest is bought on a cycle. */
  cycleShare: number;
  /** Shortest and longest purchase cycle in days. */
  cycleDays: [number, number];
  creatorShare: number;
  inviteShare: number;
}

export function planWorld(o: SynthOptions): WorldPlan {
  const options = resolveSynthOptions(o) as Required<SynthOptions>;
  const taobao = options.preset === 'taobao';
  const u = options.users;
  // Taobao: 9,439 categories and 4.16M items at 988k users. Items scale with users, categories more slowly.
  const leaves = Math.max(60, Math.min(9439, Math.round(9439 * Math.sqrt(u / 1e6))));
  const items = Math.max(leaves * 8, Math.round(4.16 * u));
  return {
    options,
    users: u,
    days: options.days,
    seed: options.seed,
    epoch0: parseDay(options.start) / 1000,
    leaves,
    items,
    limitedItems: Math.max(6, Math.round(u / 4000)),
    tasteGroups: Math.max(8, Math.min(64, Math.round(8 * Math.log10(u)))),
    slots: 6,
    // About 100 per user, as in the public sample; long default worlds keep its daily pace beyond 60 days.
    corePerUser: taobao ? 100 : Math.round(100 * Math.max(1, options.days / 60)),
    sessionLength: taobao ? 14 : 8,
    mix: { pv: 0.896, fav: 0.029, cart: 0.055, buy: 0.02 },
    existingShare: taobao ? 0.85 : 0.7,
    gapDays: Math.max(2, Math.round(options.days / 4)),
    farmShare: 0.008,
    scalperShare: 0.004,
    giftShare: taobao ? 0.08 : 0.2,
    cycleShare: taobao ? 0.15 : 0.3,
    cycleDays: taobao ? [3, 12] : [7, 30],
    creatorShare: 0.005,
    inviteShare: 0.35,
  };
}
