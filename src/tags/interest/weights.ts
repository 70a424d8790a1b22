/**
 * The weight of one interaction, `behaviour x dwell x decay` (DOMAIN.md section 2), twice from the same
 * configuration: as a pure function for one interaction, and as a SQL expression the build evaluates for
 * every interaction in the engine. Both add and multiply in the same order, so they agree to the last bit
 * on the same inputs (test/interest.test.ts compares them).
 */
import type { InterestConfig } from './config.js';

/** The actions that add to an interaction's behaviour weight, besides the view it starts from. */
export const BONUS_ACTIONS = ['comment', 'like', 'share', 'fav', 'cart', 'buy'] as const;
export type BonusAction = (typeof BONUS_ACTIONS)[number];

/** One interaction: a user with one item (or content piece) on one local day. */
export interface Interaction {
  /** Actions present that day; each adds its bonus once, however often it was repeated. */
  actions?: Partial<Record<BonusAction, boolean>>;
  /** Summed dwell (seconds) of the day's views; null or undefined when none carries a dwell. */
  dwellSeconds?: number | null;
  /** Age at the as-of time, in fractional days, measured from the interaction's latest event. */
  ageDays: number;
}

export function behaviourWeight(actions: Interaction['actions'], config: InterestConfig): number {
  const b = config.behaviour;
  let w = b.view;
  for (const a of BONUS_ACTIONS) if (actions?.[a]) w += b[a];
  return w;
}

export function dwellWeight(dwellSeconds: number | null | undefined, config: InterestConfig): number {
  const d = config.dwell;
  if (dwellSeconds === null || dwellSeconds === undefined) return d.missing;
  if (dwellSeconds < d.shortBelow) return d.short;
  if (dwellSeconds <= d.longAbove) return d.medium;
  return d.long;
}

export function decayWeight(ageDays: number, config: InterestConfig): number {
  for (const band of config.decay.bands) if (ageDays < band.belowDays) return band.weight;
  return config.decay.older;
}

/** weight = behaviour weight x dwell weight x decay. */
export function interactionWeight(interaction: Interaction, config: InterestConfig): number {
  return (
    behaviourWeight(interaction.actions, config) *
    dwellWeight(interaction.dwellSeconds, config) *
    decayWeight(interaction.ageDays, config)
  );
}

/** SQL expressions of an interaction's parts: booleans for the actions, DOUBLEs for dwell and age. */
export interface InteractionColumns {
  actions: Record<BonusAction, string>;
  /** Summed dwell in seconds, NULL when unknown. */
  dwell: string;
  /** Age in fractional days. */
  age: string;
}

/** A SQL expression and the values its $n placeholders bind, in order. */
export interface BoundSql {
  sql: string;
  params: number[];
}

/** Binds config numbers as parameters from $firstParam on; the SQL text holds only placeholders. */
export class ParamList {
  readonly params: number[] = [];
  constructor(private readonly firstParam: number) {}
  /** A placeholder for a config number, typed DOUBLE. */
  add(value: number): string {
    this.params.push(value);
    return `CAST($${this.firstParam + this.params.length - 1} AS DOUBLE)`;
  }
  get next(): number {
    return this.firstParam + this.params.length;
  }
}

/** The SQL form of `interactionWeight`, built from the same config. */
export function interactionWeightSql(cols: InteractionColumns, config: InterestConfig, firstParam: number): BoundSql {
  const p = new ParamList(firstParam);
  const b = config.behaviour;
  const behaviour = [p.add(b.view), ...BONUS_ACTIONS.map((a) => `CASE WHEN ${cols.actions[a]} THEN ${p.add(b[a])} ELSE 0 END`)].join(' + ');
  const d = config.dwell;
  const dwell =
    `CASE WHEN ${cols.dwell} IS NULL THEN ${p.add(d.missing)} ` +
    `WHEN ${cols.dwell} < ${p.add(d.shortBelow)} THEN ${p.add(d.short)} ` +
    `WHEN ${cols.dwell} <= ${p.add(d.longAbove)} THEN ${p.add(d.medium)} ` +
    `ELSE ${p.add(d.long)} END`;
  const bands = config.decay.bands.map((band) => `WHEN ${cols.age} < ${p.add(band.belowDays)} THEN ${p.add(band.weight)} `).join('');
  const decay = `CASE ${bands}ELSE ${p.add(config.decay.older)} END`;
  return { sql: `((${behaviour}) * (${dwell}) * (${decay}))`, params: p.params };
}
