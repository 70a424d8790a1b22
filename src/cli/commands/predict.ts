/** `portrait predict evaluate` and `portrait predict build`: model tags (gender, age band). */
import type { Command } from 'commander';
import { ATTRIBUTES, buildPredictions, evaluatePrediction, isAttribute, type Attribute, type EvaluationReport } from '../../tags/predict/index.js';
import { PortraitError } from '../../errors.js';
import { formatTime, renderPairs, renderTable } from '../format.js';
import { output, parseShare, parseWhole, withWorkspace } from '../context.js';

function attributeOf(value: string | undefined): Attribute {
  if (value === undefined) throw new PortraitError('predict evaluate: --attribute is required', `one of: ${ATTRIBUTES.join(', ')}`);
  if (!isAttribute(value)) throw new PortraitError(`unknown attribute "${value}"`, `predictable attributes: ${ATTRIBUTES.join(', ')}`);
  return value;
}

const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);

export function renderEvaluation(r: EvaluationReport): string {
  return [
    `${r.attribute}: trained on ${r.trained} declared users, tested on ${r.tested} held out (${pct(r.holdoutShare)}, seed ${r.seed}), as of ${formatTime(r.asOf)}`,
    renderPairs([
      ['accuracy', pct(r.accuracy)],
      [`baseline (always ${r.baselineClass})`, pct(r.baselineAccuracy)],
      ['lift over baseline', `${(100 * (r.accuracy - r.baselineAccuracy)).toFixed(1)} points`],
      ['features', r.features],
      ['seconds', r.seconds.toFixed(1)],
    ]),
    '',
    renderTable(
      ['class', 'held out', 'precision', 'recall'],
      r.classes.map((c) => [c.class, c.support, pct(c.precision), pct(c.recall)]),
    ),
    '',
    'confusion (rows: declared, columns: predicted)',
    renderTable(['declared \\ predicted', ...r.trainedClasses], r.confusion.map((row, i) => [r.trainedClasses[i]!, ...row])),
    ...(r.untestable > 0 ? ['', `note: ${r.untestable} held-out user(s) declared a class with too few labels to train; not scored`] : []),
  ].join('\n');
}

export function registerPredictCommands(program: Command): void {
  const predict = program.command('predict').description('model tags: predict gender and age band from behaviour');

  predict
    .command('evaluate')
    .description('train on declared users, test on a held-out share: accuracy, precision/recall, confusion, baseline')
    .option('--attribute <name>', `attribute to evaluate: ${ATTRIBUTES.join(' or ')}`)
    .option('--holdout <share>', 'share of declared users held out for testing', parseShare, 0.2)
    .option('--seed <n>', 'seed of the held-out split', parseWhole, 0)
    .option('--json', 'machine-readable output')
    .action(async (flags: { attribute?: string; holdout: number; seed: number; json?: boolean }, cmd: Command) => {
      const attribute = attributeOf(flags.attribute);
      const report = await withWorkspace(cmd, (ws) => evaluatePrediction(ws, { attribute, holdoutShare: flags.holdout, seed: flags.seed }));
      output(flags.json, report, () => renderEvaluation(report));
    });

  predict
    .command('build')
    .description('train on every declared user and write predicted_attributes for every user with behaviour')
    .option('--attribute <name...>', `attributes (default all): ${ATTRIBUTES.join(', ')}`)
    .option('--json', 'machine-readable output')
    .action(async (flags: { attribute?: string[]; json?: boolean }, cmd: Command) => {
      const attributes = flags.attribute?.map((a) => attributeOf(a));
      const report = await withWorkspace(cmd, (ws) => buildPredictions(ws, { attributes }));
      output(flags.json, report, () =>
        [
          `predicted_attributes as of ${formatTime(report.asOf)}: ${report.rows} rows in ${report.seconds.toFixed(1)} s`,
          renderTable(
            ['attribute', 'classes', 'trained on', 'predicted'],
            report.attributes.map((a) => [a.attribute, a.classes.join(', '), a.trainedOn, a.predicted]),
          ),
          ...report.skipped.map((s) => `skipped ${s.reason}`),
        ].join('\n'),
      );
    });
}
