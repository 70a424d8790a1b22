/**
 * The audience of a coupon plan: a segment's members, never those who opted out of targeting (consents
 * purpose 'targeting', allowed = false), and without the users risk detection flagged (`user_risk`,
 * flagged = true) unless asked to keep them. Counts say who was left out and why.
 */
import { PortraitError } from '../../errors.js';
import type { SqlParams } from '../../conditions/params.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { RISK_TABLE } from '../../risk/build.js';
import { tableExists } from '../../tags/values/build.js';
import { consentRefusedSql } from '../../privacy/consent.js';

/** Whether risk flags exist to read; a user_risk table without user_id and flagged is an error. */
export async function riskFlagsAvailable(wh: Warehouse): Promise<boolean> {
  if (!(await tableExists(wh, RISK_TABLE))) return false;
  const cols = await wh.query<{ column_name: string }>(
    "SELECT column_name FROM duckdb_columns() WHERE table_name = $1 AND schema_name = 'main' AND column_name IN ('user_id', 'flagged')",
    [RISK_TABLE],
  );
  if (cols.length < 2) throw new PortraitError(`table ${RISK_TABLE} lacks the columns user_id and flagged`, 'rebuild the risk flags, or drop the table');
  return true;
}

export interface AudienceCounts {
  /** Segment members. */
  members: number;
  /** Members left out because they refused targeting. */
  optedOut: number;
  /** Whether user_risk exists (when it does not, nobody is left out as risky). */
  riskFlags: boolean;
  /** Members (who allow targeting) flagged by risk detection; null without user_risk. */
  flagged: number | null;
  /** Those of them left out (all of them unless flagged users are included). */
  flaggedExcluded: number;
  includeFlagged: boolean;
  /** Who remains: the audience the plan serves. */
  audience: number;
}

/**
 * CTEs `seg` (members), `allowed` (members who allow targeting, with `flagged`) and `aud` (the audience),
 * reading `segmentSql` whose parameters are already in `params`.
 */
export function audienceCtes(segmentSql: string, riskFlags: boolean, includeFlagged: boolean): string {
  const flagged = riskFlags
    ? `coalesce((SELECT bool_or(r.flagged) FROM ${RISK_TABLE} r WHERE r.user_id = s.user_id), false)`
    : 'false';
  return `seg AS MATERIALIZED (SELECT DISTINCT CAST(user_id AS BIGINT) AS user_id FROM (${segmentSql})),
allowed AS MATERIALIZED (
  SELECT s.user_id, ${flagged} AS flagged FROM seg s
  WHERE s.user_id NOT IN (${consentRefusedSql('targeting', null)})),
aud AS MATERIALIZED (SELECT user_id FROM allowed${includeFlagged ? '' : ' WHERE NOT flagged'})`;
}

export async function audienceCounts(wh: Warehouse, params: SqlParams, ctes: string, riskFlags: boolean, includeFlagged: boolean): Promise<AudienceCounts> {
  const [r] = await wh.query<{ members: number; allowed: number; flagged: number; audience: number }>(
    `WITH ${ctes}
     SELECT (SELECT count(*) FROM seg) AS members, (SELECT count(*) FROM allowed) AS allowed,
       (SELECT count(*) FROM allowed WHERE flagged) AS flagged, (SELECT count(*) FROM aud) AS audience`,
    params.values,
  );
  const flagged = Number(r!.flagged);
  return {
    members: Number(r!.members),
    optedOut: Number(r!.members) - Number(r!.allowed),
    riskFlags,
    flagged: riskFlags ? flagged : null,
    flaggedExcluded: riskFlags && !includeFlagged ? flagged : 0,
    includeFlagged,
    audience: Number(r!.audience),
  };
}
