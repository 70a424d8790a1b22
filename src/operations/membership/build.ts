/**
 * The membership build stage: every known user's naughty value, its components and the 88VIP price into
 * `user_membership`, so they can be tags. The rows are computed into a staging table and swapped in inside
 * one transaction: a failure leaves the previous table untouched.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { naughtySql } from './naughty.js';
import { paidOrderSource } from './paid-orders.js';
import { resolveRules } from '../points/rules.js';
import type { MembershipRules } from './rules.js';

export const MEMBERSHIP_TABLE = 'user_membership';
/** One row: when and with which rules the table was built. */
export const MEMBERSHIP_BUILDS_TABLE = 'membership_builds';
const STAGING = 'user_membership_staging';

export interface MembershipBuildReport {
  asOf: Date;
  rows: number;
  eligible: number;
  /** The 88VIP price for eligible users under the rules used (88 yuan by default). */
  memberPrice: number;
  seconds: number;
}

/** `rules` default: the workspace's stored "default" rules, else the built-in ones. */
export async function buildMembership(ws: Workspace, options: { asOf?: Date; rules?: MembershipRules & { name: string } } = {}): Promise<MembershipBuildReport> {
  const started = Date.now();
  const { wh } = ws;
  const rules = options.rules ?? resolveRules(ws);
  const asOf = await requireAsOf(wh, options.asOf, 'membership');
  const source = await paidOrderSource(wh);
  const params = new SqlParams();
  const sql = naughtySql(params, rules, { asOf, source });
  try {
    await wh.run(`CREATE OR REPLACE TABLE ${STAGING} AS SELECT *, CAST(${params.bind(asOf)} AS TIMESTAMP) AS as_of FROM (${sql}) ORDER BY user_id`, params.values);
    const [n] = await wh.query<{ n: number; eligible: number }>(`SELECT count(*) AS n, count(*) FILTER (WHERE vip_eligible) AS eligible FROM ${STAGING}`);
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${MEMBERSHIP_TABLE}`);
      await wh.run(`ALTER TABLE ${STAGING} RENAME TO ${MEMBERSHIP_TABLE}`);
      await wh.run(`CREATE OR REPLACE TABLE ${MEMBERSHIP_BUILDS_TABLE} (as_of TIMESTAMP, rules VARCHAR, order_source VARCHAR, users BIGINT)`);
      await wh.run(`INSERT INTO ${MEMBERSHIP_BUILDS_TABLE} VALUES ($1, $2, $3, $4)`, [asOf, JSON.stringify(rules), source, Number(n!.n)]);
    });
    return { asOf, rows: Number(n!.n), eligible: Number(n!.eligible), memberPrice: rules.vip.memberPrice, seconds: (Date.now() - started) / 1000 };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGING}`);
  }
}
