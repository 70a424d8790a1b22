/**
 * Scoring: every lead in the plan's pool gets the points of the rules it meets, as of the portrait's
 * build time, in one query (each rule's users once, summed per lead). The plan's rows are computed into
 * a staging table holding the other plans' rows too, which replaces `lead_scores` in one transaction
 * together with the partial tag build of lead_score_ID and lead_band_ID: a failure leaves the previous
 * scores and tags.
 */
import { SqlParams } from '../../conditions/params.js';
import { buildTags, KNOWN_USERS_TABLE, tableExists } from '../../tags/values/build.js';
import type { Workspace } from '../../workspace/workspace.js';
import { PortraitConditions, requirePortrait } from './conditions.js';
import { planTagKeys, type ScoringPlan } from './plan.js';
import { ensurePlanTags } from './tags.js';

export const LEAD_SCORES_TABLE = 'lead_scores';
const STAGING = 'lead_scores_staging';
const COLUMNS = 'plan VARCHAR, user_id BIGINT, score INTEGER, band VARCHAR, rules VARCHAR[], as_of TIMESTAMP';

export interface ScoringRun {
  plan: string;
  asOf: Date;
  /** Users in the pool, each scored. */
  leads: number;
  knownUsers: number;
  /** The tags the scores are stored as. */
  tags: { score: string; band: string };
  seconds: number;
}

/** The SELECT of one plan's rows (plan, user_id, score, band, rules, as_of), its values bound into `params`. */
export function scoringSql(plan: ScoringPlan, conditions: PortraitConditions, params: SqlParams, asOf: Date): string {
  const pool = plan.pool ? conditions.compile(plan.pool, params, asOf, ['pool']) : `SELECT user_id FROM ${KNOWN_USERS_TABLE}`;
  // Each rule's users once (DISTINCT: a user meets a rule or not), with the rule's position, name and points.
  const hits = plan.rules.map((rule, i) => {
    const users = conditions.compile(rule.when, params, asOf, ['rules', i, 'when']);
    return `SELECT DISTINCT user_id, ${i} AS rule, CAST(${params.bind(rule.name)} AS VARCHAR) AS name, CAST(${params.bind(rule.points)} AS INTEGER) AS points FROM (${users})`;
  });
  const bands = plan.bands.map((b) => `WHEN score >= CAST(${params.bind(b.min)} AS DOUBLE) THEN CAST(${params.bind(b.band)} AS VARCHAR)`);
  return `WITH pool AS (SELECT DISTINCT user_id FROM (${pool})),
    hits AS (${hits.join('\n      UNION ALL ')}),
    scored AS (
      SELECT p.user_id, CAST(coalesce(sum(h.points), 0) AS INTEGER) AS score,
        coalesce(list(h.name ORDER BY h.rule) FILTER (WHERE h.rule IS NOT NULL), CAST([] AS VARCHAR[])) AS rules
      FROM pool p LEFT JOIN hits h ON h.user_id = p.user_id
      GROUP BY p.user_id)
    SELECT CAST(${params.bind(plan.id)} AS VARCHAR) AS plan, user_id, score, CASE ${bands.join(' ')} END AS band, rules,
      CAST(${params.bind(asOf)} AS TIMESTAMP) AS as_of
    FROM scored`;
}

/** Scores the plan's pool and stores the scores (table and tags) as of the portrait's build time. */
export async function scoreLeads(ws: Workspace, plan: ScoringPlan): Promise<ScoringRun> {
  const started = Date.now();
  const { wh } = ws;
  const asOf = await requirePortrait(ws, `scoring plan ${plan.id}`);
  const registry = ensurePlanTags(ws, plan);
  const conditions = PortraitConditions.load(ws);
  const tags = planTagKeys(plan.id);
  try {
    await wh.run(`CREATE OR REPLACE TABLE ${STAGING} (${COLUMNS})`);
    if (await tableExists(wh, LEAD_SCORES_TABLE)) {
      await wh.run(`INSERT INTO ${STAGING} SELECT plan, user_id, score, band, rules, as_of FROM ${LEAD_SCORES_TABLE} WHERE plan <> $1`, [plan.id]);
    }
    const params = new SqlParams();
    await wh.run(`INSERT INTO ${STAGING} ${scoringSql(plan, conditions, params, asOf)}`, params.values);
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${LEAD_SCORES_TABLE}`);
      await wh.run(`CREATE TABLE ${LEAD_SCORES_TABLE} AS SELECT * FROM ${STAGING} ORDER BY plan, user_id`);
      await buildTags(ws, { keys: [...new Set([...registry.withDependents(tags.score), ...registry.withDependents(tags.band)])], registry });
    });
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGING}`);
  }
  const [counts] = await wh.query<{ leads: number; known: number }>(
    `SELECT (SELECT count(*) FROM ${LEAD_SCORES_TABLE} WHERE plan = $1) AS leads, (SELECT count(*) FROM ${KNOWN_USERS_TABLE}) AS known`,
    [plan.id],
  );
  return { plan: plan.id, asOf, leads: Number(counts!.leads), knownUsers: Number(counts!.known), tags, seconds: (Date.now() - started) / 1000 };
}
