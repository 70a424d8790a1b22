/**
 * What every generator step shares: the warehouse, the world plan, the seeded draws, the batch id, and
 * the bookkeeping of rows written. Also the two ways small TypeScript-built tables reach the engine.
 */
import type { Warehouse } from '../warehouse/warehouse.js';
import type { WorldPlan } from './options.js';
import { Draws } from './random.js';

/**
 * A world is made in two phases. `plan` builds temporary tables and stages rows for the real tables
 * outside any transaction (the engine scans tables made inside a transaction on one thread only);
 * `publish` then writes the workspace's tables from them in one transaction.
 */
export type Phase = 'plan' | 'publish';

export interface SynthContext {
  wh: Warehouse;
  plan: WorldPlan;
  r: Draws;
  phase: Phase;
  /** The import batch; 0 while planning (staged events get the real one when published). */
  batchId: number;
  /** Rows written per table (truth tables as truth.name). */
  written: Record<string, number>;
  /** Optional progress lines (step name, seconds). */
  log?: (message: string) => void;
  /** Seed-dependent mask XOR-ed into event ids (computed once, spliced as a constant). */
  mask: bigint;
}

export async function newContext(wh: Warehouse, plan: WorldPlan, log?: (message: string) => void): Promise<SynthContext> {
  const r = new Draws(plan.seed);
  const rows = await wh.query<{ m: string }>(`SELECT CAST(${r.hash('event-mask')} AS VARCHAR) AS m`);
  return { wh, plan, r, phase: 'plan', batchId: 0, written: {}, log, mask: BigInt(rows[0]?.m ?? '0') };
}

/** Tables that generators stage while planning; published as they are (events get the batch id). */
export const STAGED = ['events', 'social_edges', 'creators', 'content', 'live_streams', 'orders', 'reviews', 'identity_links', 'devices'] as const;

/** Where a generator's rows for `table` go: its stage while planning, the table itself when publishing. */
export function into(ctx: SynthContext, table: string): string {
  return ctx.phase === 'plan' ? `stage_${table.replace('.', '_')}` : table;
}

/** Runs a statement that writes `table` (counted when it is a real table) and returns its rows. */
export async function write(ctx: SynthContext, table: string, sql: string): Promise<number> {
  const n = await ctx.wh.run(sql);
  if (ctx.phase === 'publish') ctx.written[table] = (ctx.written[table] ?? 0) + n;
  return n;
}

/** Times a step for the log. */
export async function step<T>(ctx: SynthContext, name: string, work: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const out = await work();
  ctx.log?.(`${name}: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  return out;
}

export type TempType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';

/**
 * Creates a temporary table from rows built in TypeScript. The rows travel as one bound JSON value that
 * the engine unpacks, which is far quicker than thousands of bound INSERT parameters.
 */
export async function tempTable(
  ctx: SynthContext,
  name: string,
  columns: Record<string, TempType>,
  rows: readonly Record<string, string | number | boolean | null>[],
): Promise<void> {
  const shape = JSON.stringify([columns]);
  const cols = Object.keys(columns);
  await ctx.wh.run(`DROP TABLE IF EXISTS ${name}`);
  await ctx.wh.run(
    `CREATE TEMP TABLE ${name} AS SELECT ${cols.join(', ')} FROM (SELECT unnest(from_json($1, '${shape}'), recursive := true))`,
    [JSON.stringify(rows)],
  );
}

/** A SQL CASE that picks among weighted values by a uniform draw `u` (for short lists). */
export function pick(u: string, choices: readonly (readonly [string | number, number])[]): string {
  const total = choices.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const arms = choices.slice(0, -1).map(([v, w]) => {
    acc += w / total;
    return `WHEN ${u} < ${acc} THEN ${literal(v)}`;
  });
  const last = choices[choices.length - 1]!;
  return `(CASE ${arms.join(' ')} ELSE ${literal(last[0])} END)`;
}

/** Literal for our own constants only (never user input). */
export function literal(v: string | number): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  return `'${v.replaceAll("'", "''")}'`;
}

/** Local wall-clock TIMESTAMP from seconds since the world's first midnight. */
export function tsSql(plan: WorldPlan, secondsExpr: string): string {
  return `make_timestamp((${plan.epoch0} + CAST(${secondsExpr} AS BIGINT)) * 1000000)`;
}

/**
 * True when a seconds-since-start expression falls on one of the user's active days (columns a0, a1,
 * b0, b1) and not before a newcomer arrived (column arrival_sec).
 */
export function activeAt(secondsExpr: string, prefix = ''): string {
  const d = `((${secondsExpr}) // 86400)`;
  return `(((${d} >= ${prefix}a0 AND ${d} < ${prefix}a1) OR (${d} >= ${prefix}b0 AND ${d} < ${prefix}b1))
    AND (${secondsExpr}) >= COALESCE(${prefix}arrival_sec, 0))`;
}

/**
 * Event ids are built, not hashed, so they are unique by construction: the user in the high bits, then
 * the generator, then a sequence inside it, all scrambled by a seed-dependent mask.
 */
export function eventIdSql(ctx: SynthContext, userExpr: string, generator: number, seqExpr: string): string {
  if (generator < 0 || generator > 255) throw new Error('generator code out of range');
  return `xor((CAST(${userExpr} AS UBIGINT) << 32) | (CAST(${generator} AS UBIGINT) << 24) | CAST(${seqExpr} AS UBIGINT), ${maskSql(ctx)})`;
}

export function maskSql(ctx: SynthContext): string {
  return `CAST(${ctx.mask.toString()} AS UBIGINT)`;
}

/** Generator codes in event ids (bits 24..31). */
export const GEN = {
  session: 0,
  cycle: 1,
  gift: 2,
  contentView: 3,
  contentAction: 4,
  live: 5,
  liveAction: 6,
  invite: 7,
  kolShare: 8,
  friendBuy: 9,
  farm: 10,
  scalper: 11,
  limitedFan: 12,
  review: 13,
  kolShareSend: 14,
  campaign: 15,
} as const;
