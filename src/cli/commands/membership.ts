/** `portrait member [USER_ID]`: the naughty value (淘气值) and 88VIP price of one user, or their distribution. */
import type { Command } from 'commander';
import { memberCard, membershipDistribution, type MemberCard, type MembershipDistribution } from '../../operations/membership/index.js';
import type { NaughtyComponent } from '../../operations/membership/rules.js';
import { resolveRules } from '../../operations/points/rules.js';
import { output, parseAsOf, parseId, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

const LABEL: Record<NaughtyComponent, string> = {
  spending: 'spending',
  activeDays: 'active days',
  interactions: 'interactions',
  reviews: 'quality reviews',
};

const pct = (v: number) => `${formatNumber(100 * v, v > 0 && v < 0.01 ? 2 : 1)}%`;
const yuan = (v: number) => formatNumber(v, Number.isInteger(v) ? 0 : 2);

function counted(c: MemberCard['components'][number], orders: number): string {
  switch (c.component) {
    case 'spending':
      return `${formatNumber(c.measure, 2)} yuan in ${formatNumber(orders)} order${orders === 1 ? '' : 's'}`;
    case 'activeDays':
      return `${formatNumber(c.measure)} day${c.measure === 1 ? '' : 's'}`;
    case 'interactions':
      return `${formatNumber(c.measure)} event${c.measure === 1 ? '' : 's'}`;
    case 'reviews':
      return `${formatNumber(c.measure)} review${c.measure === 1 ? '' : 's'}`;
    default: {
      const never: never = c.component;
      throw new Error(`unknown component ${String(never)}`);
    }
  }
}

export function renderMemberCard(m: MemberCard): string {
  const v = m.vip;
  const vip = v.eligible
    ? `88VIP: ${yuan(v.price)} yuan a year (naughty value ${formatNumber(m.naughtyValue)} >= ${formatNumber(v.threshold)})`
    : `88VIP: ${yuan(v.price)} yuan a year (naughty value ${formatNumber(m.naughtyValue)} < ${formatNumber(v.threshold)}: ${formatNumber(v.short)} short of the ${yuan(v.memberPrice)} yuan price)`;
  return [
    `user ${m.userId}: naughty value ${formatNumber(m.naughtyValue)}, as of ${formatTime(m.asOf)} (window after ${formatTime(m.since)}; rules ${m.rules}; spending from ${m.orderSource})`,
    '',
    renderTable(
      ['component', 'counted', 'score', 'cap'],
      [...m.components.map((c) => [LABEL[c.component], counted(c, m.orders), c.score, c.cap]), ['total', '', m.naughtyValue, m.components.reduce((s, c) => s + c.cap, 0)]],
    ),
    '',
    vip,
  ].join('\n');
}

export function renderDistribution(d: MembershipDistribution): string {
  const n = d.naughtyValue;
  return [
    `naughty value of ${formatNumber(d.users)} users, as of ${formatTime(d.asOf)} (window after ${formatTime(d.since)}; rules ${d.rules}; spending from ${d.orderSource})`,
    `88VIP at ${yuan(d.vip.memberPrice)} yuan: ${formatNumber(d.vip.eligible)} users (${pct(d.vip.eligibleShare)}) with ${formatNumber(d.vip.threshold)} or more; the other ${formatNumber(d.users - d.vip.eligible)} pay ${yuan(d.vip.regularPrice)} yuan`,
    '',
    renderPairs([
      ['mean', formatNumber(n.mean, 1)],
      ['median', n.p50],
      ['quartiles', `${formatNumber(n.p25)} / ${formatNumber(n.p75)}`],
      ['90th / 99th percentile', `${formatNumber(n.p90)} / ${formatNumber(n.p99)}`],
      ['max', n.max],
    ]),
    '',
    renderTable(
      ['naughty value', 'users', 'share'],
      d.bins.map((b) => [b.to === null ? `${b.from}+` : `${b.from}-${b.to - 1}`, b.users, pct(b.share)]),
    ),
    '',
    renderTable(
      ['component', 'mean score', 'cap', 'users at cap'],
      d.components.map((c) => [LABEL[c.component], formatNumber(c.mean, 1), c.cap, `${formatNumber(c.atCap)} (${pct(c.atCapShare)})`]),
    ),
  ].join('\n');
}

export function registerMembershipCommands(program: Command): void {
  program
    .command('member')
    .description('naughty value (淘气值) breakdown and 88VIP price of one user, or the distribution over all users')
    .argument('[user_id]', 'a user id; without it, every known user', parseId('user'))
    .option('--as-of <time>', 'YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS] (default: the newest event)', parseAsOf)
    .option('--rules <file|name>', 'incentive rules: a JSON file or a stored name (default: stored "default", else built-in)')
    .option('--json', 'machine-readable output')
    .action(async (userId: number | undefined, flags: { asOf?: Date; rules?: string; json?: boolean }, cmd: Command) => {
      if (userId !== undefined) {
        const card = await withWorkspace(cmd, (ws) => memberCard(ws, userId, { asOf: flags.asOf, rules: resolveRules(ws, flags.rules) }));
        output(flags.json, card, () => renderMemberCard(card));
      } else {
        const dist = await withWorkspace(cmd, (ws) => membershipDistribution(ws, { asOf: flags.asOf, rules: resolveRules(ws, flags.rules) }));
        output(flags.json, dist, () => renderDistribution(dist));
      }
    });
}
