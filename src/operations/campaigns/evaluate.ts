/**
 * Measuring a campaign: treatment against holdout on conversion (a buy in the period), GMV per user
 * (money paid in the period, zero for non-buyers) and retention (any event in the retentionDays days
 * after the period), each with its confidence interval and two-sided p-value (two-proportion z-test for
 * the rates, Welch's t-test for GMV per user); the sample-ratio-mismatch check of the split; redemptions
 * of the offer's code per arm; and the goal metric's effect per group of a breakdown (by default the
 * lifecycle stage at the start, which the campaign cannot have changed). Every user of the split counts
 * in its arm (intention to treat). One aggregate query over the events does the counting.
 */
import { resolveAsOf } from '../../analytics/as-of.js';
import { embedSql } from '../../analytics/funnel/relation.js';
import type { UserGrouping } from '../../analytics/grouping.js';
import { stageAtSql } from '../../analytics/lifecycle/stage.js';
import { SqlParams } from '../../conditions/params.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { sampleRatioCheck, twoProportionZTest, welchTTest, type Comparison, type SampleRatioCheck } from '../stats.js';
import { campaignAssignment, type AssignmentRelation } from './assignment.js';
import { campaignWindows, CAMPAIGN_METRICS, describeOffer, type CampaignDefinition, type CampaignMetric, type CampaignWindows, type Offer } from './definition.js';
import { CampaignRegistry } from './registry.js';

/** The default breakdown: each user's lifecycle stage at the end of the day before the period. */
export const START_STAGE = 'start-stage';

export interface EvaluateOptions {
  /** Only events up to this time count (default: the end of the newest event's day); before the period ends the figures are interim. */
  asOf?: Date | undefined;
  /** Confidence level of the intervals (default 0.95); an effect is significant when p < 1 - confidence. */
  confidence?: number | undefined;
  /** Breakdown of the goal metric: START_STAGE (default), a grouping (--by TAG or segment:NAME), or null for none. */
  by?: UserGrouping | typeof START_STAGE | null | undefined;
}

export interface ArmFigures {
  users: number;
  /** The rate or mean GMV per user. */
  value: number;
  /** Users converted / retained (rates), or total GMV (gmv_per_user). */
  total: number;
}

export interface MetricEffect extends Omit<Comparison, 'treatment' | 'control'> {
  metric: CampaignMetric;
  /** The campaign's goal metric. */
  goal: boolean;
  test: 'two-proportion z' | 'welch t';
  treatment: ArmFigures;
  holdout: ArmFigures;
  /** p-value below 1 - confidence. */
  significant: boolean | null;
  /** The metric's whole window lies before as-of. */
  complete: boolean;
  /** The window measured, local days (to included). */
  window: { from: string; to: string };
}

export interface GroupEffect extends Omit<MetricEffect, 'metric' | 'goal' | 'complete' | 'window'> {
  group: string;
}

export interface CampaignEvaluation {
  campaign: string;
  description: string | null;
  theme: string | null;
  goal: CampaignMetric;
  offer: string;
  offerDetail: Offer;
  period: { from: string; to: string };
  /** The audience and its portrait are as of this time (the last second before the period). */
  audienceAsOf: Date;
  /** Events up to this time count. */
  asOf: Date;
  /** The period and the retention window are both over by as-of. */
  complete: boolean;
  confidence: number;
  assignment: {
    source: AssignmentRelation['source'];
    users: number;
    treatment: number;
    holdout: number;
    portraitAsOf: Date | null;
    sampleRatio: SampleRatioCheck;
  };
  metrics: MetricEffect[];
  /** Users and orders that used the offer's code in the period, per arm; null when the offer has no code. */
  redemptions: { code: string; treatment: { users: number; orders: number }; holdout: { users: number; orders: number } } | null;
  breakdown: { by: string; metric: CampaignMetric; groups: GroupEffect[] } | null;
  notes: string[];
}

const DAY_MS = 86_400_000;
/** Below this many users in an arm, a group's interval is flagged as rough. */
const SMALL_ARM = 30;
const dayText = (d: Date) => d.toISOString().slice(0, 10);
const timeText = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');

interface ArmRow {
  arm: string;
  grp: string | null;
  total_row: boolean;
  n: number;
  converted: number;
  gmv_sum: number;
  gmv_var: number | null;
  retained: number;
}

