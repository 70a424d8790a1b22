/** `portrait campaign define | list | assign | evaluate`: campaigns with a holdout and their measured effect. */
import type { Command } from 'commander';
import { resolveGrouping } from '../../analytics/grouping.js';
import {
  assignCampaign,
  CampaignRegistry,
  describeOffer,
  evaluateCampaign,
  START_STAGE,
  type AssignmentReport,
  type CampaignEvaluation,
  type CampaignMetric,
  type GroupEffect,
  type MetricEffect,
} from '../../operations/campaigns/index.js';
import type { SampleRatioCheck } from '../../operations/stats.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { output, parseAsOf, parseShare, parseWhole, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, renderPairs, renderTable, type Cell } from '../format.js';

const json = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);

const METRIC_NAMES: Record<CampaignMetric, string> = { conversion: 'conversion', gmv_per_user: 'GMV per user (yuan)', retention: 'retention' };

const isRate = (metric: CampaignMetric) => metric !== 'gmv_per_user';

/** A value of the metric: a rate as a percentage, GMV in yuan. */
function value(metric: CampaignMetric, v: number): string {
  if (!Number.isFinite(v)) return '-';
  return isRate(metric) ? `${formatNumber(100 * v, 2)}%` : formatNumber(v, 2);
}

function signed(text: string, v: number): string {
  return v > 0 ? `+${text}` : text;
}

/** A difference: percentage points for rates, yuan for GMV. */
function diff(metric: CampaignMetric, v: number): string {
  if (!Number.isFinite(v)) return '-';
  return isRate(metric) ? `${signed(formatNumber(100 * v, 2), v)} pts` : signed(formatNumber(v, 2), v);
}

