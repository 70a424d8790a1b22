/**
 * The risk build stage: every account's coupon-abuse and scalping scores with reasons, as of one time, into
 * `user_risk` (sorted by user). Scores go to a staging table first, which replaces the old table in one
 * transaction with the build's record (`user_risk_builds`), so a failed build leaves the previous scores.
 * Other stages read user_risk(user_id, flagged), e.g. to keep flagged accounts out of coupon campaigns.
 */
import { requireAsOf } from '../analytics/as-of.js';
import type { Workspace } from '../workspace/workspace.js';
import { resolveRiskConfig, type RiskConfig, type RiskConfigInput } from './config.js';
import { scoreUsers } from './score.js';
import { dropRiskWorkTables } from './signals.js';

export const RISK_TABLE = 'user_risk';
export const RISK_BUILDS_TABLE = 'user_risk_builds';
const STAGING = 'user_risk_staging';

export interface RiskBuildOptions {
  asOf?: Date;
  config?: RiskConfigInput | RiskConfig;
}

export interface RiskBuildReport {
  asOf: Date;
  /** Accounts scored (every account known as of then). */
  rows: number;
  flagged: number;
  /** Flagged accounts by main kind. */
  byKind: { coupon_abuse: number; scalping: number };
  seconds: number;
  /** One line for the build log. */
  note: string;
}

export async function buildUserRisk(ws: Workspace, options: RiskBuildOptions = {}): Promise<RiskBuildReport> {
  const started = Date.now();
  const { wh } = ws;
  const config = resolveRiskConfig(options.config ?? {});
  const asOf = await requireAsOf(wh, options.asOf, 'risk');
  try {
    await scoreUsers(wh, asOf, config, STAGING);
    const [c] = await wh.query<{ rows: number; flagged: number; coupon: number; scalping: number }>(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE flagged) AS flagged,
         count(*) FILTER (WHERE flagged AND kind = 'coupon_abuse') AS coupon, count(*) FILTER (WHERE flagged AND kind = 'scalping') AS scalping
       FROM ${STAGING}`,
    );
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${RISK_TABLE}`);
      await wh.run(`ALTER TABLE ${STAGING} RENAME TO ${RISK_TABLE}`);
      await wh.run(`CREATE OR REPLACE TABLE ${RISK_BUILDS_TABLE} (as_of TIMESTAMP, users BIGINT, flagged BIGINT, threshold DOUBLE, config VARCHAR)`);
      await wh.run(`INSERT INTO ${RISK_BUILDS_TABLE} VALUES ($1, $2, $3, $4, $5)`, [asOf, Number(c!.rows), Number(c!.flagged), config.threshold, JSON.stringify(config)]);
    });
    const byKind = { coupon_abuse: Number(c!.coupon), scalping: Number(c!.scalping) };
    return {
      asOf,
      rows: Number(c!.rows),
      flagged: Number(c!.flagged),
      byKind,
      seconds: (Date.now() - started) / 1000,
      note: `${Number(c!.flagged)} flagged: ${byKind.coupon_abuse} coupon abuse, ${byKind.scalping} scalping`,
    };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGING}`);
    await dropRiskWorkTables(wh);
  }
}
