/** `portrait recs`: train recommendations, read one user's, export a segment's (docs/recommend.md). */
import type { Command } from 'commander';
import { compileSegment } from '../../segments/registry.js';
import {
  exportRecommendations,
  recommendationsFor,
  trainRecommendations,
  type RecommendationsExport,
  type TrainReport,
  type UserRecommendations,
} from '../../recommend/index.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';
import { output, parseDay, parseId, parsePositive, withWorkspace } from '../context.js';

const parseUserId = parseId('user');

/** Registers `portrait recs` and returns it, so other subcommands (evaluate) can be attached. */
export function registerRecsCommands(program: Command): Command {
  const recs = program.command('recs').description('personalised recommendations with reasons (train first)');

  recs
    .command('train')
    .description("precompute every user's top 50 recommendations into user_recommendations")
    .option('--as-of <date>', 'only behaviour up to the end of this day, YYYY-MM-DD (default: the newest event)', parseDay)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, (ws) => trainRecommendations(ws, { asOf: flags.asOf }));
      output(json, result, () => renderTrain(result));
    });

  recs
    .command('for')
    .description("one user's recommendations, each with its source and reason")
    .argument('<user_id>', 'user id', parseUserId)
    .option('--n <n>', 'how many', parsePositive, 20)
    .option('--json', 'machine-readable output')
    .action(async (userId: number, flags: { n: number }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, (ws) => recommendationsFor(ws, userId, flags.n));
      output(json, result, () => renderFor(result));
    });

  recs
    .command('export')
    .description("write a segment's recommendations to CSV (users who opted out of targeting left out)")
    .requiredOption('--segment <name>', 'segment name (portrait segment list)')
    .requiredOption('--out <file>', 'CSV file to write')
    .option('--n <n>', 'recommendations per user', parsePositive, 50)
    .option('--json', 'machine-readable output')
    .action(async (flags: { segment: string; out: string; n: number }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json);
      const result = await withWorkspace(cmd, async (ws) => {
        const members = await compileSegment(ws, flags.segment);
        return exportRecommendations(ws, { sql: members.sql, params: members.params }, flags.out, { n: flags.n, subject: `segment ${flags.segment}` });
      });
      output(json, result, () => renderExport(result));
    });

  return recs;
}

export function renderTrain(r: TrainReport): string {
  return [
    `recommendations as of ${formatTime(r.asOf)}: ${formatNumber(r.rows)} for ${formatNumber(r.users)} users in ${r.seconds.toFixed(1)} s`,
    renderTable(['step', 'seconds'], r.steps.map((s) => [s.step, s.seconds.toFixed(2)])),
  ].join('\n');
}

export function renderFor(r: UserRecommendations): string {
  const head = `recommendations for user ${r.userId} (trained as of ${formatTime(r.asOf)}): ${r.recommendations.length}`;
  if (r.recommendations.length === 0) return `${head}\n(no recommendations: the user is unknown to the last training run)`;
  return [
    head,
    renderTable(
      ['rank', 'item', 'score', 'source', 'reason', '理由'],
      r.recommendations.map((x) => [x.rank, String(x.item_id), x.score.toFixed(3), x.source, x.reason_en, x.reason_zh]),
    ),
  ].join('\n');
}

export function renderExport(r: RecommendationsExport): string {
  return renderPairs([
    ['file', r.file],
    ['users', r.users],
    ['rows', r.rows],
    ['opted out (left out)', r.optedOut],
  ]);
}
