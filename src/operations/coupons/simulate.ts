/**
 * Simulating a coupon plan on a segment: who may get coupons (the audience), how many are issued (never
 * more than budget / face value, never more than the per-user cap to anyone, shared round by round so
 * everyone gets one before anyone gets two), the expected uptake and the expected cost (uses x face value,
 * capped by the budget). The issue list can be written out: every number here is a list of users.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import { compileSegment } from '../../segments/registry.js';
import { tableExists } from '../../tags/values/build.js';
import type { Workspace } from '../../workspace/workspace.js';
import { MEMBERSHIP_TABLE } from '../membership/build.js';
import { paidOrderSource } from '../membership/paid-orders.js';
import { audienceCounts, audienceCtes, riskFlagsAvailable, type AudienceCounts } from './audience.js';
import { fen, type CouponPlan } from './plan.js';
import { estimateUptake, type Uptake } from './uptake.js';
import { recordAudit } from '../../privacy/audit.js';

export interface CouponSimulationOptions {
  /** Keep users flagged by risk detection (default: leave them out). */
  includeFlagged?: boolean;
  /** Write the issue list (user_id, coupons) to this .csv or .parquet file. */
  out?: string;
}

export interface Issuance {
  /** floor(budget / face value): the most coupons the budget can pay for if every one is used. */
  maxByBudget: number;
  /** audience x per-user cap. */
  wanted: number;
  /** min(wanted, maxByBudget). */
  issued: number;
  /** Users who get at least one. */
  recipients: number;
  /** The most any one user gets (at most the per-user cap). */
  maxPerUser: number;
  limitedBy: 'budget' | 'audience';
}

export interface CouponSimulation {
  plan: string;
  segment: string;
  /** The portrait's build time, which the segment and the history are read at. */
  asOf: Date;
  coupon: CouponPlan['coupon'];
  budget: number;
  perUserCap: number;
  distribution: CouponPlan['distribution'];
  priority: CouponPlan['priority'];
  validity: { from: string | null; to: string | null; days: number };
  audience: AudienceCounts;
  issue: Issuance;
  uptake: Uptake;
  expected: {
    /** Coupons claimed (claim) or held (grant). */
    claims: number;
    uses: number;
    /** min(budget, uses x face value), in yuan. */
    cost: number;
    /** Every issued coupon used: issued x face value, never above the budget. */
    worstCaseCost: number;
    /** Budget no coupon was issued against. */
    budgetUnissued: number;
    /** Orders that use a coupon spend at least the minimum: uses x minSpend. */
    gmvFloor: number;
  };
  out: string | null;
}

const DAY_MS = 86_400_000;

export function validityDays(plan: CouponPlan): number {
  const v = plan.validity;
  return 'days' in v ? v.days : Math.round((Date.parse(`${v.to}T00:00:00Z`) - Date.parse(`${v.from}T00:00:00Z`)) / DAY_MS) + 1;
}

export async function simulateCouponPlan(ws: Workspace, plan: CouponPlan, segment: string, options: CouponSimulationOptions = {}): Promise<CouponSimulation> {
  const { wh } = ws;
  const includeFlagged = Boolean(options.includeFlagged);
  const compiled = await compileSegment(ws, segment);
  const riskFlags = await riskFlagsAvailable(wh);
  if (plan.priority === 'naughty_value' && !(await tableExists(wh, MEMBERSHIP_TABLE))) {
    throw new PortraitError(`plan ${plan.name}: priority naughty_value reads ${MEMBERSHIP_TABLE}, which has not been built`, 'run portrait build (the membership stage), or use priority "random"');
  }
  const ctes = audienceCtes(compiled.sql, riskFlags, includeFlagged);
  const fresh = () => {
    const p = new SqlParams();
    p.values.push(...compiled.params);
    return p;
  };
  const audience = await audienceCounts(wh, fresh(), ctes, riskFlags, includeFlagged);

  const faceFen = fen(plan.coupon.faceValue);
  const maxByBudget = Math.floor(fen(plan.budget) / faceFen);
  const wanted = audience.audience * plan.perUserCap;
  const issued = Math.min(wanted, maxByBudget);
  const issue: Issuance = {
    maxByBudget,
    wanted,
    issued,
    recipients: Math.min(audience.audience, issued),
    maxPerUser: audience.audience ? Math.ceil(issued / audience.audience) : 0,
    limitedBy: maxByBudget < wanted ? 'budget' : 'audience',
  };

  const days = validityDays(plan);
  const source = await paidOrderSource(wh);
  const uptake = await estimateUptake(wh, fresh(), ctes, audience.audience, plan, compiled.asOf, days, source);

  const face = plan.coupon.faceValue;
  const uses = issued * uptake.perCoupon;
  const claims = plan.distribution === 'claim' ? issued * uptake.claimRate.value : issued;
  const worstCaseCost = (issued * faceFen) / 100;
  const result: CouponSimulation = {
    plan: plan.name,
    segment,
    asOf: compiled.asOf,
    coupon: plan.coupon,
    budget: plan.budget,
    perUserCap: plan.perUserCap,
    distribution: plan.distribution,
    priority: plan.priority,
    validity: 'days' in plan.validity ? { from: null, to: null, days } : { from: plan.validity.from, to: plan.validity.to, days },
    audience,
    issue,
    uptake,
    expected: {
      claims,
      uses,
      cost: Math.min(plan.budget, Math.round(uses * face * 100) / 100),
      worstCaseCost,
      budgetUnissued: (fen(plan.budget) - issued * faceFen) / 100,
      gmvFloor: Math.round(uses * plan.coupon.minSpend * 100) / 100,
    },
    out: null,
  };
  if (options.out) result.out = await writeIssueList(ws, fresh(), ctes, plan, issued, audience.audience, options.out);
  return result;
}