function interval(metric: CampaignMetric, ci: [number, number] | null): string {
  if (!ci) return '-';
  const f = (x: number) => (isRate(metric) ? signed(formatNumber(100 * x, 2), x) : signed(formatNumber(x, 2), x));
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

function pValue(p: number | null, significant: boolean | null): string {
  if (p === null) return '-';
  const text = p < 1e-4 ? p.toExponential(1) : p < 0.01 ? p.toFixed(4) : p.toFixed(3);
  return significant ? `${text} *` : text;
}

function effectCells(metric: CampaignMetric, e: Omit<MetricEffect, 'metric' | 'goal' | 'complete' | 'window'>): Cell[] {
  return [
    e.treatment.users,
    value(metric, e.treatment.value),
    e.holdout.users,
    value(metric, e.holdout.value),
    diff(metric, e.difference),
    interval(metric, e.ci),
    e.relativeLift === null ? '-' : `${signed(formatNumber(100 * e.relativeLift, 1), e.relativeLift)}%`,
    pValue(e.pValue, e.significant),
  ];
}

function srmText(s: SampleRatioCheck): string {
  const verdict = s.mismatch ? 'MISMATCH: the split is broken, do not trust the comparison' : 'ok';
  return `chi-square ${formatNumber(s.chiSquare, 2)}, p ${s.pValue < 1e-4 ? s.pValue.toExponential(1) : s.pValue.toFixed(3)}: ${verdict}`;
}

export function renderEvaluation(e: CampaignEvaluation): string {
  const ci = `${Math.round(e.confidence * 1000) / 10}% CI`;
  const a = e.assignment;
  const retention = e.metrics.find((m) => m.metric === 'retention');
  const lines = [
    `campaign ${e.campaign}: ${e.offer}${e.theme ? ` (${e.theme})` : ''}`,
    ...(e.description ? [`  ${e.description}`] : []),
    renderPairs([
      ['goal', METRIC_NAMES[e.goal]],
      ['period', `${e.period.from} .. ${e.period.to}${retention ? ` (retention: ${retention.window.from} .. ${retention.window.to})` : ''}`],
      ['audience', `${formatNumber(a.users)} users as of ${formatTime(e.audienceAsOf)} (split ${a.source === 'stored' ? 'stored by campaign assign' : 'computed now'})`],
      ['split', `${formatNumber(a.treatment)} treatment / ${formatNumber(a.holdout)} holdout: ${formatNumber(100 * a.sampleRatio.observedHoldout, 2)}% held out, ${formatNumber(100 * a.sampleRatio.plannedHoldout, 2)}% planned`],
      ['sample ratio', srmText(a.sampleRatio)],
      ['as of', `${formatTime(e.asOf)}${e.complete ? '' : ' (not complete)'}`],
    ]),
    '',
    renderTable(
      ['metric', 'treated', 'treatment', 'held out', 'holdout', 'difference', ci, 'relative', 'p-value'],
      e.metrics.map((m) => [`${METRIC_NAMES[m.metric]}${m.goal ? ' (goal)' : ''}${m.complete ? '' : ' (partial)'}`, ...effectCells(m.metric, m)]),
    ),
    `* significant at ${formatNumber(100 * (1 - e.confidence), 0)}% (two-sided; z-test for rates, Welch's t-test for GMV per user)`,
  ];
  if (e.redemptions) {
    const r = e.redemptions;
    lines.push('', `offer ${r.code} used in the period by ${formatNumber(r.treatment.users)} treated users (${formatNumber(r.treatment.orders)} orders) and ${formatNumber(r.holdout.users)} held-out users`);
  }
  if (e.breakdown) {
    const b = e.breakdown;
    lines.push('', `${METRIC_NAMES[b.metric]} by ${b.by}`);
    lines.push(
      b.groups.length
        ? renderTable(
            ['group', 'treated', 'treatment', 'held out', 'holdout', 'difference', ci, 'relative', 'p-value'],
            b.groups.map((g: GroupEffect) => [g.group, ...effectCells(b.metric, g)]),
          )
        : 'no groups: no audience member has a value',
    );
  }
  if (e.notes.length) lines.push('', ...e.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

export function renderAssignment(r: AssignmentReport): string {
  const lines = [
    `stored the split of campaign ${r.campaign}: ${formatNumber(r.users)} users as of ${formatTime(r.audienceAsOf)}`,
    renderPairs([
      ['treatment', r.treatment],
      ['holdout', `${formatNumber(r.holdout)} (${formatNumber(100 * (r.users ? r.holdout / r.users : 0), 2)}%, planned ${formatNumber(100 * r.plannedHoldout, 2)}%)`],
      ['opted out', `${formatNumber(r.optedOut)} left out (refused targeting)`],
      ['sample ratio', srmText(r.sampleRatio)],
      ['portrait', r.portraitAsOf ? `as of ${formatTime(r.portraitAsOf)}` : 'not read (behaviour only)'],
    ]),
  ];
  if (r.out) lines.push('', `wrote user_id, arm for ${formatNumber(r.users)} users to ${r.out}`);
  if (r.notes.length) lines.push('', ...r.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('campaigns and experiments: a holdout split and the measured effect');

  campaign
    .command('define')
    .description('add or replace a campaign from a JSON definition (validated first; nothing changes if it is invalid)')
    .argument('<file>', 'definition file (JSON): {"id", "goal", "audience", "offer", "period", "holdout", ...}')
    .option('--json', 'machine-readable output')
    .action(async (file: string, _flags: unknown, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => CampaignRegistry.load(ws).define(ws, readJsonFile(file), file));
      output(json(cmd), result, () => `${result.replaced ? 'replaced' : 'defined'} campaign ${result.definition.id}`);
    });

  campaign
    .command('list')
    .description('the campaigns defined in this workspace')
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withWorkspace(cmd, async (ws) => CampaignRegistry.load(ws).list());
      output(json(cmd), list, () =>
        list.length
          ? renderTable(
              ['id', 'goal', 'period', 'holdout', 'offer', 'audience'],
              list.map((c) => [c.id, c.goal, `${c.period.from} .. ${c.period.to}`, `${formatNumber(100 * c.holdout, 1)}%`, describeOffer(c.offer), clip(JSON.stringify(c.audience), 60)]),
            )
          : 'no campaigns yet: portrait campaign define FILE.json',
      );
    });

  campaign
    .command('assign')
    .description('take the audience as of the start, split it by hash into treatment and holdout, and store the split')
    .argument('<id>', 'campaign id')
    .option('--out <file>', 'also write user_id, arm to a .csv or .parquet file (small audiences refused)')
    .option('--min-size <n>', 'smallest audience --out may write (default: defaults.minAudienceSize in portrait.json, 50)', parseWhole)
    .option('--json', 'machine-readable output')
    .action(async (id: string, flags: { out?: string; minSize?: number }, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) => assignCampaign(ws, id, { out: flags.out, minSize: flags.minSize }));
      output(json(cmd), report, () => renderAssignment(report));
    });

  campaign
    .command('evaluate')
    .description('treatment against holdout: conversion, GMV per user and retention with intervals and p-values, the split check, the effect per group')
    .argument('<id>', 'campaign id')
    .option('--as-of <time>', 'count events up to this time, YYYY-MM-DD (end of day) or YYYY-MM-DD HH:MM[:SS] (default: the end of the newest event\'s day)', parseAsOf)
    .option('--by <spec>', `break the goal metric down by ${START_STAGE} (the lifecycle stage the day before the period), a tag, or segment:NAME`, START_STAGE)
    .option('--no-by', 'no breakdown')
    .option('--confidence <level>', 'confidence level of the intervals, between 0 and 1', parseShare, 0.95)
    .option('--json', 'machine-readable output')
    .action(async (id: string, flags: { asOf?: Date; by: string | false; confidence: number }, cmd: Command) => {
      const evaluation = await withWorkspace(cmd, async (ws) => {
        const by = flags.by === false ? null : flags.by === START_STAGE ? START_STAGE : await resolveGrouping(ws, flags.by);
        return evaluateCampaign(ws, id, { asOf: flags.asOf, by, confidence: flags.confidence });
      });
      output(json(cmd), evaluation, () => renderEvaluation(evaluation));
    });
}
