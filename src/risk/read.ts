/** Reading the stored risk scores: the accounts at or above a score, riskiest first. */
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { tableExists } from '../tags/values/build.js';
import { RISK_KINDS, type RiskKind } from './config.js';
import { RISK_BUILDS_TABLE, RISK_TABLE } from './build.js';

export interface RiskRow {
  user_id: number;
  flagged: boolean;
  score: number;
  /** Main kind: the kind with the higher score; null when the score is 0. */
  kind: RiskKind | null;
  coupon_abuse: number;
  scalping: number;
  reasons: string[];
}

export interface RiskListOptions {
  /** Only this kind's score counts (compared with minScore and used for the order). */
  kind?: RiskKind;
  /** Lowest score listed; default the build's threshold (the flagged accounts). */
  minScore?: number;
  /** At most this many rows (default all). */
  limit?: number;
}

export interface RiskList {
  asOf: Date;
  threshold: number;
  kind: RiskKind | null;
  minScore: number;
  /** Accounts at or above minScore (all of them, whatever the limit). */
  total: number;
  rows: RiskRow[];
}

async function builtRisk(ws: Workspace): Promise<{ asOf: Date; threshold: number }> {
  if (!(await tableExists(ws.wh, RISK_TABLE)) || !(await tableExists(ws.wh, RISK_BUILDS_TABLE))) {
    throw new PortraitError('risk scores are not built in this workspace', 'run portrait build (or portrait risk build) first');
  }
  const [b] = await ws.wh.query<{ as_of: Date; threshold: number }>(`SELECT as_of, threshold FROM ${RISK_BUILDS_TABLE}`);
  if (!b) throw new PortraitError('risk scores are not built in this workspace', 'run portrait build (or portrait risk build) first');
  return { asOf: b.as_of, threshold: b.threshold };
}

export async function listRisk(ws: Workspace, options: RiskListOptions = {}): Promise<RiskList> {
  const { kind, limit } = options;
  if (kind !== undefined && !RISK_KINDS.includes(kind)) throw new PortraitError(`unknown risk kind "${String(kind)}"; expected ${RISK_KINDS.join(' or ')}`);
  if (options.minScore !== undefined && !(options.minScore >= 0 && options.minScore <= 1)) {
    throw new PortraitError(`min score must be between 0 and 1 (got ${options.minScore})`);
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) throw new PortraitError(`limit must be a whole number, at least 1 (got ${limit})`);
  const built = await builtRisk(ws);
  const minScore = options.minScore ?? built.threshold;
  // The compared column is one of two fixed names, never user text.
  const column = kind ?? 'score';
  const [n] = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${RISK_TABLE} WHERE ${column} >= $1 AND ${column} > 0`, [minScore]);
  const rows = await ws.wh.query<RiskRow>(
    `SELECT user_id, flagged, score, kind, coupon_abuse, scalping, reasons FROM ${RISK_TABLE}
     WHERE ${column} >= $1 AND ${column} > 0 ORDER BY ${column} DESC, user_id LIMIT $2`,
    [minScore, limit ?? null],
  );
  return { asOf: built.asOf, threshold: built.threshold, kind: kind ?? null, minScore, total: Number(n?.n ?? 0), rows };
}
