/**
 * `portrait live report`: per stream and per host, audience, watch time, likes, follows, rewards,
 * comments, coupon claims, orders and GMV credited by last-touch attribution, conversion, replays and the
 * audience's portrait. Definitions: docs/content.md.
 */
import type { Command } from 'commander';
import { liveReport, type LiveReport, type LiveStats, type ViewerPortrait } from '../../live/index.js';
import { formatNumber, formatTime, renderPairs, renderTable, type Cell } from '../format.js';
import { output, parseId, parsePositive, withWorkspace } from '../context.js';
import { money, pct, periodOptions, periodText } from './content.js';

interface LiveFlags {
  asOf?: Date;
  days: number;
  window: string;
  stream?: number;
  host?: number;
  top: number;
  json?: boolean;
}

export function registerLiveCommands(program: Command): void {
  const live = program.command('live').description('live-stream analytics');
  periodOptions(
    live
      .command('report')
      .description('per stream and host: audience, watch time, likes, follows, rewards, orders, GMV, conversion, replays, viewers\' portrait'),
    'attribution window: an order line is credited to the latest watch (or view) of a live page linking the item at most this long before it',
    '7d',
  )
    .option('--stream <id>', 'only this stream (whenever it started)', parseId('live stream'))
    .option('--host <id>', 'only this host\'s streams', parseId('host user'))
    .option('--top <n>', 'streams and hosts shown, by GMV (--json lists all)', parsePositive, 20)
    .option('--json', 'machine-readable output')
    .action(async (flags: LiveFlags, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) =>
        liveReport(ws, { asOf: flags.asOf, days: flags.days, window: flags.window, stream: flags.stream, host: flags.host }),
      );
      output(flags.json, report, () => renderLiveReport(report, flags.top));
    });
}

const minutes = (s: number | null): Cell => (s === null ? null : formatNumber(s / 60, 1));
const hours = (s: number): Cell => formatNumber(s / 3600, 1);

const statCells = (s: LiveStats): Cell[] => [
  s.viewers, hours(s.watchSeconds), minutes(s.avgWatchSeconds), s.replayViewers, s.likes, s.follows, s.rewards, money(s.rewardAmount),
  s.comments, s.couponClaims, s.orders, money(s.gmv), pct(s.conversion),
];
const STAT_HEADERS = ['viewers', 'watch h', 'avg min', 'replay', 'likes', 'follows', 'rewards', 'reward ¥', 'comments', 'coupons', 'orders', 'GMV', 'conv'];

function portraitLines(p: ViewerPortrait): string[] {
  const split = (rows: { value: string; share: number | null }[]) =>
    rows.filter((r) => (r.share ?? 0) > 0).map((r) => `${r.value} ${pct(r.share)}`).join(', ') || '-';
  const src = (s: { declared: number; predicted: number; unknown: number }) =>
    `(declared ${formatNumber(s.declared)}, predicted ${formatNumber(s.predicted)}, unknown ${formatNumber(s.unknown)})`;
  const pairs: [string, Cell][] = [
    ['gender', `${split(p.gender)} ${src(p.genderSource)}`],
    ['age band', `${split(p.ageBand)} ${src(p.ageBandSource)}`],
    [
      'top interests',
      p.interests === null
        ? 'interest scores not built (portrait build)'
        : p.interests.map((i) => `${i.name ?? i.categoryId} ${pct(i.share)}`).join(', ') || '-',
    ],
  ];
  return [renderPairs(pairs)];
}

export function renderLiveReport(r: LiveReport, top: number): string {
  const scope = r.stream !== null ? `stream ${r.stream}` : `streams started in ${periodText(r)}${r.host !== null ? `, host ${r.host}` : ''}`;
  const lines = [
    `live report: ${scope}; as of ${formatTime(r.asOf)}`,
    `orders credited by last touch within ${r.window} of a watch (orders from ${r.orderSource}); conversion = viewers with a credited order / audience`,
  ];
  if (r.streams.length === 0) {
    lines.push('', 'no live stream started in the period');
    return lines.join('\n');
  }
  const byGmv = [...r.streams].sort((a, b) => b.gmv - a.gmv || b.audience - a.audience || a.liveId - b.liveId).slice(0, top);
  lines.push(
    '',
    byGmv.length < r.streams.length ? `top ${formatNumber(byGmv.length)} of ${formatNumber(r.streams.length)} streams by GMV` : 'streams by GMV',
    renderTable(
      ['stream', 'host', 'started', 'title', ...STAT_HEADERS],
      byGmv.map((s) => [String(s.liveId), String(s.hostId), formatTime(s.startedAt).slice(0, 16), s.title, ...statCells(s)]),
    ),
  );
  if (r.stream === null) {
    const hosts = r.hosts.slice(0, top);
    lines.push(
      '',
      hosts.length < r.hosts.length ? `top ${formatNumber(hosts.length)} of ${formatNumber(r.hosts.length)} hosts by GMV` : 'hosts by GMV',
      renderTable(['host', 'name', 'tier', 'streams', ...STAT_HEADERS], hosts.map((h) => [String(h.hostId), h.name, h.tier, h.streams, ...statCells(h)])),
      '',
      'all streams (users distinct across streams)',
      renderTable(['streams', ...STAT_HEADERS], [[r.streams.length, ...statCells(r.total)]]),
    );
  }
  lines.push('', `audience portrait (${formatNumber(r.total.audience)} viewers${r.total.replayViewers ? ', replays included' : ''})`, ...portraitLines(r.total.portrait));
  return lines.join('\n');
}
