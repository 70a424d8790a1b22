/**
 * `portrait basket-rules`: association rules (support, confidence, lift; one-item consequents, as R
 * arules) on any basket file (no workspace needed) or on the workspace's orders / daily buys.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PortraitError } from '../../errors.js';
import {
  BASKET_ITEMS,
  BASKET_KINDS,
  basketsFromWorkspace,
  DEFAULT_MAX_LEN,
  mineBasketRules,
  readBasketFile,
  ruleText,
  type BasketItems,
  type BasketKind,
  type BasketRule,
  type BasketRuleSet,
  type BasketRulesSummary,
  type Baskets,
} from '../../analytics/basket/index.js';
import { formatNumber, renderPairs, renderTable } from '../format.js';
import { output, parseDay, parsePositive, withWorkspace } from '../context.js';

interface RulesOptions {
  input?: string;
  basket?: BasketKind;
  items?: BasketItems;
  asOf?: Date;
  minSupport: number;
  minConfidence: number;
  minLen: number;
  maxLen: number;
  top?: number;
  out?: string;
  json?: boolean;
}

function parseFraction(what: string, zeroAllowed: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n > 1 || n < 0 || (!zeroAllowed && n === 0)) {
      throw new InvalidArgumentError(`expected a ${what} such as 0.01 (${zeroAllowed ? '0' : 'above 0'} to 1).`);
    }
    return n;
  };
}

function parseLength(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 100) throw new InvalidArgumentError('expected a whole number of items, 1 to 100.');
  return Number(value);
}

export function registerBasketCommands(program: Command): void {
  program
    .command('basket-rules')
    .description('association rules on baskets (what is bought together): a basket file, or the workspace\'s orders or daily buys')
    .option('--input <file>', 'basket file: one basket per line, items separated by commas (no workspace needed)')
    .addOption(new Option('--basket <kind>', 'workspace baskets: one per order, or one per user and day of buys').choices([...BASKET_KINDS]))
    .addOption(new Option('--items <level>', 'with --basket: items are item ids or their category ids').choices([...BASKET_ITEMS]))
    .option('--as-of <date>', 'with --basket: only orders / buys up to the end of this day, YYYY-MM-DD', parseDay)
    .option('--min-support <s>', 'minimum support, a fraction of all baskets (minimum count = ceil(s x baskets))', parseFraction('support', false), 0.1)
    .option('--min-confidence <c>', 'minimum confidence', parseFraction('confidence', true), 0.8)
    .option('--min-len <n>', 'minimum rule length, antecedent plus consequent (1 includes {} => {item})', parseLength, 1)
    .option('--max-len <n>', 'maximum itemset / rule length', parseLength, DEFAULT_MAX_LEN)
    .option('--top <n>', 'show the first n rules by lift (readable output shows 20 unless set; --json all)', parsePositive)
    .option('--out <file>', 'write every rule to this CSV')
    .option('--json', 'machine-readable output')
    .action(async (opts: RulesOptions, cmd: Command) => {
      if ((opts.input === undefined) === (opts.basket === undefined)) {
        throw new PortraitError('basket-rules needs exactly one of --input FILE or --basket order|user-day');
      }
      if (opts.input !== undefined && (opts.items !== undefined || opts.asOf !== undefined)) {
        throw new PortraitError('--items and --as-of apply to workspace baskets (--basket), not to --input');
      }
      if (opts.maxLen < opts.minLen) throw new PortraitError(`--max-len (${opts.maxLen}) is below --min-len (${opts.minLen})`);
      let baskets: Baskets;
      if (opts.input !== undefined) {
        baskets = await readBasketFile(opts.input);
      } else {
        const basket = opts.basket!;
        baskets = await withWorkspace(cmd, (ws) => basketsFromWorkspace(ws, { basket, items: opts.items, asOf: opts.asOf }));
      }
      const rules = mineBasketRules(baskets, { minSupport: opts.minSupport, minConfidence: opts.minConfidence, minLen: opts.minLen, maxLen: opts.maxLen });
      if (opts.out) writeRules(opts.out, rules);
      const limit = opts.top ?? (opts.json ? undefined : 20);
      const report = basketReport(rules, limit, opts.out);
      output(opts.json, report, () => renderBasketRules(report));
    });
}

export interface BasketRulesReport extends BasketRulesSummary {
  shown: number;
  top: (BasketRule & { rule: string })[];
  out: string | null;
}

function basketReport(rules: BasketRuleSet, limit: number | undefined, out: string | undefined): BasketRulesReport {
  const top = rules.top(limit).map((r) => ({ rule: ruleText(r), ...r }));
  return { ...rules.summary, shown: top.length, top, out: out ?? null };
}

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Every rule, in order, full precision; antecedent items joined by commas inside one cell. */
function writeRules(path: string, rules: BasketRuleSet): void {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new PortraitError(`could not write ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    let chunk = 'rule,antecedent,consequent,support,confidence,coverage,lift,count\n';
    for (let i = 0; i < rules.size; i++) {
      const r = rules.rule(i);
      chunk += `${[csvCell(ruleText(r)), csvCell(r.antecedent.join(',')), csvCell(r.consequent), r.support, r.confidence, r.coverage, r.lift, r.count].join(',')}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

const num = (v: number, digits: number) => formatNumber(v, digits);

export function renderBasketRules(r: BasketRulesReport): string {
  const byLength = r.itemsetsByLength.map((c, i) => `${i + 1}: ${formatNumber(c)}`).join(', ');
  const lines = [
    `Basket rules for ${r.source}: min support ${r.minSupport} (count ${formatNumber(r.minCount)}), min confidence ${r.minConfidence}, length ${r.minLen}-${r.maxLen}`,
    renderPairs([
      ['transactions', r.transactions],
      ['empty transactions', r.emptyTransactions],
      ['items', r.items],
      ['frequent items', r.frequentItems],
      ['frequent itemsets', `${formatNumber(r.frequentItemsets)}${byLength ? ` (by length ${byLength})` : ''}`],
      ['rules', r.rules],
    ]),
  ];
  if (r.shown > 0) {
    lines.push(
      '',
      r.shown < r.rules ? `Top ${formatNumber(r.shown)} by lift` : 'Rules by lift',
      renderTable(
        ['rule', 'support', 'confidence', 'coverage', 'lift', 'count'],
        r.top.map((x) => [x.rule, num(x.support, 4), num(x.confidence, 3), num(x.coverage, 4), num(x.lift, 3), x.count]),
      ),
    );
    if (r.shown < r.rules) lines.push(`... ${formatNumber(r.rules - r.shown)} more (use --top, --out or --json)`);
  }
  if (r.out) lines.push('', `wrote ${formatNumber(r.rules)} rules to ${r.out}`);
  return lines.join('\n');
}
