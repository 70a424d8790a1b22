/** `portrait build`. */
import { InvalidArgumentError, type Command } from 'commander';
import { runBuild } from '../../build.js';
import { formatTime, renderTable } from '../format.js';
import { output, withWorkspace } from '../context.js';

function parseAsOf(value: string): Date {
  // Times are the platform's local wall-clock: read as written, with no zone conversion.
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS].');
  const time = m[2] ?? '23:59:59';
  const d = new Date(`${m[1]}T${time.length === 5 ? `${time}:00` : time}Z`);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('not a valid date.');
  return d;
}

export function registerBuildCommands(program: Command): void {
  program
    .command('build')
    .description('compute every derived table (gift flags, interest scores, cycles, traits, lifetime value, predictions, tags) as of a time')
    .option('--as-of <time>', 'local time to build as of: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date; json?: boolean }, cmd: Command) => {
      const report = await withWorkspace(cmd, (ws) => runBuild(ws, { asOf: flags.asOf }));
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
