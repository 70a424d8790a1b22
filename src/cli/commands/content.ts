/**
 * `portrait content report` (readers, views and engagement by content kind, orders through content by
 * last-touch attribution, top creators) and `portrait content creators` (the creator ranking). Definitions:
 * docs/content.md.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { contentCreators, contentReport, type ContentReport, type CreatorRanking, type CreatorRow } from '../../content/index.js';
import { DURATION } from '../../conditions/schema.js';
import { CONTENT_KINDS, type ContentKind } from '../../model/enums.js';
import { formatNumber, formatTime, renderPairs, renderTable, type Cell } from '../format.js';
import { output, parseAsOf, parsePositive, withWorkspace } from '../context.js';

/** --window: an attribution or comparison window. */
export function parseWindowOption(value: string): string {
  const v = value.trim();
  if (!DURATION.safeParse(v).success) throw new InvalidArgumentError('expected a duration such as 24h, 7d or 2w.');
  return v;
}

/** --days: 1 to 3660. */
export function parseDaysOption(value: string): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 3660) throw new InvalidArgumentError('expected a whole number of days, 1 to 3660.');
  return Number(v);
}

interface ContentFlags {
  asOf?: Date;
  days: number;
  window: string;
  kind?: ContentKind;
  top: number;
  json?: boolean;
}

/** The options every content, live and review command shares. */
export function periodOptions(cmd: Command, windowHelp: string, windowDefault: string): Command {
  return cmd
    .option('--as-of <time>', 'nothing after it counts: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS] (default: the newest event)', parseAsOf)
    .option('--days <n>', 'the report covers the n local days ending on the as-of day', parseDaysOption, 30)
    .option('--window <duration>', windowHelp, parseWindowOption, windowDefault);
}

export function registerContentCommands(program: Command): void {
  const content = program.command('content').description('content analytics: readers, engagement by kind, orders through content, creators');
  periodOptions(
    content
      .command('report')
      .description('readers among active users, views and engagement per kind, orders through content (last touch), top creators'),
    'attribution window: a purchase is credited to the latest view of content linking the item at most this long before it',
    '7d',
  )
    .addOption(new Option('--kind <kind>', 'only this kind\'s row and creators (attribution still weighs every kind)').choices([...CONTENT_KINDS]))
    .option('--top <n>', 'creators shown', parsePositive, 10)
    .option('--json', 'machine-readable output')
    .action(async (flags: ContentFlags, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) =>
        contentReport(ws, { asOf: flags.asOf, days: flags.days, window: flags.window, kind: flags.kind, top: flags.top }),
      );
      output(flags.json, report, () => renderContentReport(report));
    });
  periodOptions(
    content.command('creators').description('creators ranked by views: engagement, followers gained, orders credited to their content'),
    'attribution window (as for content report)',
    '7d',
  )
    .addOption(new Option('--kind <kind>', 'rank on this kind of content only').choices([...CONTENT_KINDS]))
    .option('--top <n>', 'creators shown', parsePositive, 20)
    .option('--json', 'machine-readable output')
    .action(async (flags: ContentFlags, cmd: Command) => {
      const ranking = await withWorkspace(cmd, (ws) =>
        contentCreators(ws, { asOf: flags.asOf, days: flags.days, window: flags.window, kind: flags.kind, top: flags.top }),
      );
      output(flags.json, ranking, () => renderCreatorRanking(ranking));
    });
}

export const pct = (v: number | null): Cell => (v === null ? null : `${(100 * v).toFixed(1)}%`);
export const money = (v: number): string => formatNumber(v, 2);

/** "30 days to 2017-12-03 23:59:40 (from 2017-11-04)". */
export function periodText(r: { asOf: Date; from: Date; days: number }): string {
  return `${formatNumber(r.days)} day${r.days === 1 ? '' : 's'} from ${formatTime(r.from).slice(0, 10)} to ${formatTime(r.asOf)}`;
}

function creatorTable(rows: CreatorRow[]): string {
  return renderTable(
    ['rank', 'creator', 'name', 'tier', 'contents', 'streams', 'views', 'viewers', 'likes', 'shares', 'comments', 'engagement', 'followers', 'orders', 'GMV'],
    rows.map((c) => [
      c.rank, String(c.creatorId), c.name, c.tier, c.contents, c.streams, c.views, c.viewers, c.likes, c.shares, c.comments,
      pct(c.engagementRate), c.followers, c.orders, money(c.gmv),
    ]),
  );
}

export function renderContentReport(r: ContentReport): string {
  const a = r.audience;
  const share = (n: number, s: number | null) => `${formatNumber(n)}${s === null ? '' : ` (${pct(s)})`}`;
  const row = (name: string, k: ContentReport['content']): Cell[] => [
    name, k.contents, k.views, k.viewers, pct(k.likeRate), pct(k.shareRate), pct(k.commentRate), pct(k.engagementRate), k.followers,
    k.orders, pct(k.orderShare), money(k.gmv), pct(k.gmvShare),
  ];
  const lines = [
    `content report: ${periodText(r)}${r.kind ? `, kind ${r.kind}` : ''}`,
    `orders through content: last touch within ${r.window} of a view of content linking the item (orders from ${r.orderSource})`,
    '',
    renderPairs([
      ['active users', a.activeUsers],
      ['read content (content_view)', share(a.readers, a.readerShare)],
      ['watched live (live_watch)', share(a.liveViewers, a.liveViewerShare)],
      ['either', share(a.consumers, a.consumerShare)],
      ['orders in the period', `${formatNumber(r.purchases.orders)} (${formatNumber(r.purchases.lines)} lines, GMV ${money(r.purchases.gmv)})`],
      ['orders through content', `${formatNumber(r.content.orders)} (${pct(r.content.orderShare) ?? '-'}; GMV ${money(r.content.gmv)}, ${pct(r.content.gmvShare) ?? '-'})`],
    ]),
    '',
    renderTable(
      ['kind', 'published', 'views', 'viewers', 'like/view', 'share/view', 'comment/view', 'engagement', 'followers', 'orders', 'of orders', 'GMV', 'of GMV'],
      [...r.kinds.map((k) => row(k.kind, k)), row('all content', r.content)],
    ),
  ];
  if (r.topCreators.length) {
    lines.push('', `top ${formatNumber(r.topCreators.length)} of ${formatNumber(r.creators)} creators by views${r.kind ? ` of ${r.kind}` : ''}`, creatorTable(r.topCreators));
  }
  return lines.join('\n');
}

export function renderCreatorRanking(r: CreatorRanking): string {
  const head = `creators by views${r.kind ? ` of ${r.kind}` : ''}: ${periodText(r)}; orders credited by last touch within ${r.window} (orders from ${r.orderSource})`;
  if (r.top.length === 0) return `${head}\nno creator published, was viewed or credited in the period`;
  return [head, creatorTable(r.top), r.top.length < r.creators ? `... ${formatNumber(r.creators - r.top.length)} more (use --top)` : ''].filter(Boolean).join('\n');
}
