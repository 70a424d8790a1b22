/**
 * `portrait spread`: propagation (fission) monitoring. With --campaign, the campaign's spread tree level by
 * level, the K-factor, the top sharers' direct and downstream contribution, the cost per new user and per
 * order given --spend, and the whole tree as a file with --out; without it, every campaign with its reach.
 * See docs/social.md.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { listCampaigns, spreadTree, treeFormat, writeSpreadTree, type CampaignSummary, type SpreadTree } from '../../social/index.js';
import { PortraitError } from '../../errors.js';
import { output, parseAsOf, parsePositive, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

interface SpreadFlags {
  campaign?: string;
  spend?: number;
  asOf?: Date;
  newDays: number;
  top: number;
  out?: string;
  json?: boolean;
}

function parseMoney(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError('expected an amount of money, such as 5000 or 1250.50.');
  return n;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || n > 3660) throw new InvalidArgumentError('expected a number of days, 0 to 3660 (fractions allowed, e.g. 0.5).');
  return n;
}

const pct = (v: number | null) => (v === null ? '-' : `${formatNumber(100 * v, 1)}%`);
const ratio = (v: number | null, digits = 2) => (v === null ? '-' : formatNumber(v, digits));
const money = (v: number | null) => (v === null ? '-' : formatNumber(v, 2));

export function registerSpreadCommands(program: Command): void {
  program
    .command('spread')
    .description('propagation (fission) monitoring: a campaign\'s spread tree, K-factor, sharers and costs; without --campaign, every campaign')
    .option('--campaign <id>', 'campaign, share or invite code (social_edges.campaign_id, events\' properties.campaign_id)')
    .option('--spend <amount>', 'money spent on the campaign, for the cost per new user and per order', parseMoney)
    .option('--as-of <time>', 'YYYY-MM-DD (end of day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--new-days <n>', 'a reached user is new when registered within this many days of being reached', parseDays, 1)
    .option('--top <n>', 'sharers listed, by downstream users', parsePositive, 20)
    .option('--out <file>', 'with --campaign: write every node of the tree to FILE.json or FILE.csv (user, parent, level, new, bought, GMV...)')
    .option('--json', 'machine-readable output')
    .action(async (flags: SpreadFlags, cmd: Command) => {
      if (flags.campaign === undefined) {
        if (flags.spend !== undefined || flags.out !== undefined) throw new PortraitError('--spend and --out need --campaign', 'run `portrait spread` alone to list the campaigns');
        const list = await withWorkspace(cmd, (ws) => listCampaigns(ws, { ...(flags.asOf && { asOf: flags.asOf }), newWithinDays: flags.newDays }));
        output(flags.json, list, () => renderCampaigns(list));
        return;
      }
      const campaign = flags.campaign;
      if (flags.out !== undefined) treeFormat(flags.out);
      const { tree, written } = await withWorkspace(cmd, async (ws) => {
        const found = await spreadTree(ws, {
          campaign,
          ...(flags.asOf && { asOf: flags.asOf }),
          ...(flags.spend !== undefined && { spend: flags.spend }),
          newWithinDays: flags.newDays,
          top: flags.top,
        });
        if (!flags.out) return { tree: found, written: null };
        return { tree: found, written: await writeSpreadTree(ws, flags.out, found) };
      });
      // The nodes go to --out; printing every one of them in --json would drown the summary.
      const { nodes, ...summary } = tree;
      output(flags.json, { ...summary, nodeCount: nodes.length, out: flags.out ?? null }, () =>
        [renderSpread(tree), ...(written !== null ? ['', `wrote ${formatNumber(written)} nodes to ${flags.out}`] : [])].join('\n'),
      );
    });
}

export function renderCampaigns(list: { asOf: Date; newWithinDays: number; campaigns: CampaignSummary[] }): string {
  if (list.campaigns.length === 0) return `No campaign referrals up to ${formatTime(list.asOf)} (social_edges with a campaign_id, or events with referrer_user_id and properties.campaign_id).`;
  return [
    `Campaigns as of ${formatTime(list.asOf)} (new = registered within ${formatNumber(list.newWithinDays, 1)} day(s) of being reached)`,
    renderTable(
      ['campaign', 'first referral', 'last referral', 'seeds', 'reached', 'new', 'buyers', 'GMV', 'depth', 'K'],
      list.campaigns.map((c) => [c.campaign, formatTime(c.firstReferral), formatTime(c.lastReferral), c.seeds, c.reached, c.newUsers, c.buyers, money(c.gmv), c.depth, ratio(c.kFactor, 3)]),
    ),
    '',
    'Show one with `portrait spread --campaign ID`.',
  ].join('\n');
}

export function renderSpread(t: SpreadTree): string {
  const o = t.overall;
  const lines = [
    `Spread of ${t.campaign} as of ${formatTime(t.asOf)}: referrals ${formatTime(t.firstReferral)} to ${formatTime(t.lastReferral)}`,
    `(new = registered within ${formatNumber(t.newWithinDays, 1)} day(s) of being reached; orders from ${t.orderSource}, counted from when the user entered)`,
    renderPairs([
      ['seeds (level 0)', t.seeds],
      ['users reached', t.reached.users],
      ['new users brought', t.reached.newUsers],
      ['buyers among them', `${formatNumber(t.reached.buyers)} (${pct(t.reached.users > 0 ? t.reached.buyers / t.reached.users : null)})`],
      ['their orders, GMV', `${formatNumber(t.reached.orders)}, ${money(t.reached.gmv)}`],
      ['depth', t.depth],
      ['K-factor', `${ratio(o.kFactor, 3)} = ${ratio(o.invitationsPerUser, 3)} invitations per user x ${pct(o.conversion)} of invitations bringing a new user`],
    ]),
    '',
    'By level (i = invitations per user, c = new users brought per invitation, K = i x c)',
    renderTable(
      ['level', 'users', 'new', 'buyers', 'orders', 'GMV', 'invitations', 'brought', 'i', 'c', 'K'],
      t.levels.map((l) => [l.level, l.users, l.newUsers, l.buyers, l.orders, money(l.gmv), l.invitations, l.newUsersBrought, ratio(l.invitationsPerUser, 3), pct(l.conversion), ratio(l.kFactor, 3)]),
    ),
  ];
  if (t.costs) {
    const c = t.costs;
    lines.push(
      '',
      `Costs of a spend of ${money(c.spend)}`,
      renderPairs([
        ['per new user', money(c.perNewUser)],
        ['per order', money(c.perOrder)],
        ['per buyer', money(c.perBuyer)],
        ['GMV per unit spent', ratio(c.gmvPerSpend)],
      ]),
    );
  }
  if (t.sharers.length > 0) {
    lines.push(
      '',
      t.sharers.length < t.sharerCount ? `Top ${formatNumber(t.sharers.length)} of ${formatNumber(t.sharerCount)} sharers, by users downstream` : 'Sharers, by users downstream',
      renderTable(
        ['user', 'level', 'invitations', 'shares', 'direct', 'direct new', 'direct buyers', 'direct GMV', 'downstream', 'down new', 'down buyers', 'down GMV'],
        t.sharers.map((s) => [
          String(s.userId), s.level, s.invitations, s.shares, s.direct.users, s.direct.newUsers, s.direct.buyers, money(s.direct.gmv),
          s.downstream.users, s.downstream.newUsers, s.downstream.buyers, money(s.downstream.gmv),
        ]),
      ),
    );
  }
  return lines.join('\n');
}
