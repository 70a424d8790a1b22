/** `portrait points [USER_ID]`, `points define FILE`, `points rules`: the points ledger and its rules. */
import type { Command } from 'commander';
import { pointsSummary, userPoints, type PointsSummary, type UserPoints } from '../../operations/points/index.js';
import { defineRules, resolveRules, storedRules, type ExpiryRules } from '../../operations/points/rules.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { output, parseAsOf, parseId, parsePositive, withWorkspace } from '../context.js';
import { clip, formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

/** Entries shown in the readable ledger (the most recent); --json has them all. */
const SHOWN_ENTRIES = 30;

export function expiryText(e: ExpiryRules): string {
  switch (e.kind) {
    case 'after_months':
      return `points expire ${e.months} month${e.months === 1 ? '' : 's'} after the day they are earned`;
    case 'year_end':
      return e.yearsAfter === 0 ? 'points expire at the end of the year they are earned' : `points expire at the end of the ${e.yearsAfter === 1 ? 'year after' : `${e.yearsAfter}th year after`} the one they are earned in`;
    case 'never':
      return 'points never expire';
    default: {
      const never: never = e;
      throw new Error(`unknown expiry ${JSON.stringify(never)}`);
    }
  }
}

const money = (v: number) => formatNumber(v, 2);

export function renderUserPoints(p: UserPoints): string {
  const t = p.totals;
  const shown = p.entries.slice(-SHOWN_ENTRIES);
  const lines = [
    `user ${p.userId}: ${formatNumber(t.balance)} points (${money(p.valueYuan)} yuan at ${p.yuanPerPoint} yuan a point), as of ${formatTime(p.asOf)}`,
    `rules ${p.rules}: ${expiryText(p.expiry)}; spending from ${p.orderSource}`,
    '',
    renderPairs([
      ['earned', t.earned],
      ['redeemed', t.redeemed],
      ['unfunded redemptions', t.unfunded],
      ['expired', t.expired],
      ['balance', t.balance],
      ['next expiry', t.nextExpiry ? `${formatNumber(t.nextExpiry.points)} points at ${formatTime(t.nextExpiry.at)}` : '-'],
    ]),
  ];
  if (shown.length) {
    lines.push(
      '',
      renderTable(
        ['time', 'entry', 'source', 'ref', 'points', 'balance', 'expires'],
        shown.map((e) => [formatTime(e.ts), e.kind, e.source, e.ref, e.unfunded ? `${formatNumber(e.points)} (asked ${formatNumber(e.requested ?? 0)})` : e.points, e.balance, e.expiresAt ? formatTime(e.expiresAt) : '-']),
      ),
    );
    if (p.entries.length > shown.length) lines.push(`... ${formatNumber(p.entries.length - shown.length)} earlier entries (use --json)`);
  } else {
    lines.push('', 'no ledger entries');
  }
  return lines.join('\n');
}

export function renderPointsSummary(s: PointsSummary): string {
  const lines = [
    `points as of ${formatTime(s.asOf)}: rules ${s.rules}, ${expiryText(s.expiry)}; spending from ${s.orderSource}`,
    '',
    renderPairs([
      ['users with a ledger', s.users],
      ['users with a balance', s.usersWithBalance],
      ['earned', s.earned],
      ['redeemed', s.redeemed],
      ['unfunded redemptions', s.unfunded],
      ['expired', s.expired],
      ['outstanding', `${formatNumber(s.balance)} points = ${money(s.valueYuan)} yuan`],
      ['balance per user', `median ${formatNumber(s.balances.p50)}, p90 ${formatNumber(s.balances.p90)}, p99 ${formatNumber(s.balances.p99)}, max ${formatNumber(s.balances.max)}`],
      [`expiring within ${s.expiringSoon.days} days`, `${formatNumber(s.expiringSoon.points)} points held by ${formatNumber(s.expiringSoon.users)} users`],
      ['entries', `earn ${formatNumber(s.entries.earn)}, redeem ${formatNumber(s.entries.redeem)}, expire ${formatNumber(s.entries.expire)}`],
    ]),
  ];
  if (s.entries.redeem === 0) lines.push('', 'no redemption events (events of the redeem types carrying the points property): only earning and expiry apply');
  return lines.join('\n');
}

export function registerPointsCommands(program: Command): void {
  const points = program
    .command('points')
    .description('points ledger (earn, redeem, expire) of one user, or the totals over all users')
    .argument('[user_id]', 'a user id; without it, every user', parseId('user'))
    .option('--as-of <time>', 'YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS] (default: the newest event)', parseAsOf)
    .option('--rules <file|name>', 'incentive rules: a JSON file or a stored name (default: stored "default", else built-in)')
    .option('--expiring-days <n>', 'all users: count points expiring within this many days after as-of', parsePositive, 30)
    .option('--json', 'machine-readable output')
    .action(async (userId: number | undefined, flags: { asOf?: Date; rules?: string; expiringDays: number; json?: boolean }, cmd: Command) => {
      if (userId !== undefined) {
        const p = await withWorkspace(cmd, (ws) => userPoints(ws, userId, { asOf: flags.asOf, rules: resolveRules(ws, flags.rules) }));
        output(flags.json, p, () => renderUserPoints(p));
      } else {
        const s = await withWorkspace(cmd, (ws) => pointsSummary(ws, { asOf: flags.asOf, rules: resolveRules(ws, flags.rules), expiringWithinDays: flags.expiringDays }));
        output(flags.json, s, () => renderPointsSummary(s));
      }
    });

  points
    .command('define')
    .description('add or replace an incentive rules document (naughty value, 88VIP, points); validated first')
    .argument('<file>', 'rules file (JSON): {"name": ..., "naughty": ..., "vip": ..., "points": ...}')
    .option('--json', 'machine-readable output')
    .action(async (file: string, _flags: unknown, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, async (ws) => defineRules(ws, readJsonFile(file), file));
      output(json, result, () => `${result.replaced ? 'replaced' : 'defined'} rules ${result.rules.name}${result.rules.name === 'default' ? ' (used when no --rules is given)' : ''}`);
    });

  points
    .command('rules')
    .description('the stored incentive rules documents')
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const list = await withWorkspace(cmd, async (ws) => storedRules(ws));
      output(json, list, () =>
        list.length
          ? renderTable(['name', 'description', 'vip threshold', 'points expiry'], list.map((r) => [r.name, clip(r.description, 40), r.vip.threshold, expiryText(r.points.expiry)]))
          : 'no stored rules: the built-in defaults apply (portrait points define FILE.json stores some)',
      );
    });
}
