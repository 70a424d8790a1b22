/**
 * `portrait risk`: coupon-abuse and scalping risk. `build` scores every account (also a stage of
 * `portrait build`), `list` shows the riskiest with their reasons, `evaluate` checks the flagged set
 * against a synthetic world's planted abusers.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { buildUserRisk, evaluateRisk, listRisk, RISK_KINDS, type RiskEvaluation, type RiskKind, type RiskList } from '../../risk/index.js';
import { output, parseAsOf, parsePositive, withWorkspace } from '../context.js';
import { formatNumber, formatTime, renderPairs, renderTable } from '../format.js';

/** Option parser for a score from 0 to 1 (`positive`: above 0). */
function parseScore(positive: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d*\.?\d+$/.test(value.trim()) || !(positive ? n > 0 : n >= 0) || n > 1) {
      throw new InvalidArgumentError(`expected a score ${positive ? 'above 0' : 'from 0'} up to 1, such as 0.5.`);
    }
    return n;
  };
}

const score = (v: number) => formatNumber(v, 3);
const pct = (v: number | null) => (v === null ? '-' : `${formatNumber(100 * v, 1)}%`);

export function registerRiskCommands(program: Command): void {
  const risk = program.command('risk').description('coupon-abuse (薅羊毛) and scalping (黄牛) risk scores with reasons');

  risk
    .command('build')
    .description('score every account as of a time into user_risk (portrait build does this too)')
    .option('--as-of <time>', 'local time: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date; json?: boolean }, cmd: Command) => {
      const r = await withWorkspace(cmd, (ws) => buildUserRisk(ws, { asOf: flags.asOf }));
      output(flags.json, r, () =>
        [
          `risk built as of ${formatTime(r.asOf)}`,
          renderPairs([
            ['accounts scored', r.rows],
            ['flagged', r.flagged],
            ['  coupon abuse', r.byKind.coupon_abuse],
            ['  scalping', r.byKind.scalping],
            ['seconds', r.seconds.toFixed(1)],
          ]),
        ].join('\n'),
      );
    });

  risk
    .command('list')
    .description('accounts at or above a risk score (default: the flagged ones), riskiest first, with reasons')
    .addOption(new Option('--kind <kind>', "rank by this kind's score").choices([...RISK_KINDS]))
    .option('--min-score <x>', 'lowest score listed, 0 to 1 (default the build threshold, 0.5); accounts without any signal are never listed', parseScore(false))
    .option('--top <n>', 'show the first n (readable output shows 20 unless set; --json all)', parsePositive)
    .option('--json', 'machine-readable output')
    .action(async (flags: { kind?: RiskKind; minScore?: number; top?: number; json?: boolean }, cmd: Command) => {
      const limit = flags.top ?? (flags.json ? undefined : 20);
      const list = await withWorkspace(cmd, (ws) => listRisk(ws, { kind: flags.kind, minScore: flags.minScore, limit }));
      output(flags.json, list, () => renderRiskList(list));
    });

  risk
    .command('evaluate')
    .description("precision and recall of the flagged accounts against a synthetic world's planted abusers (truth.abuse)")
    .option('--as-of <time>', 'local time: YYYY-MM-DD (end of that day) or YYYY-MM-DD HH:MM[:SS]; default the newest event', parseAsOf)
    .option('--threshold <x>', 'flag at this score, above 0 up to 1 (default 0.5)', parseScore(true))
    .option('--json', 'machine-readable output')
    .action(async (flags: { asOf?: Date; threshold?: number; json?: boolean }, cmd: Command) => {
      const config = flags.threshold === undefined ? {} : { threshold: flags.threshold };
      const e = await withWorkspace(cmd, (ws) => evaluateRisk(ws, { asOf: flags.asOf, config }));
      output(flags.json, e, () => renderRiskEvaluation(e));
    });
}

export function renderRiskList(list: RiskList): string {
  const what = list.kind ? `${list.kind.replace('_', ' ')} score` : 'score';
  const head = `risk as of ${formatTime(list.asOf)} (flagged from ${list.threshold}): ${formatNumber(list.total)} accounts with ${what} >= ${list.minScore}`;
  if (!list.rows.length) return head;
  const lines = [
    head,
    renderTable(
      ['user', 'flagged', 'score', 'kind', 'coupon abuse', 'scalping', 'reasons'],
      list.rows.map((r) => [String(r.user_id), r.flagged ? 'yes' : 'no', score(r.score), r.kind ?? '-', score(r.coupon_abuse), score(r.scalping), r.reasons.join('; ')]),
    ),
  ];
  if (list.rows.length < list.total) lines.push(`... ${formatNumber(list.total - list.rows.length)} more (use --top or --json)`);
  return lines.join('\n');
}

export function renderRiskEvaluation(e: RiskEvaluation): string {
  const row = (kind: string, truth: string, c: RiskEvaluation['overall']) => [kind, truth, c.flagged, c.truth, c.hits, pct(c.precision), pct(c.recall)];
  return [
    `risk as of ${formatTime(e.asOf)}, flagged from ${e.threshold}, ${formatNumber(e.users)} accounts`,
    renderTable(
      ['kind', 'planted as', 'flagged', 'planted', 'hits', 'precision', 'recall'],
      [...e.kinds.map((k) => row(k.kind, k.truthKind, k)), row('overall', 'any', e.overall)],
    ),
    `flagged abusers with the other kind: ${formatNumber(e.wrongKind)}`,
  ].join('\n');
}