/** The comparison of one metric from the per-arm counts of one row pair (treatment, holdout). */
function effectOf(metric: CampaignMetric, t: ArmRow | undefined, h: ArmRow | undefined, confidence: number): Omit<MetricEffect, 'goal' | 'complete' | 'window'> {
  const nt = Number(t?.n ?? 0);
  const nh = Number(h?.n ?? 0);
  const rate = (successes: (r: ArmRow | undefined) => number) => {
    const st = successes(t);
    const sh = successes(h);
    const c = twoProportionZTest({ successes: st, n: nt }, { successes: sh, n: nh }, confidence);
    return { c, tf: { users: nt, value: c.treatment.value, total: st }, hf: { users: nh, value: c.control.value, total: sh }, test: 'two-proportion z' as const };
  };
  let out: ReturnType<typeof rate> | { c: ReturnType<typeof welchTTest>; tf: ArmFigures; hf: ArmFigures; test: 'welch t' };
  switch (metric) {
    case 'conversion':
      out = rate((r) => Number(r?.converted ?? 0));
      break;
    case 'retention':
      out = rate((r) => Number(r?.retained ?? 0));
      break;
    case 'gmv_per_user': {
      const sum = (r: ArmRow | undefined) => Number(r?.gmv_sum ?? 0);
      const summary = (r: ArmRow | undefined, n: number) => ({ n, mean: n ? sum(r) / n : NaN, variance: r?.gmv_var === null || r?.gmv_var === undefined ? 0 : Number(r.gmv_var) });
      const c = welchTTest(summary(t, nt), summary(h, nh), confidence);
      out = { c, tf: { users: nt, value: c.treatment.value, total: sum(t) }, hf: { users: nh, value: c.control.value, total: sum(h) }, test: 'welch t' };
      break;
    }
    default: {
      const never: never = metric;
      throw new Error(`unknown metric ${String(never)}`);
    }
  }
  const { treatment: _t, control: _c, ...comparison } = out.c;
  return {
    ...comparison,
    metric,
    test: out.test,
    treatment: out.tf,
    holdout: out.hf,
    significant: comparison.pValue === null ? null : comparison.pValue < 1 - confidence,
  };
}

/** The breakdown asked for, as a label and a relation (user_id, grp) bound into `p`; null for none. */
function groupingOf(ws: Workspace, by: EvaluateOptions['by'], w: CampaignWindows, p: SqlParams): { label: string; sql: string } | null {
  const spec = by === undefined ? START_STAGE : by;
  if (spec === null) return null;
  if (spec === START_STAGE) {
    const day = dayText(w.audienceAsOf);
    return { label: `lifecycle stage on ${day}`, sql: `SELECT user_id, stage AS grp FROM (${stageAtSql(p, day, ws.config.lifecycle)})` };
  }
  return { label: spec.label, sql: embedSql(spec.sql, spec.params, p) };
}

/**
 * Per arm, and per arm and group: users, converted users, GMV (sum and sample variance over every user,
 * zeros included) and retained users, counting events up to as-of. One pass over the period's buys and
 * the retention window's events.
 */
async function countArms(ws: Workspace, split: AssignmentRelation, w: CampaignWindows, asOf: Date, by: EvaluateOptions['by']): Promise<{ rows: ArmRow[]; groupLabel: string | null }> {
  const p = new SqlParams();
  const assignment = embedSql(split.sql, split.params, p);
  const asOfSql = `CAST(${p.bind(asOf)} AS TIMESTAMP)`;
  const between = (from: Date, to: Date) => `ts >= CAST(${p.bind(from)} AS TIMESTAMP) AND ts < CAST(${p.bind(to)} AS TIMESTAMP) AND ts <= ${asOfSql}`;
  const grouping = groupingOf(ws, by, w, p);
  const rows = await ws.wh.query<ArmRow>(
    `WITH a AS (SELECT user_id, arm FROM (${assignment})),
     b AS (SELECT user_id, sum(amount) AS gmv FROM events WHERE type = 'buy' AND ${between(w.periodStart, w.periodEnd)} GROUP BY user_id),
     r AS (SELECT DISTINCT user_id FROM events WHERE ${between(w.retentionStart, w.retentionEnd)}),
     u AS (
       SELECT a.user_id, a.arm, ${grouping ? 'g.grp' : 'CAST(NULL AS VARCHAR) AS grp'}, b.user_id IS NOT NULL AS converted,
         CAST(coalesce(b.gmv, 0) AS DOUBLE) AS gmv, r.user_id IS NOT NULL AS retained
       FROM a LEFT JOIN b ON b.user_id = a.user_id LEFT JOIN r ON r.user_id = a.user_id
       ${grouping ? `LEFT JOIN (SELECT user_id, CAST(grp AS VARCHAR) AS grp FROM (${grouping.sql})) g ON g.user_id = a.user_id` : ''}
     )
     SELECT arm, grp, grouping(grp) = 1 AS total_row, count(*) AS n, count(*) FILTER (WHERE converted) AS converted,
       sum(gmv) AS gmv_sum, var_samp(gmv) AS gmv_var, count(*) FILTER (WHERE retained) AS retained
     FROM u GROUP BY GROUPING SETS ((arm), (arm, grp))`,
    p.values,
  );
  return { rows, groupLabel: grouping?.label ?? null };
}

