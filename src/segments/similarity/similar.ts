/** The users most like one user: cosine of unit-length feature vectors, a sparse join in the engine. */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { dropFeatures, prepareFeatures, type FeatureSpace } from './features.js';
import type { FeatureSpecInput } from './spec.js';

export interface SimilarOptions {
  /** How many users to return (default 10). */
  k?: number;
  spec?: FeatureSpecInput;
}

export interface SimilarUser {
  user_id: number;
  similarity: number;
  /** The features that add most to the similarity (largest products), for reading. */
  shared: string[];
}

export interface SimilarResult {
  user_id: number;
  users: number;
  features: number;
  similar: SimilarUser[];
}

/**
 * The `k` users with the highest cosine similarity to `userId` (the user excluded; ties: smaller id).
 * Users without any feature in common with `userId` have similarity 0 and are never returned.
 */
export async function similarUsers(ws: Workspace, userId: number, options: SimilarOptions = {}): Promise<SimilarResult> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new PortraitError(`k must be a whole number, at least 1 (got ${k})`);
  const space = await prepareFeatures(ws, options.spec);
  try {
    return await similarIn(ws, space, userId, k);
  } finally {
    await dropFeatures(ws);
  }
}

/** `similarUsers` on features already prepared. */
export async function similarIn(ws: Workspace, space: FeatureSpace, userId: number, k: number): Promise<SimilarResult> {
  const me = await ws.wh.query<{ r: number }>('SELECT r FROM sim_users WHERE user_id = $1', [userId]);
  if (me.length === 0) {
    throw new PortraitError(`user ${userId} has no portrait to compare (no interest scores or tags)`, 'check the id, or run portrait build');
  }
  const rows = await ws.wh.query<{ user_id: number; similarity: number; shared: string[] }>(
    `WITH q AS (SELECT j, v FROM sim_x WHERE r = $1),
     s AS (
       SELECT x.r, sum(CAST(x.v AS DOUBLE) * q.v) AS similarity,
         list(nm.f ORDER BY x.v * q.v DESC, nm.f) FILTER (WHERE x.v * q.v > 0) AS shared
       FROM sim_x x JOIN q USING (j) JOIN sim_names nm USING (j)
       WHERE x.r <> $1 GROUP BY x.r
     )
     SELECT u.user_id, s.similarity, s.shared[1:5] AS shared FROM s JOIN sim_users u USING (r)
     WHERE s.similarity > 0
     ORDER BY round(s.similarity, 9) DESC, u.user_id LIMIT $2`,
    [Number(me[0]!.r), k],
  );
  return {
    user_id: userId,
    users: space.users,
    features: space.features,
    similar: rows.map((r) => ({ user_id: Number(r.user_id), similarity: Number(r.similarity), shared: (r.shared ?? []).map(String) })),
  };
}
