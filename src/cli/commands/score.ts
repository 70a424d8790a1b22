/** `portrait score --plan FILE|ID`: lead scoring with a plan of weighted rules (docs/scoring.md). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { ScoringResult } from '../../operations/scoring/index.js';
import { runScoringPlan } from '../../operations/scoring/index.js';
import { readJsonFile } from '../../workspace/definitions.js';
import { output, parsePositive, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderTable } from '../format.js';

const pct = (share: number) => `${formatNumber(100 * share, 1)}%`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function registerScoreCommands(program: Command): void {
  program
    .command('score')
    .description('score leads with a plan of weighted rules; scores become the tags lead_score_ID and lead_band_ID (run portrait build first)')
    .requiredOption('--plan <plan>', 'scoring plan: a JSON file (validated, then stored as a versioned definition), or the id of a stored plan')
    .option('--top <n>', 'how many best leads to explain and export', parsePositive, 10)
    .option('--out <file>', 'export the best --top leads who allow targeting to a .csv or .parquet file')
    .option('--json', 'machine-readable output')
    .action(async (flags: { plan: string; top: number; out?: string; json?: boolean }, cmd: Command) => {
      const result = await withWorkspace(cmd, (ws) => {
        const isFile = flags.plan.endsWith('.json') || existsSync(flags.plan);
        const plan = isFile ? { input: readJsonFile(flags.plan), where: flags.plan } : { id: flags.plan };
        return runScoringPlan(ws, plan, { top: flags.top, out: flags.out });
      });
      output(flags.json, result, () => renderScoring(result));
    });
}

/** A text bar of `n` against `max`, at most 40 characters. */
function bar(n: number, max: number): string {
  return max > 0 ? '#'.repeat(Math.round((40 * n) / max)) : '';
}

export function renderScoring(r: ScoringResult): string {
  const d = r.distribution;
  const lines = [
    `scoring plan ${r.plan.id} (${r.stored.status}, version ${r.stored.version}) as of ${formatTime(d.asOf)}: ` +
      `${formatNumber(d.leads)} leads of ${formatNumber(d.knownUsers)} known users, mean score ${d.meanScore === null ? '-' : formatNumber(d.meanScore, 1)}`,
    `stored as tags ${r.run.tags.score} and ${r.run.tags.band}`,
    '',
    renderTable(
      ['band', 'min score', 'leads', 'share'],
      [...d.bands.map((b) => [b.band, b.min, b.leads, pct(b.share)]), ...(d.unbanded ? [['(none)', null, d.unbanded, pct(d.leads ? d.unbanded / d.leads : 0)]] : [])],
    ),
    '',
  ];
  const max = Math.max(...d.histogram.map((b) => b.leads));
  const width = d.histogram[0] ? d.histogram[0].to - d.histogram[0].from : 1;
  lines.push(
    renderTable(
      ['score', 'leads', ''],
      d.histogram.map((b) => [width === 1 ? String(b.from) : `${b.from} to ${b.to - 1}`, b.leads, bar(b.leads, max)]),
    ),
    '',
    `top ${r.top.length} leads`,
    renderTable(
      ['rank', 'user', 'score', 'band', 'why'],
      r.top.map((l) => [l.rank, String(l.userId), l.score, l.band ?? '-', (l.why.map((w) => `${w.rule} ${signed(w.points)}`).join(', ') || 'no rule matched') + (l.optedOut ? ' (opted out of targeting)' : '')]),
    ),
  );
  if (r.export) {
    lines.push(
      '',
      `exported the best ${formatNumber(r.export.leads)} leads who allow targeting to ${r.export.file}` +
        (r.export.optedOut ? ` (${formatNumber(r.export.optedOut)} opted-out leads left out)` : ''),
    );
  }
  return lines.join('\n');
}