/** The goal metric per group (largest first); users without a group are left out. */
function breakdownOf(rows: ArmRow[], metric: CampaignMetric, label: string, confidence: number): NonNullable<CampaignEvaluation['breakdown']> {
  const grouped = rows.filter((r) => !r.total_row && r.grp !== null);
  const names = [...new Set(grouped.map((r) => r.grp!))];
  const size = (g: string) => grouped.filter((r) => r.grp === g).reduce((s, r) => s + Number(r.n), 0);
  names.sort((a, b) => size(b) - size(a) || a.localeCompare(b));
  const arm = (g: string, name: string) => grouped.find((r) => r.grp === g && r.arm === name);
  return {
    by: label,
    metric,
    groups: names.map((g) => {
      const { metric: _m, ...effect } = effectOf(metric, arm(g, 'treatment'), arm(g, 'holdout'), confidence);
      return { group: g, ...effect };
    }),
  };
}

/** Users and orders per arm whose order carried the offer's code in the period, up to as-of. */
async function countRedemptions(ws: Workspace, split: AssignmentRelation, code: string, w: CampaignWindows, asOf: Date): Promise<NonNullable<CampaignEvaluation['redemptions']>> {
  const p = new SqlParams();
  const assignment = embedSql(split.sql, split.params, p);
  const used = await ws.wh.query<{ arm: string; users: number; orders: number }>(
    `SELECT a.arm, count(DISTINCT o.user_id) AS users, count(DISTINCT o.order_id) AS orders
     FROM (${assignment}) a JOIN orders o ON o.user_id = a.user_id
     WHERE o.coupon_id = ${p.bind(code)} AND o.ts >= CAST(${p.bind(w.periodStart)} AS TIMESTAMP)
       AND o.ts < CAST(${p.bind(w.periodEnd)} AS TIMESTAMP) AND o.ts <= CAST(${p.bind(asOf)} AS TIMESTAMP)
     GROUP BY a.arm`,
    p.values,
  );
  const of = (name: string) => {
    const r = used.find((x) => x.arm === name);
    return { users: Number(r?.users ?? 0), orders: Number(r?.orders ?? 0) };
  };
  return { code, treatment: of('treatment'), holdout: of('holdout') };
}

