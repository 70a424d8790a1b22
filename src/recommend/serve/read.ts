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

/**
 * The as-of of the trained recommendations, per open workspace: read once from `recommendation_builds` and
 * kept (a DuckDB file has one writer process, so only a training in this process can change it, and
 * `trainRecommendations` calls `rememberTrained`).
 */
const trainedAsOf = new WeakMap<Workspace, Date>();

export function rememberTrained(ws: Workspace, asOf: Date | null): void {
  if (asOf) trainedAsOf.set(ws, asOf);
  else trainedAsOf.delete(ws);
}

export async function recommendationsTrained(ws: Workspace): Promise<Date | null> {
  const known = trainedAsOf.get(ws);
  if (known) return known;
  if (!(await tableExists(ws.wh, RECS_BUILDS_TABLE)) || !(await tableExists(ws.wh, RECS_TABLE))) return null;
  const [row] = await ws.wh.query<{ as_of: Date }>(`SELECT as_of FROM ${RECS_BUILDS_TABLE}`);
  const asOf = row?.as_of ?? null;
  rememberTrained(ws, asOf);
  return asOf;
}

const NOT_TRAINED = () => new PortraitError('recommendations have not been trained', 'run portrait recs train (or portrait build) first');

/**
 * The user's top `n` (at most the N trained). An unknown user gets an empty list. One statement without
 * joins or sort, planned once per connection (`lookup`): the table is sorted by user, so the engine reads
 * the one row group holding the user (zone maps); the as-of comes from the per-process cache above.
 */
export async function recommendationsFor(ws: Workspace, userId: number, n = 20): Promise<UserRecommendations> {
  if (!Number.isSafeInteger(userId)) throw new PortraitError(`not a user id: ${userId}`);
  if (!Number.isInteger(n) || n < 1) throw new PortraitError(`n must be a whole number of at least 1 (got ${n})`);
  const asOf = await recommendationsTrained(ws);
  if (!asOf) throw NOT_TRAINED();
  let rows: StoredRecommendation[];
  try {
    rows = await ws.wh.lookup<StoredRecommendation>(
      `SELECT rank, item_id, score, source, reason_en, reason_zh FROM ${RECS_TABLE} WHERE user_id = $1 AND rank <= $2`,
      [userId, n],
    );
  } catch (error) {
    if (/does not exist/i.test(String((error as Error).message))) {
      rememberTrained(ws, null);
      throw NOT_TRAINED();
    }
    throw error;
  }
  const recommendations = rows.map((r) => ({
    rank: Number(r.rank), item_id: Number(r.item_id), score: Number(r.score), source: r.source, reason_en: r.reason_en, reason_zh: r.reason_zh,
  }));
  // Ranks are unique per user. Sorting the few rows here rather than with ORDER BY leaves the statement
  // one pipeline (a scan), without the sort's extra pipeline the engine schedules on its worker threads:
  // p50 1.9 ms instead of 2.5-3.3 ms and a lower p99 on the 1M world (docs/recommend.md, Measured).
  recommendations.sort((a, b) => a.rank - b.rank);
  return { userId, asOf, recommendations };
}
