/** `portrait clv fit`: BG/NBD + Gamma-Gamma customer lifetime value on any transaction file, no workspace needed. */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import { DuckDBWarehouse } from '../../warehouse/duckdb.js';
import { DEFAULT_HORIZON, fitClv, PERIODS, summariseTransactions, type ClvResult, type Period, type TransactionSummary } from '../../analytics/clv/index.js';
import { formatNumber, renderPairs, renderTable } from '../format.js';
import { output } from '../context.js';

interface FitOptions {
  transactions: string;
  calibrationEnd: string;
  period: Period;
  horizon?: number;
  discountRate: number;
  out?: string;
  json?: boolean;
}

function parseHorizon(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of periods, at least 1.');
  return Number(value);
}

function parseRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 10) throw new InvalidArgumentError('expected an annual rate such as 0.1 (10%).');
  return n;
}

export function registerClvCommands(program: Command): void {
  const clv = program.command('clv').description('customer lifetime value: BG/NBD purchases and P(alive), Gamma-Gamma spend');
  clv
    .command('fit')
    .description('fit BG/NBD and Gamma-Gamma on a transaction file (user_id,date,amount) and score every customer')
    .requiredOption('--transactions <file>', 'CSV with header user_id,date,amount (date: ISO date/time or Unix seconds)')
    .requiredOption('--calibration-end <date>', 'last day of calibration, YYYY-MM-DD; later transactions are holdout')
    .addOption(new Option('--period <unit>', 'time unit of the models').choices([...PERIODS]).makeOptionMandatory())
    .option('--horizon <n>', 'periods ahead for expected purchases and CLV (default one year: 365 days, 52 weeks, 12 months)', parseHorizon)
    .option('--discount-rate <r>', 'annual discount rate, compounded per period', parseRate, 0.1)
    .option('--out <file>', 'write one row per customer to this CSV')
    .option('--json', 'machine-readable output')
    .action(async (opts: FitOptions) => {
      const wh = await DuckDBWarehouse.open(':memory:');
      let summary: TransactionSummary;
      try {
        summary = await summariseTransactions(wh, opts.transactions, { calibrationEnd: opts.calibrationEnd, period: opts.period });
      } finally {
        await wh.close();
      }
      let result: ClvResult;
      try {
        result = fitClv(summary, { horizon: opts.horizon ?? DEFAULT_HORIZON[opts.period], discountRate: opts.discountRate });
      } catch (error) {
        if (error instanceof RangeError) throw new PortraitError(`${opts.transactions}: ${error.message}`, 'the models need more customers with repeat purchases');
        throw error;
      }
      if (opts.out) writeScores(opts.out, result);
      const report = clvReport(summary, result, opts.out);
      output(opts.json, report, () => renderClv(report));
    });
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function writeScores(path: string, r: ClvResult): void {
  const s = r.scores;
  const lines = ['user_id,x,t_x,T,mean_spend,p_alive,expected_purchases,expected_spend,clv'];
  for (let i = 0; i < s.users.length; i++) {
    lines.push(
      [csvCell(s.users[i]!), s.x[i], s.tx[i], s.T[i], round(s.meanSpend[i]!), round(s.probabilityAlive[i]!), round(s.expectedPurchases[i]!), round(s.expectedSpend[i]!), round(s.clv[i]!)].join(','),
    );
  }
  try {
    writeFileSync(path, `${lines.join('\n')}\n`);
  } catch (error) {
    throw new PortraitError(`could not write ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Six decimals in the CSV: plenty for values, and files stay readable. */
function round(v: number, digits = 6): number {
  return Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v;
}

export interface ClvReport {
  file: string;
  period: Period;
  calibrationEnd: string;
  horizon: number;
  discountRate: number;
  periodDiscountRate: number;
  data: { rows: number; customers: number; repeatCustomers: number; newInHoldout: number; firstDate: string | null; lastDate: string | null };
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; iterations: number; converged: boolean };
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; iterations: number; converged: boolean; customers: number };
  holdout: { periods: number; actual: number; predicted: number } | null;
  summary: { users: number; expectedPurchases: number; meanProbabilityAlive: number; totalClv: number };
  top: { userId: string; x: number; pAlive: number; expectedPurchases: number; expectedSpend: number; clv: number }[];
  out: string | null;
}

function clvReport(summary: TransactionSummary, r: ClvResult, out: string | undefined): ClvReport {
  const s = r.scores;
  const n = s.users.length;
  let purchases = 0;
  let alive = 0;
  let total = 0;
  let repeat = 0;
  for (let i = 0; i < n; i++) {
    purchases += s.expectedPurchases[i]!;
    alive += s.probabilityAlive[i]!;
    total += s.clv[i]!;
    if (s.x[i]! > 0) repeat++;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s.clv[j]! - s.clv[i]! || (s.users[i]! < s.users[j]! ? -1 : 1));
  return {
    file: summary.file,
    period: r.period,
    calibrationEnd: summary.calibrationEnd,
    horizon: r.horizon,
    discountRate: r.discountRate,
    periodDiscountRate: r.periodDiscountRate,
    data: { rows: summary.rows, customers: n, repeatCustomers: repeat, newInHoldout: summary.newInHoldout, firstDate: summary.firstDate, lastDate: summary.lastDate },
    bgnbd: { ...r.bgnbd.params, logLikelihood: r.bgnbd.logLikelihood, iterations: r.bgnbd.iterations, converged: r.bgnbd.converged },
    gammaGamma: { ...r.gammaGamma.params, logLikelihood: r.gammaGamma.logLikelihood, iterations: r.gammaGamma.iterations, converged: r.gammaGamma.converged, customers: r.gammaGamma.customers },
    holdout: r.holdout,
    summary: { users: n, expectedPurchases: purchases, meanProbabilityAlive: n > 0 ? alive / n : 0, totalClv: total },
    top: order.slice(0, 10).map((i) => ({
      userId: s.users[i]!,
      x: s.x[i]!,
      pAlive: s.probabilityAlive[i]!,
      expectedPurchases: s.expectedPurchases[i]!,
      expectedSpend: s.expectedSpend[i]!,
      clv: s.clv[i]!,
    })),
    out: out ?? null,
  };
}

const num = (v: number, digits = 4) => (Number.isFinite(v) ? formatNumber(v, digits) : String(v));

export function renderClv(r: ClvReport): string {
  const conv = (c: boolean, it: number) => `${c ? 'converged' : 'NOT converged'} after ${formatNumber(it)} iterations`;
  const lines = [
    `CLV for ${r.file}: period ${r.period}, calibration to ${r.calibrationEnd}, horizon ${r.horizon} ${r.period}s, ` +
      `discount ${num(100 * r.discountRate, 1)}%/year (${num(100 * r.periodDiscountRate, 4)}%/${r.period})`,
    renderPairs([
      ['rows', r.data.rows],
      ['dates', `${r.data.firstDate ?? '-'} to ${r.data.lastDate ?? '-'}`],
      ['customers (calibration)', r.data.customers],
      ['with repeat purchases', r.data.repeatCustomers],
      ['first seen in holdout (left out)', r.data.newInHoldout],
    ]),
    '',
    'BG/NBD (purchases, P(alive))',
    renderPairs([
      ['r', num(r.bgnbd.r)],
      ['alpha', num(r.bgnbd.alpha)],
      ['a', num(r.bgnbd.a)],
      ['b', num(r.bgnbd.b)],
      ['log-likelihood', num(r.bgnbd.logLikelihood, 2)],
      ['fit', conv(r.bgnbd.converged, r.bgnbd.iterations)],
    ]),
    '',
    `Gamma-Gamma (spend; ${formatNumber(r.gammaGamma.customers)} customers with x > 0)`,
    renderPairs([
      ['p', num(r.gammaGamma.p)],
      ['q', num(r.gammaGamma.q)],
      ['gamma', num(r.gammaGamma.gamma)],
      ['log-likelihood', num(r.gammaGamma.logLikelihood, 2)],
      ['fit', conv(r.gammaGamma.converged, r.gammaGamma.iterations)],
    ]),
  ];
  if (r.bgnbd.a > 1e4 && r.bgnbd.b > 1e4) {
    lines.push(
      `note: a and b are very large: the data shows one dropout probability for everyone, p = a/(a+b) = ${num(r.bgnbd.a / (r.bgnbd.a + r.bgnbd.b), 4)} (the Beta has collapsed; the likelihood rises slowly along a ridge, so the fit may report not converged)`,
    );
  }
  if (r.gammaGamma.q <= 1) lines.push('warning: q <= 1, so the expected spend is undefined (the fitted spend distribution has no mean)');
  if (r.holdout) {
    lines.push(
      '',
      `Holdout (${r.holdout.periods} ${r.period}s after calibration, calibration customers)`,
      renderPairs([
        ['actual purchases', num(r.holdout.actual, 0)],
        ['predicted purchases', num(r.holdout.predicted, 1)],
      ]),
    );
  }
  lines.push(
    '',
    'Summary',
    renderPairs([
      ['users', r.summary.users],
      [`expected purchases (${r.horizon} ${r.period}s)`, num(r.summary.expectedPurchases, 1)],
      ['mean P(alive)', num(r.summary.meanProbabilityAlive, 3)],
      ['total CLV', num(r.summary.totalClv, 2)],
    ]),
    '',
    'Top 10 by CLV',
    renderTable(
      ['user_id', 'x', 'P(alive)', 'exp. purchases', 'exp. spend', 'CLV'],
      r.top.map((t) => [t.userId, t.x, num(t.pAlive, 3), num(t.expectedPurchases, 2), num(t.expectedSpend, 2), num(t.clv, 2)]),
    ),
  );
  if (r.out) lines.push('', `wrote ${formatNumber(r.summary.users)} customers to ${r.out}`);
  return lines.join('\n');
}
