/**
 * `portrait recs evaluate`: offline evaluation of the recommendation algorithms on any interaction file
 * (CSV user_id,item_id,timestamp[,weight]), in an in-memory engine: no workspace needed; or, with no file,
 * of the blend and each source on the workspace (src/recommend/evaluate/workspace.ts).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import { DuckDBWarehouse } from '../../warehouse/duckdb.js';
import { ALGORITHM_NAMES, type AlgorithmName } from '../../recommend/algorithms/index.js';
import {
  evaluateFiles,
  evaluateWorkspace,
  parseSplit,
  WORKSPACE_RUNS,
  type AlgorithmOptions,
  type EvaluationInput,
  type EvaluationReport,
  type WorkspaceEvaluationReport,
  type WorkspaceRun,
} from '../../recommend/evaluate/index.js';
import { formatNumber, renderPairs, renderTable } from '../format.js';
import { io, output, withWorkspace } from '../context.js';

interface EvaluateCliOptions {
  interactions?: string;
  split?: string;
  train?: string;
  test?: string;
  k: number;
  algorithms: AlgorithmName[];
  neighbours?: number;
  historyCap?: number;
  shrinkage?: number;
  iuf?: boolean;
  weighted?: boolean;
  halfLife?: number;
  memoryLimit?: string;
  sources?: WorkspaceRun[];
  json?: boolean;
}

function parsePositiveWhole(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}

function parseNonNegativeWhole(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number (0 for none).');
  return Number(value);
}

function parseNonNegative(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number >= 0.');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

function parseAlgorithms(value: string): AlgorithmName[] {
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${ALGORITHM_NAMES.join(', ')}.`);
  for (const n of names) {
    if (!(ALGORITHM_NAMES as readonly string[]).includes(n)) throw new InvalidArgumentError(`unknown algorithm "${n}"; choose from ${ALGORITHM_NAMES.join(', ')}.`);
  }
  return [...new Set(names)] as AlgorithmName[];
}

function parseRuns(value: string): WorkspaceRun[] {
  const names = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${WORKSPACE_RUNS.join(', ')}.`);
  for (const n of names) {
    if (!(WORKSPACE_RUNS as readonly string[]).includes(n)) throw new InvalidArgumentError(`unknown run "${n}"; choose from ${WORKSPACE_RUNS.join(', ')}.`);
  }
  return [...new Set(names)] as WorkspaceRun[];
}

function parseSplitOption(value: string): string {
  try {
    parseSplit(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof PortraitError ? `${error.message}; ${error.hint ?? ''}`.trim() : String(error));
  }
  return value;
}

export function registerRecsEvaluateCommand(recs: Command): void {
  recs
    .command('evaluate')
    .description('offline evaluation: popular, item-CF and user-CF on an interaction file (no workspace needed), or with no file the blend and each source on the workspace')
    .option('--interactions <file>', 'CSV with header user_id,item_id,timestamp[,weight] (timestamp: ISO date/time or Unix seconds)')
    .option('--split <how>', 'leave-last-out (each user\'s last interaction is the test item) or time:FRACTION (a global time cut, e.g. time:0.8)', parseSplitOption)
    .option('--train <file>', 'explicit split: training interactions (with --test)')
    .option('--test <file>', 'explicit split: test interactions (with --train)')
    .option('--k <n>', 'length of each recommendation list', parsePositiveWhole, 10)
    .option('--algorithms <list>', `comma-separated: ${ALGORITHM_NAMES.join(',')}`, parseAlgorithms, [...ALGORITHM_NAMES])
    .option('--neighbours <n>', 'item-CF and user-CF: neighbours kept per item / user (default 20)', parsePositiveWhole)
    .option('--history-cap <n>', 'item-CF and user-CF: most recent distinct items per user used (default 100; 0: no cap)', parseNonNegativeWhole)
    .option('--shrinkage <lambda>', 'item-CF and user-CF: similarity x common / (common + lambda) (default 0)', parseNonNegative)
    .option('--iuf', 'item-CF: inverse user frequency; user-CF: inverse item frequency')
    .option('--weighted', 'use the weight column (popular counts weights; CF uses the weighted matrix) instead of the binary matrix')
    .option('--half-life <days>', 'popular: time decay with this half-life in days', parsePositive)
    .option('--memory-limit <size>', 'memory the in-memory engine may use before spilling, e.g. 4GB')
    .option('--sources <list>', `workspace: the runs to score, of ${WORKSPACE_RUNS.join(',')} (default all)`, parseRuns)
    .option('--json', 'machine-readable output')
    .action(async (opts: EvaluateCliOptions, cmd: Command) => {
      if (opts.interactions === undefined && opts.train === undefined && opts.test === undefined) {
        await evaluateOnWorkspace(opts, cmd);
        return;
      }
      if (opts.sources !== undefined) throw new PortraitError('--sources applies to the workspace evaluation (no --interactions or --train/--test)');
      const input = evaluationInput(opts);
      const wh = await DuckDBWarehouse.open(':memory:', opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {});
      let report: EvaluationReport;
      try {
        report = await evaluateFiles(wh, input, { k: opts.k, algorithms: opts.algorithms, options: algorithmOptions(opts) });
      } finally {
        await wh.close();
      }
      output(opts.json, report, () => renderEvaluation(report));
    });
}

async function evaluateOnWorkspace(opts: EvaluateCliOptions, cmd: Command): Promise<void> {
  const split = parseSplit(opts.split ?? 'time:0.8');
  if (split.kind !== 'time') throw new PortraitError('the workspace evaluation splits by time', 'use --split time:FRACTION (default time:0.8), or give --interactions FILE for leave-last-out');
  const fileOnly = (['neighbours', 'historyCap', 'shrinkage', 'iuf', 'weighted', 'halfLife', 'memoryLimit', 'algorithms'] as const).filter(
    (o) => cmd.getOptionValueSource(o) === 'cli',
  );
  if (fileOnly.length > 0) {
    throw new PortraitError(
      `--${fileOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to file evaluations; the workspace evaluation trains as \`recs train\` does`,
      'give --interactions FILE, or leave the option out',
    );
  }
  const report = await withWorkspace(cmd, (ws) =>
    evaluateWorkspace(ws, {
      fraction: split.fraction,
      k: opts.k,
      ...(opts.sources ? { runs: opts.sources } : {}),
      log: (line) => io.err(`${line}\n`),
    }),
  );
  output(opts.json, report, () => renderWorkspaceEvaluation(report));
}

export function renderWorkspaceEvaluation(r: WorkspaceEvaluationReport): string {
  const d = r.data;
  const lines = [
    `Recommendation evaluation on the workspace at K = ${r.k}: trained as of ${r.cut.toISOString().replace('T', ' ').slice(0, 19)} (${f(r.fraction * 100, 1)}% of the interactions), tested until ${r.end.toISOString().replace('T', ' ').slice(0, 19)}`,
    renderPairs([
      ['training interactions', d.trainInteractions],
      ['test interactions', d.testInteractions],
      ['training items', d.trainItems],
      ['evaluated users (new items after the cut)', d.evaluatedUsers],
      ['relevant (user, item) pairs', d.relevantItems],
      ['build as of the cut, s', f(r.buildSeconds, 1)],
    ]),
    '',
    renderTable(
      ['run', 'hits', `hit@${r.k}`, `precision@${r.k}`, `recall@${r.k}`, `NDCG@${r.k}`, `MAP@${r.k}`, 'coverage', 'train s'],
      r.results.map((x) => [
        x.run,
        formatNumber(x.hits),
        f(x.metrics.hitRate),
        f(x.metrics.precision),
        f(x.metrics.recall),
        f(x.metrics.ndcg),
        f(x.metrics.map),
        f(x.metrics.coverage),
        f(x.trainSeconds, 1),
      ]),
    ),
  ];
  const blend = r.results.find((x) => x.run === 'blend');
  const singles = r.results.filter((x) => x.run !== 'blend');
  if (blend && singles.length > 0) {
    const best = singles.reduce((a, b) => (b.metrics.hitRate > a.metrics.hitRate ? b : a));
    const diff = blend.metrics.hitRate - best.metrics.hitRate;
    lines.push(`blend vs the best single source (${best.run}): ${f(diff * 100, 1)} points of hit rate (${diff >= 0 ? 'at least as good' : 'worse'})`);
  }
  return lines.join('\n');
}

function evaluationInput(opts: EvaluateCliOptions): EvaluationInput {
  const explicit = opts.train !== undefined || opts.test !== undefined;
  if (opts.interactions !== undefined && explicit) {
    throw new PortraitError('give either --interactions FILE or --train FILE --test FILE, not both');
  }
  if (explicit) {
    if (opts.train === undefined || opts.test === undefined) throw new PortraitError('an explicit split needs both --train FILE and --test FILE');
    if (opts.split !== undefined) throw new PortraitError('--split applies to --interactions; --train and --test are already split');
    return { train: opts.train, test: opts.test };
  }
  if (opts.interactions === undefined) {
    throw new PortraitError('no interactions to evaluate on', 'give --interactions FILE [--split leave-last-out|time:0.8], or --train FILE --test FILE');
  }
  return { interactions: opts.interactions, split: parseSplit(opts.split ?? 'leave-last-out') };
}

function algorithmOptions(opts: EvaluateCliOptions): AlgorithmOptions {
  const cf = {
    ...(opts.neighbours !== undefined ? { neighbours: opts.neighbours } : {}),
    ...(opts.historyCap !== undefined ? { historyCap: opts.historyCap } : {}),
    ...(opts.shrinkage !== undefined ? { shrinkage: opts.shrinkage } : {}),
    ...(opts.weighted ? { useWeights: true } : {}),
  };
  return {
    popular: { ...(opts.weighted ? { count: 'weight' as const } : {}), ...(opts.halfLife !== undefined ? { halfLifeDays: opts.halfLife } : {}) },
    itemcf: { ...cf, ...(opts.iuf ? { iuf: true } : {}) },
    usercf: { ...cf, ...(opts.iuf ? { iif: true } : {}) },
  };
}

const f = (v: number, digits = 4) => formatNumber(v, digits);

export function renderEvaluation(r: EvaluationReport): string {
  const source = r.input.interactions ? `${r.input.interactions} (split ${r.input.split})` : `train ${r.input.train}, test ${r.input.test}`;
  const d = r.data;
  const lines = [
    `Recommendation evaluation at K = ${r.k}: ${source}`,
    renderPairs([
      ['interactions', d.interactions],
      ['training interactions', d.trainInteractions],
      ['test interactions', d.testInteractions],
      ...(d.timeCut ? ([['time cut (train <=)', d.timeCut]] as [string, string][]) : []),
      ['training users / items', `${formatNumber(d.trainUsers)} / ${formatNumber(d.trainItems)}`],
      ['test users', d.testUsers],
      ['  without training history (left out)', d.coldTestUsers],
      ['  only items already in training (left out)', d.repeatOnlyTestUsers],
      ['evaluated users', d.evaluatedUsers],
      ['relevant (user, item) pairs', d.relevantItems],
    ]),
    '',
    renderTable(
      ['algorithm', `hit@${r.k}`, `precision@${r.k}`, `recall@${r.k}`, `NDCG@${r.k}`, `MAP@${r.k}`, 'coverage', 'train s', 'recommend s'],
      r.results.map((x) => [
        x.algorithm,
        f(x.metrics.hitRate),
        f(x.metrics.precision),
        f(x.metrics.recall),
        f(x.metrics.ndcg),
        f(x.metrics.map),
        f(x.metrics.coverage),
        f(x.trainMs / 1000, 2),
        f(x.recommendMs / 1000, 2),
      ]),
    ),
  ];
  const base = r.results.find((x) => x.algorithm === 'popular');
  if (base && base.metrics.hitRate > 0) {
    for (const x of r.results) {
      if (x.algorithm === 'popular') continue;
      lines.push(`${x.algorithm}: hit rate ${f(x.metrics.hitRate / base.metrics.hitRate, 2)}x popular`);
    }
  }
  return lines.join('\n');
}
