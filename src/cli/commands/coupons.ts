/** `portrait coupons define | list | simulate`: coupon plans and their simulation on a segment. */
import type { Command } from 'commander';
import { definePlan, resolvePlan, simulateCouponPlan, storedPlans, type CouponPlan, type CouponSimulation, type Rate } from '../../operations/coupons/index.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { output, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

const json = (cmd: Command) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
const yuan = (v: number) => `${formatNumber(v, Number.isInteger(v) ? 0 : 2)} yuan`;
const pct = (v: number) => `${formatNumber(100 * v, Math.abs(v) < 0.01 && v !== 0 ? 2 : 1)}%`;

export function couponText(c: CouponPlan['coupon']): string {
  switch (c.kind) {
    case 'full_reduction':
      return `${yuan(c.faceValue)} off orders of ${yuan(c.minSpend)} or more (满减)`;
    case 'no_threshold':
      return `${yuan(c.faceValue)} off any order (无门槛)`;
    default: {
      const never: never = c.kind;
      throw new Error(`unknown coupon kind ${String(never)}`);
    }
  }
}

function rateText(r: Rate, detail: string): string {
  return `${pct(r.value)} (${r.source}${detail ? `: ${detail}` : ''})`;
}

export function renderSimulation(s: CouponSimulation): string {
  const a = s.audience;
  const i = s.issue;
  const u = s.uptake;
  const validity = s.validity.from ? `valid ${s.validity.from} to ${s.validity.to}` : `valid ${s.validity.days} day${s.validity.days === 1 ? '' : 's'} from issue`;
  const flagged = !a.riskFlags
    ? '- (user_risk not built: nobody left out as risky)'
    : a.includeFlagged
      ? `${formatNumber(a.flagged ?? 0)} (kept: --include-flagged)`
      : `${formatNumber(a.flagged ?? 0)} (left out)`;
  const reachDetail =
    u.thresholdReach.source === 'history' || u.thresholdReach.source === 'all users'
      ? `${formatNumber(u.thresholdReach.reaching)} of ${formatNumber(u.thresholdReach.orders)} orders reach ${yuan(s.coupon.minSpend)}`
      : u.thresholdReach.source === 'default'
        ? `${formatNumber(u.thresholdReach.orders)} priced orders, fewer than ${formatNumber(u.minOrders)}`
        : '';
  const count = (v: number) => formatNumber(v, v < 10 ? 2 : 1);
  return [
    `coupon plan ${s.plan} on segment ${s.segment}, as of ${formatTime(s.asOf)}`,
    `${couponText(s.coupon)}, ${validity}; budget ${yuan(s.budget)}, at most ${s.perUserCap} per user, ${s.distribution === 'claim' ? 'claimed by users' : 'granted into accounts'}, ${s.priority === 'random' ? 'seeded random order' : 'highest naughty value first'} when the budget is short`,
    '',
    'audience',
    renderPairs([
      ['segment members', a.members],
      ['opted out of targeting', `${formatNumber(a.optedOut)} (never targeted)`],
      ['flagged by risk detection', flagged],
      ['audience', a.audience],
    ]),
    '',
    'issue',
    renderPairs([
      ['budget pays for', `${formatNumber(i.maxByBudget)} coupons (${yuan(s.budget)} / ${yuan(s.coupon.faceValue)})`],
      ['audience x cap', i.wanted],
      ['issued', `${formatNumber(i.issued)} to ${formatNumber(i.recipients)} users (at most ${formatNumber(i.maxPerUser)} each; limited by the ${i.limitedBy})`],
    ]),
    '',
    `uptake (history: the ${u.lookbackDays} days before as-of)`,
    renderPairs([
      ['claim rate', `${rateText(u.claimRate, u.claimRate.source === 'history' ? `${formatNumber(u.claimRate.claimers)} of ${formatNumber(u.claimRate.members)} claimed a coupon` : '')}${s.distribution === 'grant' ? ', not applied: coupons are granted' : ''}`],
      ['use rate', rateText(u.useRate, u.useRate.source === 'history' ? `${formatNumber(u.useRate.used)} of ${formatNumber(u.useRate.matured)} matured claims used` : u.useRate.source === 'default' ? `${formatNumber(u.useRate.matured)} matured claims, fewer than ${formatNumber(u.minClaims)}` : '')],
      ['threshold reach', rateText(u.thresholdReach, reachDetail)],
      ['uses per coupon', pct(u.perCoupon)],
    ]),
    '',
    'expected',
    renderPairs([
      [s.distribution === 'claim' ? 'claims' : 'coupons held', count(s.expected.claims)],
      ['uses', count(s.expected.uses)],
      ['cost', `${yuan(s.expected.cost)} (every issued coupon used: ${yuan(s.expected.worstCaseCost)}; budget ${yuan(s.budget)})`],
      ['budget not issued', yuan(s.expected.budgetUnissued)],
      ['GMV floor', `${yuan(s.expected.gmvFloor)} (uses x minimum spend)`],
    ]),
    ...(s.out ? ['', `wrote the issue list (user_id, coupons) to ${s.out}`] : []),
  ].join('\n');
}

export function registerCouponCommands(program: Command): void {
  const coupons = program.command('coupons').description('coupon plans: budget, per-user caps, validity, minimum spend; simulated on a segment');

  coupons
    .command('define')
    .description('add or replace a coupon plan from a JSON file (validated first; nothing changes if it is invalid)')
    .argument('<file>', 'plan file (JSON)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, _flags: unknown, cmd: Command) => {
      const result = await withWorkspace(cmd, async (ws) => definePlan(ws, readJsonFile(file), file));
      output(json(cmd), result, () => `${result.replaced ? 'replaced' : 'defined'} coupon plan ${result.plan.name}`);
    });

  coupons
    .command('list')
    .description('the coupon plans stored in this workspace')
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withWorkspace(cmd, async (ws) => storedPlans(ws));
      output(json(cmd), list, () =>
        list.length
          ? renderTable(['name', 'coupon', 'budget', 'per user', 'description'], list.map((p) => [p.name, couponText(p.coupon), yuan(p.budget), p.perUserCap, clip(p.description, 40)]))
          : 'no coupon plans yet: portrait coupons define FILE.json',
      );
    });

  coupons
    .command('simulate')
    .description('issue a plan on a segment\'s audience (opted-out users never, risk-flagged ones not by default): coupons issued, expected uptake and cost')
    .requiredOption('--plan <file|name>', 'a plan file (JSON) or a stored plan name')
    .requiredOption('--segment <name>', 'the segment to serve (portrait segment list)')
    .option('--include-flagged', 'keep users flagged by risk detection (user_risk) in the audience')
    .option('--out <file>', 'write the issue list (user_id, coupons) to a .csv or .parquet file')
    .option('--json', 'machine-readable output')
    .action(async (flags: { plan: string; segment: string; includeFlagged?: boolean; out?: string; json?: boolean }, cmd: Command) => {
      const sim = await withWorkspace(cmd, async (ws) =>
        simulateCouponPlan(ws, resolvePlan(ws, flags.plan), flags.segment, { includeFlagged: flags.includeFlagged, out: flags.out }),
      );
      output(flags.json, sim, () => renderSimulation(sim));
    });
}
