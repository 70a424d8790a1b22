/** `portrait build`. */
import type { Command } from 'commander';
import { runBuild } from '../../build.js';
import { formatTime, renderTable } from '../format.js';
import { io, output, parseAsOf, withWorkspace } from '../context.js';

export function registerBuildCommands(program: Command): void {
  program
    .command('build')
    .description('compute every derived table (gift flags, interest scores, cycles, traits, lifetime value, predictions, tags) as of a time')
    .option('--as-of <time>', 'local time to build as of: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date; json?: boolean }, cmd: Command) => {
      // Long builds say what they finished as they go (on stderr, so --json output stays clean).
      const log = flags.json ? undefined : (s: { stage: string; seconds: number }) => io.err(`${s.stage}: done in ${s.seconds.toFixed(1)} s\n`);
      const report = await withWorkspace(cmd, (ws) => runBuild(ws, { asOf: flags.asOf, log }));
      output(flags.json, report, () =>
        [
          `built as of ${formatTime(report.asOf)}`,
          renderTable(
            ['stage', 'rows', 'seconds', 'note'],
            report.stages.map((s) => [s.stage, s.rows, s.seconds.toFixed(1), s.note ?? '']),
          ),
        ].join('\n'),
      );
    });
}
