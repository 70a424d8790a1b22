/** `portrait rhythm evaluate`: behaviour rhythm against the ground truth of a synthetic world. */
import type { Command } from 'commander';
import { evaluateRhythm } from '../../analytics/rhythm/index.js';
import { output, withWorkspace } from '../context.js';
import { formatNumber, renderPairs } from '../format.js';

const pct = (v: number | null) => (v === null ? '-' : `${formatNumber(100 * v, 1)}%`);

export function registerRhythmCommands(program: Command): void {
  program
    .command('rhythm')
    .description('behaviour rhythm (built by portrait build)')
    .command('evaluate')
    .description('peak hours, weekend share, payday and home/work places against a synthetic world\'s truth')
    .option('--json', 'machine-readable output')
    .action(async (_flags: unknown, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const e = await withWorkspace(cmd, (ws) => evaluateRhythm(ws));
      output(json, e, () =>
        renderPairs([
          ['users', e.users],
          ['peak hour exact', pct(e.peakHour.exact)],
          ['peak hour within 1 hour', pct(e.peakHour.within1)],
          ['peak hour, constant guess', pct(e.peakHour.baseline)],
          ['weekend share: weekend lovers', pct(e.weekendShare.weekendLovers)],
          ['weekend share: neutral', pct(e.weekendShare.neutral)],
          ['weekend share: weekday lovers', pct(e.weekendShare.weekdayLovers)],
          ['full detail', 'use --json (payday, home and work detections)'],
        ]),
      );
    });
}
