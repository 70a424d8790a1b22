/**
 * Scoring: every lead in the plan's pool gets the points of the rules it meets, as of the portrait's
 * build time: each rule's users once into a temporary table, then one query grouping them per lead. The
 * plan's rows go into a staging table holding the other plans' rows too, which replaces `lead_scores` in
 * one transaction together with the partial tag build of lead_score_ID and lead_band_ID: a failure leaves
 * the previous scores and tags.
 */
import { SqlParams } from '../../conditions/params.js';
import { buildTags, KNOWN_USERS_TABLE, tableExists } from '../../tags/values/build.js';
import type { Workspace } from '../../workspace/workspace.js';
import { PortraitConditions, requirePortrait } from './conditions.js';
import { planTagKeys, type ScoringPlan } from './plan.js';
import { ensurePlanTags } from './tags.js';

export const LEAD_SCORES_TABLE = 'lead_scores';
const STAGING = 'lead_scores_staging';
const HITS = 'lead_rule_hits';
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
  /** Seconds of each step: the rules' users, the scores, the swap with the tags' partial build. */
  steps: { step: string; seconds: number }[];
}

/**
 * The SELECT of each rule's users (user_id, rule: its position in the plan), its values bound into
 * `params`. DISTINCT: a user meets a rule or not.
 */
export function ruleHitsSql(plan: ScoringPlan, conditions: PortraitConditions, params: SqlParams, asOf: Date): string {
  return plan.rules
    .map((rule, i) => `SELECT DISTINCT user_id, ${i} AS rule FROM (${conditions.compile(rule.when, params, asOf, ['rules', i, 'when'])})`)
    .join('\n  UNION ALL ');
}

/**
 * The SELECT of one plan's rows (plan, user_id, score, band, rules, as_of) from the rule hits in `hits`
 * (user_id, rule), its values bound into `params`: every pool user, with the points of the rules met
 * summed, the band, and the names of those rules in plan order.
 */
export function scoringSql(plan: ScoringPlan, hits: string, conditions: PortraitConditions, params: SqlParams, asOf: Date): string {
  const pool = plan.pool ? conditions.compile(plan.pool, params, asOf, ['pool']) : `SELECT user_id FROM ${KNOWN_USERS_TABLE}`;
  const points = `[${params.bindList(plan.rules.map((r) => r.points), 'INTEGER')}]`;
  const names = `[${params.bindList(plan.rules.map((r) => r.name), 'VARCHAR')}]`;
  const bands = plan.bands.map((b) => `WHEN score >= CAST(${params.bind(b.min)} AS DOUBLE) THEN CAST(${params.bind(b.band)} AS VARCHAR)`);
  return `WITH pool AS (SELECT DISTINCT user_id FROM (${pool})),
    scored AS (
      SELECT p.user_id, coalesce(list_sort(list(h.rule) FILTER (WHERE h.rule IS NOT NULL)), CAST([] AS INTEGER[])) AS met
      FROM pool p LEFT JOIN ${hits} h ON h.user_id = p.user_id
      GROUP BY p.user_id),
    summed AS (
      SELECT user_id, CAST(coalesce(list_sum(list_transform(met, i -> ${points}[i + 1])), 0) AS INTEGER) AS score,
        list_transform(met, i -> ${names}[i + 1]) AS rules
      FROM scored)
    SELECT CAST(${params.bind(plan.id)} AS VARCHAR) AS plan, user_id, score, CASE ${bands.join(' ')} END AS band,
      rules, CAST(${params.bind(asOf)} AS TIMESTAMP) AS as_of
    FROM summed`;
}

/** Scores the plan's pool and stores the scores (table and tags) as of the portrait's build time. */
export async function scoreLeads(ws: Workspace, plan: ScoringPlan): Promise<ScoringRun> {
  const started = Date.now();
  const { wh } = ws;
  const asOf = await requirePortrait(ws, `scoring plan ${plan.id}`);
  const registry = ensurePlanTags(ws, plan);
  const conditions = PortraitConditions.load(ws);
  const tags = planTagKeys(plan.id);
  const steps: ScoringRun['steps'] = [];
  let stepStarted = Date.now();
  const step = (name: string) => {
    steps.push({ step: name, seconds: (Date.now() - stepStarted) / 1000 });
    stepStarted = Date.now();
  };
  try {
    await wh.run(`CREATE OR REPLACE TABLE ${STAGING} (${COLUMNS})`);
    if (await tableExists(wh, LEAD_SCORES_TABLE)) {
      await wh.run(`INSERT INTO ${STAGING} SELECT plan, user_id, score, band, rules, as_of FROM ${LEAD_SCORES_TABLE} WHERE plan <> $1`, [plan.id]);
    }
    // The rules' users first, on their own: planned inside the scoring query they ran three times slower.
    const hitParams = new SqlParams();
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${HITS} AS ${ruleHitsSql(plan, conditions, hitParams, asOf)}`, hitParams.values);
    step('rule hits');
    const params = new SqlParams();
    await wh.run(`INSERT INTO ${STAGING} ${scoringSql(plan, HITS, conditions, params, asOf)}`, params.values);
    step('scores');
    await wh.transaction(async () => {
      await wh.run(`DROP TABLE IF EXISTS ${LEAD_SCORES_TABLE}`);
      await wh.run(`CREATE TABLE ${LEAD_SCORES_TABLE} AS SELECT * FROM ${STAGING} ORDER BY plan, user_id`);
      await buildTags(ws, { keys: [...new Set([...registry.withDependents(tags.score), ...registry.withDependents(tags.band)])], registry });
    });
    step('swap and tags');
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGING}`);
    await wh.run(`DROP TABLE IF EXISTS ${HITS}`);
  }
  const [counts] = await wh.query<{ leads: number; known: number }>(
    `SELECT (SELECT count(*) FROM ${LEAD_SCORES_TABLE} WHERE plan = $1) AS leads, (SELECT count(*) FROM ${KNOWN_USERS_TABLE}) AS known`,
    [plan.id],
  );
  return { plan: plan.id, asOf, leads: Number(counts!.leads), knownUsers: Number(counts!.known), tags, seconds: (Date.now() - started) / 1000, steps };
}
