/** `portrait noise build` (gift purchases) and `portrait noise evaluate` (against the synthetic truth). */
import type { Command } from 'commander';
import { buildGiftFlags, evaluateGiftFlags, type GiftEvaluation, type Scores } from '../../tags/noise/index.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';
import { output, parseAsOf, withWorkspace } from '../context.js';

const AS_OF_HELP = 'local time to judge as of: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS]; default the newest event';

const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

export function renderGiftEvaluation(e: GiftEvaluation): string {
  const row = (name: string, s: Scores) => [name, formatNumber(s.flagged), formatNumber(s.truePositives), pct(s.precision), pct(s.recall), pct(s.f1)];
  return [
    `gift purchases as of ${formatTime(e.asOf)}: ${formatNumber(e.gifts)} true gifts among ${formatNumber(e.purchases)} purchases`,
    renderTable(
      ['', 'flagged', 'true gifts', 'precision', 'recall', 'F1'],
      [row('flags', e.flags), row('baseline: only purchase in its group', e.baseline)],
    ),
    renderPairs([
      ['group', e.config.group],
      ['seconds', e.seconds.toFixed(1)],
    ]),
  ].join('\n');
}

export function registerNoiseCommands(program: Command): void {
  const noise = program.command('noise').description('noise control: one-off purchases for someone else (gifts) kept out of interests');

  noise
    .command('build')
    .description('judge every purchase and write gift_purchases (interest scores built afterwards leave them out)')
    .option('--as-of <time>', AS_OF_HELP, parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date }, cmd: Command) => {
      // --json may be taken by the parent `noise` (same flag name): read it from every level.
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const report = await withWorkspace(cmd, (ws) => buildGiftFlags(ws, { asOf: flags.asOf }));
      output(json, report, () => `gift_purchases as of ${formatTime(report.asOf)}: ${formatNumber(report.rows)} rows in ${report.seconds.toFixed(1)} s`);
    });

  noise
    .command('evaluate')
    .description('compare the gift flags with the ground truth of a synthetic world: precision, recall, F1, and a naive baseline')
    .option('--as-of <time>', AS_OF_HELP, parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, (ws) => evaluateGiftFlags(ws, { asOf: flags.asOf }));
      output(json, result, () => renderGiftEvaluation(result));
    });
}
