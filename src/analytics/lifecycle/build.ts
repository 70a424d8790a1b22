/**
 * The lifecycle build stage: every user's stage at the end of the as-of day into `user_lifecycle`, with
 * the same definition (stageAtSql) as the lifecycle chart and the stage transitions, so the
 * `lifecycle_stage` tag, segments and the chart always agree.
 */
import { requireAsOf } from '../as-of.js';
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { stageAtSql, type StageThresholds } from './stage.js';

export const LIFECYCLE_TABLE = 'user_lifecycle';

export async function buildLifecycle(
  ws: Workspace,
  options: { asOf?: Date; thresholds?: Partial<StageThresholds> } = {},
): Promise<{ asOf: Date; rows: number; seconds: number }> {
  const started = Date.now();
  const { wh } = ws;
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'lifecycle');
    const params = new SqlParams();
    // Event times are local wall-clock times stored as UTC-less values: the as-of day is its date part.
    const sql = stageAtSql(params, asOf.toISOString().slice(0, 10), options.thresholds);
    await wh.run(`CREATE OR REPLACE TABLE ${LIFECYCLE_TABLE} AS SELECT CAST(user_id AS BIGINT) AS user_id, stage FROM (${sql}) ORDER BY user_id`, params.values);
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${LIFECYCLE_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