/** The seeded random order: a salted hash of the user (ties by id). */
function randomRank(params: SqlParams, seed: number): string {
  return `hash(xor(hash(a.user_id), hash(CAST(${params.bind(seed)} AS BIGINT)))), a.user_id`;
}

/**
 * The issue list (user_id, coupons): the audience ranked (seeded random order, or highest naughty value
 * first with ties in that order) and served round by round, so shares differ by at most one and nobody
 * passes the per-user cap (issued <= audience x cap).
 */
export function issueListSql(params: SqlParams, ctes: string, plan: CouponPlan, issued: number, audience: number): string {
  if (audience === 0 || issued === 0) return `WITH ${ctes} SELECT user_id, 0 AS coupons FROM aud WHERE false`;
  const base = params.bind(Math.floor(issued / audience));
  const extra = params.bind(issued % audience);
  let ranked: string;
  switch (plan.priority) {
    case 'random':
      ranked = `SELECT a.user_id, row_number() OVER (ORDER BY ${randomRank(params, plan.seed)}) AS rk FROM aud a`;
      break;
    case 'naughty_value':
      ranked = `SELECT a.user_id, row_number() OVER (ORDER BY coalesce(m.naughty_value, 0) DESC, ${randomRank(params, plan.seed)}) AS rk
        FROM aud a LEFT JOIN ${MEMBERSHIP_TABLE} m ON m.user_id = a.user_id`;
      break;
    default: {
      const never: never = plan.priority;
      throw new Error(`unknown priority ${String(never)}`);
    }
  }
  return `WITH ${ctes}, ranked AS (${ranked})
    SELECT user_id, CAST(CAST(${base} AS BIGINT) + CASE WHEN rk <= CAST(${extra} AS BIGINT) THEN 1 ELSE 0 END AS INTEGER) AS coupons
    FROM ranked WHERE CAST(${base} AS BIGINT) + CASE WHEN rk <= CAST(${extra} AS BIGINT) THEN 1 ELSE 0 END > 0
    ORDER BY user_id`;
}

async function writeIssueList(ws: Workspace, params: SqlParams, ctes: string, plan: CouponPlan, issued: number, audience: number, out: string): Promise<string> {
  const format = { '.csv': 'csv', '.parquet': 'parquet' }[extname(out).toLowerCase()];
  if (!format) throw new PortraitError(`cannot write the issue list to ${out}`, 'name a .csv or .parquet file');
  const sql = issueListSql(params, ctes, plan, issued, audience);
  const temp = `${out}.partial`;
  try {
    const rows = await ws.wh.run(`COPY (${sql}) TO ${params.bind(temp)} (FORMAT ${format})`, params.values);
    // The audit entry and the file appear together: a failed rename rolls the entry back.
    await ws.wh.transaction(async () => {
      await recordAudit(ws, { action: 'export', subject: `coupon plan ${plan.name}`, rows, file: resolve(out), details: { kind: 'coupon issue list', format, issued, audience } });
      renameSync(temp, out);
    });
  } finally {
    if (existsSync(temp)) rmSync(temp, { force: true });
  }
  return out;
}
