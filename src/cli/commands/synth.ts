/** `portrait synth` and `portrait demo`. */
import type { Command } from 'commander';
import { runDemo } from '../../demo.js';
import type { DemoChecks } from '../../demo-checks.js';
import { resolveSynthOptions, synthesize, writeSynthFiles, type SynthOptions, type SynthReport } from '../../synth/index.js';
import { PortraitError } from '../../errors.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';
import { io, output, parseCount, parseWhole, withWorkspace, workspaceDir } from '../context.js';
import { renderStats } from './workspace.js';
import { renderProfile } from './profile.js';
import { renderSize } from './segment.js';

interface SynthFlags {
  users?: number;
  days?: number;
  seed?: number;
  preset?: string;
  start?: string;
  out?: string;
  json?: boolean;
}

function synthOptions(flags: SynthFlags): SynthOptions {
  if (flags.preset !== undefined && flags.preset !== 'taobao' && flags.preset !== 'default') {
    throw new PortraitError(`--preset: expected taobao or default, got "${flags.preset}"`);
  }
  if (flags.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.start)) {
    throw new PortraitError(`--start: expected a date as YYYY-MM-DD, got "${flags.start}"`);
  }
  const partial: Partial<SynthOptions> = {};
  if (flags.users !== undefined) partial.users = flags.users;
  if (flags.days !== undefined) partial.days = flags.days;
  if (flags.seed !== undefined) partial.seed = flags.seed;
  if (flags.preset !== undefined) partial.preset = flags.preset as SynthOptions['preset'];
  if (flags.start !== undefined) partial.start = flags.start;
  return resolveSynthOptions(partial);
}

function withSynthOptions(cmd: Command): Command {
  return cmd
    .option('--users <n>', 'number of users (e.g. 20000, 20k, 1M)', parseCount)
    .option('--days <n>', 'days of behaviour', parseWhole)
    .option('--seed <n>', 'random seed: the same seed gives the same world', parseWhole)
    .option('--preset <name>', 'default, or taobao: 9 days from 2017-11-25 shaped like the public data set')
    .option('--start <date>', 'first day, YYYY-MM-DD')
    .option('--json', 'machine-readable output');
}

export function registerSynthCommands(program: Command): void {
  withSynthOptions(
    program
      .command('synth')
      .description('write a deterministic synthetic Taobao-shaped world (with its ground truth) into a workspace, or as files with --out'),
  )
    .option('--out <dir>', 'write files for importing elsewhere instead of a workspace')
    .action(async (flags: SynthFlags, cmd: Command) => {
      const options = synthOptions(flags);
      if (flags.out) {
        const { files, report } = await writeSynthFiles(flags.out, options);
        output(flags.json, { files, report }, () => `${renderSynth(report)}\nwrote ${files.length} files to ${flags.out}`);
        return;
      }
      const report = await withWorkspace(cmd, (ws) => synthesize(ws, options));
      output(flags.json, report, () => renderSynth(report));
    });

  withSynthOptions(
    program
      .command('demo')
      .description('build a synthetic world (default 20,000 users over 60 days), run every build stage, print a summary'),
  ).action(async (flags: SynthFlags, cmd: Command) => {
    const options = synthOptions(flags);
    const log = flags.json ? () => {} : (line: string) => io.err(`${line}\n`);
    const result = await runDemo(workspaceDir(cmd), options, log);
    output(flags.json, result, () =>
      [
        `Portrait demo: workspace ${result.workspace}`,
        '',
        renderSynth(result.synth),
        '',
        renderStats(result.stats),
        '',
        `Portrait built as of ${formatTime(result.build.asOf)}`,
        renderTable(['stage', 'rows', 'note'], result.build.stages.map((s) => [s.stage, s.rows, s.note ?? ''])),
        `recommendations: ${formatNumber(result.recommendations.rows)} for ${formatNumber(result.recommendations.users)} users (portrait recs for USER_ID)`,
        '',
        ...(result.profile ? ['A profile card (portrait profile USER_ID):', '', renderProfile(result.profile), ''] : []),
        `A segment (portrait segment size ${result.segment.name}; its definition is in definitions/segments/):`,
        '',
        renderSize(result.segment),
        '',
        `Lead scoring (portrait score --plan live_stream; the plan is in definitions/scoring/): ${result.leads.distribution.bands
          .map((b) => `${b.band} ${formatNumber(b.leads)}`)
          .join(', ')} of ${formatNumber(result.leads.distribution.leads)} leads; best: ${result.leads.top
          .map((l) => `${l.userId} (${l.score}: ${l.why.map((r) => r.rule).join(', ')})`)
          .join('; ')}`,
        `Personalised messages (portrait messages --campaign winter-boots): ${formatNumber(result.messages.rendered)} of ${formatNumber(result.messages.targeted)} rendered to ${result.messages.file}; ` +
          `${result.messages.templates.map((t) => `${t.name} ${formatNumber(t.rendered)}`).join(', ')}; skipped: ${Object.entries(result.messages.skipped)
            .filter(([, n]) => n > 0)
            .map(([why, n]) => `${why.replaceAll('_', ' ')} ${formatNumber(n)}`)
            .join(', ') || 'none'}`,
        '',
        "Checked against the world's ground truth:",
        renderChecks(result.checks),
        '',
        `The report (portrait report --out report.html [--lang zh]): ${result.report.out}, ${result.report.charts.length} charts, opens offline`,
        ...result.report.charts.map((c) => `  ${c.title}: ${c.reading}`),
        '',
        'Stages',
        renderPairs(result.stages.map((s) => [s.stage, `${s.seconds.toFixed(1)} s`])),
        '',
        `Explore it: npx portrait tags list --workspace ${result.workspace}`,
        `            npx portrait profile ${result.profile?.userId ?? 'USER_ID'} --workspace ${result.workspace}`,
      ].join('\n'),
    );
  });
}

