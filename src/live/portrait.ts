/**
 * The portrait of a live audience: gender and age band (declared, else predicted by `portrait build`,
 * else unknown) and top interests (the top-level category of each viewer's strongest category interest
 * in interest_scores), counted per stream, per host and over every stream of the report.
 */
import type { SqlParams } from '../conditions/params.js';
import { CLASSES, declaredSql } from '../tags/predict/attributes.js';
import { PREDICTED_TABLE } from '../tags/predict/build.js';
import { INTEREST_TABLE } from '../tags/interest/build.js';
import { tableExists } from '../tags/values/build.js';
import { CATEGORY_PATHS_SQL, categoryGroupsSql } from '../reviews/categories.js';
import type { Workspace } from '../workspace/workspace.js';

export interface SplitRow {
  value: string;
  users: number;
  /** users / viewers of the group. */
  share: number | null;
}

export interface InterestRow {
  /** Top-level category (the leaf itself when the category tree does not know it). */
  categoryId: number;
  name: string | null;
  users: number;
  share: number | null;
}

export interface SourceCounts {
  declared: number;
  predicted: number;
  unknown: number;
}

export interface ViewerPortrait {
  /** The audience the split is of. */
  viewers: number;
  /** female, male, unknown (in that order). */
  gender: SplitRow[];
  genderSource: SourceCounts;
  /** The bands of src/tags/predict, then unknown. */
  ageBand: SplitRow[];
  ageBandSource: SourceCounts;
  /** The most frequent top interests (at most INTEREST_ROWS); null when interest scores are not built. */
  interests: InterestRow[] | null;
}

export const INTEREST_ROWS = 5;

/** What the split could read: predictions and interest scores exist only after `portrait build`. */
export interface PortraitInputs {
  predictions: boolean;
  interests: boolean;
}

export async function portraitInputs(ws: Workspace): Promise<PortraitInputs> {
  return { predictions: await tableExists(ws.wh, PREDICTED_TABLE), interests: await tableExists(ws.wh, INTEREST_TABLE) };
}

/** A group of the split: the stream and host (null at the levels above). */
export interface PortraitGroupKey {
  level: 'stream' | 'host' | 'all';
  liveId: number | null;
  hostId: number | null;
}

/**
 * One query: for the audience CTE `aud` (creator_id, live_id, user_id; defined by the caller before this
 * text), rows (level, creator_id, live_id, dim, value, source, users) for gender, age band and interest.
 */
export function portraitSplitSql(p: SqlParams, asOf: string, inputs: PortraitInputs): string {
  const predicted = (attribute: string) =>
    inputs.predictions
      ? `SELECT user_id, value FROM ${PREDICTED_TABLE} WHERE attribute = ${p.bind(attribute)}`
      : 'SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS VARCHAR) AS value WHERE false';
  const interest = inputs.interests
    ? `SELECT user_id, CAST(TRY_CAST(tag AS BIGINT) AS BIGINT) AS category_id FROM ${INTEREST_TABLE}
       WHERE dimension = 'category' AND user_id IN (SELECT user_id FROM aud)
       QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY score DESC, TRY_CAST(tag AS BIGINT) NULLS LAST, tag) = 1`
    : 'SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS BIGINT) AS category_id WHERE false';
  const sets = (dim: string, value: string, source: string) =>
    `SELECT CASE WHEN grouping(creator_id) = 1 THEN 'all' WHEN grouping(live_id) = 1 THEN 'host' ELSE 'stream' END AS level,
       creator_id, live_id, '${dim}' AS dim, ${value} AS value, ${source} AS source, count(DISTINCT user_id) AS users
     FROM who GROUP BY GROUPING SETS ((creator_id, live_id, ${value}, ${source}), (creator_id, ${value}, ${source}), (${value}, ${source}))`;
  return `category_paths AS (${CATEGORY_PATHS_SQL}),
  tops AS (${categoryGroupsSql(p, null)}),
  pg AS (${predicted('gender')}),
  pa AS (${predicted('age_band')}),
  ti AS (${interest}),
  who AS (
    SELECT a.creator_id, a.live_id, a.user_id,
      ${declaredSql('gender', () => asOf)} AS d_gender, pg.value AS p_gender,
      ${declaredSql('age_band', () => asOf)} AS d_age, pa.value AS p_age,
      CAST(coalesce(t.grp, ti.category_id) AS VARCHAR) AS interest
    FROM aud a LEFT JOIN users u ON u.user_id = a.user_id
    LEFT JOIN pg ON pg.user_id = a.user_id LEFT JOIN pa ON pa.user_id = a.user_id
    LEFT JOIN ti ON ti.user_id = a.user_id LEFT JOIN tops t ON t.category_id = ti.category_id
  )
  ${sets('gender', "coalesce(d_gender, p_gender, 'unknown')", "CASE WHEN d_gender IS NOT NULL THEN 'declared' WHEN p_gender IS NOT NULL THEN 'predicted' ELSE 'unknown' END")}
  UNION ALL
  ${sets('age_band', "coalesce(d_age, p_age, 'unknown')", "CASE WHEN d_age IS NOT NULL THEN 'declared' WHEN p_age IS NOT NULL THEN 'predicted' ELSE 'unknown' END")}
  UNION ALL
  ${sets('interest', "coalesce(interest, 'unknown')", "CASE WHEN interest IS NULL THEN 'unknown' ELSE 'scored' END")}`;
}

export interface PortraitSplitRow {
  level: string;
  creator_id: number | null;
  live_id: number | null;
  dim: string;
  value: string;
  source: string;
  users: number;
}

/** The portrait of one group from the split rows, given its audience size. */
export function portraitOf(
  rows: readonly PortraitSplitRow[],
  key: PortraitGroupKey,
  viewers: number,
  inputs: PortraitInputs,
  categoryNames: ReadonlyMap<number, string>,
): ViewerPortrait {
  const mine = rows.filter(
    (r) => r.level === key.level && (key.level === 'all' || Number(r.creator_id) === key.hostId) && (key.level !== 'stream' || Number(r.live_id) === key.liveId),
  );
  const share = (n: number) => (viewers === 0 ? null : n / viewers);
  const split = (dim: string, order: readonly string[]): { rows: SplitRow[]; source: SourceCounts } => {
    const counts = new Map<string, number>();
    const source: SourceCounts = { declared: 0, predicted: 0, unknown: 0 };
    for (const r of mine.filter((x) => x.dim === dim)) {
      counts.set(r.value, (counts.get(r.value) ?? 0) + Number(r.users));
      source[r.source as keyof SourceCounts] += Number(r.users);
    }
    const values = [...order, ...[...counts.keys()].filter((v) => !order.includes(v)).sort()];
    return { rows: values.map((value) => ({ value, users: counts.get(value) ?? 0, share: share(counts.get(value) ?? 0) })), source };
  };
  const gender = split('gender', [...CLASSES.gender, 'unknown']);
  const age = split('age_band', [...CLASSES.age_band, 'unknown']);
  const interests = inputs.interests
    ? mine
        .filter((r) => r.dim === 'interest' && r.value !== 'unknown')
        .map((r) => ({ categoryId: Number(r.value), users: Number(r.users) }))
        .sort((a, b) => b.users - a.users || a.categoryId - b.categoryId)
        .slice(0, INTEREST_ROWS)
        .map((r) => ({ ...r, name: categoryNames.get(r.categoryId) ?? null, share: share(r.users) }))
    : null;
  return { viewers, gender: gender.rows, genderSource: gender.source, ageBand: age.rows, ageBandSource: age.source, interests };
}