export async function evaluateCampaign(ws: Workspace, campaign: string | CampaignDefinition, options: EvaluateOptions = {}): Promise<CampaignEvaluation> {
  const def = typeof campaign === 'string' ? CampaignRegistry.load(ws).require(campaign) : campaign;
  const confidence = options.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new PortraitError(`confidence must be between 0 and 1 (got ${confidence})`);
  const w = campaignWindows(def);
  const newest = await resolveAsOf(ws.wh, options.asOf);
  if (!newest) throw new PortraitError(`campaign "${def.id}": there are no events`, 'import events first (portrait import, portrait synth or portrait demo)');
  // A campaign runs in whole days: by default the data is read to the end of the newest event's day.
  const asOf = options.asOf ?? new Date(`${dayText(newest)}T23:59:59Z`);
  if (asOf.getTime() < w.periodStart.getTime()) {
    throw new PortraitError(`campaign "${def.id}" starts on ${def.period.from}; as of ${timeText(asOf)} there is nothing to measure yet`, 'evaluate with a later --as-of');
  }
  const split = await campaignAssignment(ws, def);
  const notes = [...split.notes];
  const periodComplete = asOf.getTime() >= w.periodEnd.getTime() - 1000;
  const retentionStarted = asOf.getTime() >= w.retentionStart.getTime();
  const retentionComplete = asOf.getTime() >= w.retentionEnd.getTime() - 1000;
  if (!periodComplete) {
    notes.push(
      `interim: the period runs to the end of ${def.period.to}; events up to ${timeText(asOf)} are counted ` +
        '(p-values are not corrected for looking more than once: judge the campaign at its end)',
    );
  }
  if (!retentionStarted) notes.push(`retention is measured from ${dayText(w.retentionStart)}, after as-of`);
  else if (!retentionComplete) notes.push(`retention window ${dayText(w.retentionStart)} .. ${dayText(new Date(w.retentionEnd.getTime() - DAY_MS))} is not over by as-of: partial`);

  // Without its window, the goal cannot be broken down either.
  const by = def.goal === 'retention' && !retentionStarted ? null : options.by;
  const { rows, groupLabel } = await countArms(ws, split, w, asOf, by);
  const totals = rows.filter((r) => r.total_row);
  const treatmentRow = totals.find((r) => r.arm === 'treatment');
  const holdoutRow = totals.find((r) => r.arm === 'holdout');
  const treatmentUsers = Number(treatmentRow?.n ?? 0);
  const holdoutUsers = Number(holdoutRow?.n ?? 0);
  if (treatmentUsers + holdoutUsers === 0) notes.push('the audience is empty: nobody matched the condition by the start');
  const sampleRatio = sampleRatioCheck(treatmentUsers, holdoutUsers, split.plannedHoldout);
  if (sampleRatio.mismatch) {
    notes.push(
      `sample ratio mismatch: ${(100 * sampleRatio.observedHoldout).toFixed(2)}% held out against ${(100 * split.plannedHoldout).toFixed(2)}% planned ` +
        `(chi-square ${sampleRatio.chiSquare.toFixed(2)}, p ${sampleRatio.pValue.toExponential(2)}); the split is broken, so the comparison cannot be trusted`,
    );
  }

  const window = (from: Date, end: Date) => ({ from: dayText(from), to: dayText(new Date(end.getTime() - DAY_MS)) });
  const metrics: MetricEffect[] = [];
  for (const metric of [def.goal, ...CAMPAIGN_METRICS.filter((m) => m !== def.goal)]) {
    if (metric === 'retention' && !retentionStarted) continue;
    const isRetention = metric === 'retention';
    metrics.push({
      ...effectOf(metric, treatmentRow, holdoutRow, confidence),
      goal: metric === def.goal,
      complete: isRetention ? retentionComplete : periodComplete,
      window: isRetention ? window(w.retentionStart, w.retentionEnd) : window(w.periodStart, w.periodEnd),
    });
  }

  const breakdown = groupLabel === null ? null : breakdownOf(rows, def.goal, groupLabel, confidence);
  if (breakdown && breakdown.groups.length > 1) notes.push('group p-values are not adjusted for the number of groups: read them as leads, not findings');
  const small = (breakdown?.groups ?? []).filter((g) => Math.min(g.treatment.users, g.holdout.users) < SMALL_ARM).map((g) => g.group);
  if (small.length) notes.push(`fewer than ${SMALL_ARM} users in an arm of ${small.join(', ')}: the normal approximation is rough there`);

  const redemptions = def.offer.code ? await countRedemptions(ws, split, def.offer.code, w, asOf) : null;
  if (redemptions && redemptions.holdout.users > 0) {
    notes.push(`${redemptions.holdout.users} holdout user(s) used ${redemptions.code}: the offer reached the holdout, which shrinks the measured effect`);
  }

  return {
    campaign: def.id,
    description: def.description ?? null,
    theme: def.theme ?? null,
    goal: def.goal,
    offer: describeOffer(def.offer),
    offerDetail: def.offer,
    period: { ...def.period },
    audienceAsOf: split.audienceAsOf,
    asOf,
    complete: periodComplete && retentionComplete,
    confidence,
    assignment: { source: split.source, users: treatmentUsers + holdoutUsers, treatment: treatmentUsers, holdout: holdoutUsers, portraitAsOf: split.portraitAsOf, sampleRatio },
    metrics,
    redemptions,
    breakdown,
    notes,
  };
}