const pct = (v: number | null, digits = 1) => (v === null ? 'n/a' : `${(v * 100).toFixed(digits)}%`);

export function renderChecks(c: DemoChecks): string {
  const pairs: [string, string][] = [];
  if (c.campaign) {
    const ci = c.campaign.ci ? ` [${(c.campaign.ci[0] * 100).toFixed(2)}, ${(c.campaign.ci[1] * 100).toFixed(2)}]` : '';
    pairs.push([
      `campaign ${c.campaign.id} (portrait campaign evaluate ${c.campaign.id})`,
      `conversion ${c.campaign.estimate >= 0 ? '+' : ''}${(c.campaign.estimate * 100).toFixed(2)} points, 95% CI${ci}, p ${c.campaign.pValue === null ? 'n/a' : c.campaign.pValue.toFixed(4)}; ` +
        `true effect ${c.campaign.trueEffect === null ? 'n/a' : `+${(c.campaign.trueEffect * 100).toFixed(2)} points`}; split ${c.campaign.sampleRatioOk ? 'as planned' : 'MISMATCH'}`,
    ]);
  }
  pairs.push([
    'abuse risk (portrait risk evaluate)',
    `${formatNumber(c.risk.flagged)} flagged of ${formatNumber(c.risk.truth)} planted abusers: precision ${pct(c.risk.precision)}, recall ${pct(c.risk.recall)}`,
  ]);
  pairs.push([
    'KOLs (portrait social kol)',
    `${c.kols.hits} of the ${c.kols.n} true KOLs in the first ${c.kols.n}; top 3: ${c.kols.top.map((k) => `${k.userId} (reach ${k.reach.toFixed(0)}, ${formatNumber(k.buyers)} buyers)`).join(', ')}`,
  ]);
  pairs.push([
    'content (portrait content report)',
    `${pct(c.content.readerShare)} of active users read content; ${pct(c.content.orderShare)} of orders came through content (${formatNumber(c.content.liveOrders)} through live streams)`,
  ]);
  return renderPairs(pairs);
}

export function renderSynth(r: SynthReport): string {
  return [
    `Synthetic world: ${formatNumber(r.users)} users, ${formatNumber(r.items)} items, ${formatNumber(r.categories)} categories, ` +
      `${formatNumber(r.events)} events in ${r.seconds.toFixed(1)} s (${formatNumber(r.events / Math.max(r.seconds, 1e-9))} events/s)`,
    renderPairs(Object.entries(r.tables).map(([t, n]) => [t, n])),
  ].join('\n');
}
