/** Serving: one user's stored recommendations (a point read of the table sorted by user). */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { tableExists } from '../sources/sql.js';
import { RECS_BUILDS_TABLE, RECS_TABLE } from './train.js';

export interface StoredRecommendation {
  rank: number;
  item_id: number;
  score: number;
  source: string;
  reason_en: string;
  reason_zh: string;
}

export interface UserRecommendations {
  userId: number;
  /** As-of time of the training run. */
  asOf: Date;
  recommendations: StoredRecommendation[];
}

export async function recommendationsTrained(ws: Workspace): Promise<Date | null> {
  if (!(await tableExists(ws.wh, RECS_BUILDS_TABLE)) || !(await tableExists(ws.wh, RECS_TABLE))) return null;
  const [row] = await ws.wh.query<{ as_of: Date }>(`SELECT as_of FROM ${RECS_BUILDS_TABLE}`);
  return row?.as_of ?? null;
}

const NOT_TRAINED = () => new PortraitError('recommendations have not been trained', 'run portrait recs train (or portrait build) first');

/**
 * The user's top `n` (at most the N trained). An unknown user gets an empty list. One query: the table is
 * sorted by user, so the engine reads one row group.
 */
export async function recommendationsFor(ws: Workspace, userId: number, n = 20): Promise<UserRecommendations> {
  if (!Number.isSafeInteger(userId)) throw new PortraitError(`not a user id: ${userId}`);
  if (!Number.isInteger(n) || n < 1) throw new PortraitError(`n must be a whole number of at least 1 (got ${n})`);
  let rows: (StoredRecommendation & { as_of: Date | null })[];
  try {
    rows = await ws.wh.query(
      `SELECT b.as_of, r.rank, r.item_id, r.score, r.source, r.reason_en, r.reason_zh
       FROM ${RECS_BUILDS_TABLE} b LEFT JOIN (SELECT * FROM ${RECS_TABLE} WHERE user_id = $1 AND rank <= $2) r ON true
       ORDER BY r.rank`,
      [userId, n],
    );
  } catch (error) {
    if (/does not exist/i.test(String((error as Error).message))) throw NOT_TRAINED();
    throw error;
  }
  if (rows.length === 0) throw NOT_TRAINED();
  return {
    userId,
    asOf: rows[0]!.as_of as Date,
    recommendations: rows
      .filter((r) => r.rank !== null)
      .map((r) => ({ rank: Number(r.rank), item_id: Number(r.item_id), score: Number(r.score), source: r.source, reason_en: r.reason_en, reason_zh: r.reason_zh })),
  };
}
