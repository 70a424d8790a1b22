/**
 * Reading a transaction file (user_id,date,amount) and summarising it per customer for the CLV models.
 * The engine reads and aggregates the CSV; the result is typed arrays of (x, t_x, T, mean repeat spend).
 */
import { existsSync } from 'node:fs';
import { PortraitError } from '../../errors.js';
import { csvRecords } from '../../ingest/csv-records.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

export type Period = 'day' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['day', 'week', 'month'];

export interface SummariseOptions {
  /** Last day of calibration, YYYY-MM-DD (inclusive); later transactions are holdout. */
  calibrationEnd: string;
  period: Period;
}

export interface TransactionSummary {
  file: string;
  period: Period;
  calibrationEnd: string;
  /** Customers whose first purchase is on or before the calibration end, sorted by id. */
  users: string[];
  /** Repeat purchase periods in calibration (periods with a purchase, less the first). */
  x: Float64Array;
  /** Periods from the first to the last purchase period. */
  tx: Float64Array;
  /** Periods from the first purchase period to the calibration end's period. */
  T: Float64Array;
  /** Mean value of the repeat purchase periods (0 when x = 0). */
  meanSpend: Float64Array;
  /** Purchase periods after the calibration end (holdout), per customer. */
  holdout: Float64Array;
  /** Length of the holdout in periods (last transaction's period less the calibration end's), 0 when none. */
  holdoutPeriods: number;
  /** Rows in the file. */
  rows: number;
  /** Customers first seen after the calibration end (left out: they have no calibration history). */
  newInHoldout: number;
  firstDate: string | null;
  lastDate: string | null;
}

const STAGE = 'portrait_clv_stage';
const PARSED_TABLE = 'portrait_clv_parsed';
const REJECTS = 'portrait_clv_rejects';
const REQUIRED = ['user_id', 'date', 'amount'] as const;
const EXPECTED: Record<string, string> = {
  user_id: 'a customer id',
  date: 'an ISO date/time or Unix seconds',
  amount: 'a number',
};

/** Period index of a DATE expression: days since 1970-01-01, ISO weeks (from Monday), or calendar months. */
function periodIndexSql(period: Period, dateExpr: string): string {
  switch (period) {
    case 'day':
      return `(${dateExpr} - DATE '1970-01-01')`;
    case 'week':
      return `CAST(floor((${dateExpr} - DATE '1970-01-05') / 7) AS BIGINT)`;
    case 'month':
      return `(year(${dateExpr}) * 12 + month(${dateExpr}) - 1)`;
  }
}

function splitHeader(raw: string): string[] {
  return raw.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
}

async function readHeader(file: string): Promise<string[]> {
  for await (const record of csvRecords(file)) return splitHeader(record.raw);
  return [];
}

/**
 * Reads `file` into `wh` and summarises it per customer. Throws a PortraitError naming the file, line and
 * field for a missing column or bad lines (up to five listed).
 */
export async function summariseTransactions(wh: Warehouse, file: string, options: SummariseOptions): Promise<TransactionSummary> {
  const { calibrationEnd, period } = options;
  if (!PERIODS.includes(period)) throw new PortraitError(`unknown period "${period}"`, 'use day, week or month');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(calibrationEnd) || Number.isNaN(Date.parse(`${calibrationEnd}T00:00:00Z`))) {
    throw new PortraitError(`calibration end "${calibrationEnd}" is not a date`, 'write it as YYYY-MM-DD');
  }
  if (!existsSync(file)) throw new PortraitError(`transaction file not found: ${file}`);
  const header = await readHeader(file);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new PortraitError(
      `${file}: line 1 (header): missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      `the header must name the columns user_id,date,amount (found: ${header.join(',') || 'nothing'})`,
    );
  }
  // Columns are named by position (c0, c1, ...), so no text from the file enters the SQL.
  const position = (name: string) => header.indexOf(name);
  const types = header.map((h) => (h === 'amount' ? 'DOUBLE' : 'VARCHAR'));
  const columns = types.map((t, i) => `'c${i}': '${t}'`).join(', ');
  const [u, d, a] = REQUIRED.map((c) => `c${position(c)}`);
  await wh.run(`DROP TABLE IF EXISTS ${REJECTS}`);
  await wh.run(`DROP TABLE IF EXISTS ${REJECTS}_scan`);
  const reader = `read_csv($1, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      compression = 'auto', strict_mode = true, columns = {${columns}},
      store_rejects = true, rejects_table = '${REJECTS}', rejects_scan = '${REJECTS}_scan', rejects_limit = 0)`;
  try {
    await wh.run(`CREATE OR REPLACE TEMP TABLE ${STAGE} AS SELECT ${u} AS user_id, ${d} AS date_text, ${a} AS amount FROM ${reader}`, [file]);
  } catch (error) {
    throw new PortraitError(`${file}: could not be read as CSV: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  try {
    await rejectBadLines(wh, file, header);
    return await summarise(wh, file, calibrationEnd, period);
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${STAGE}`);
    await wh.run(`DROP TABLE IF EXISTS ${PARSED_TABLE}`);
    await wh.run(`DROP TABLE IF EXISTS ${REJECTS}`);
    await wh.run(`DROP TABLE IF EXISTS ${REJECTS}_scan`);
  }
}

function badLinesError(file: string, total: number, reasons: string[]): PortraitError {
  return new PortraitError(
    `${file}: ${total} bad line${total > 1 ? 's' : ''}:\n  ${reasons.join('\n  ')}${total > reasons.length ? `\n  ... and ${total - reasons.length} more` : ''}`,
    'each line needs user_id (text), date (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds) and amount (a number >= 0)',
  );
}

async function rejectBadLines(wh: Warehouse, file: string, header: string[]): Promise<void> {
  const rejects = await wh.query<{ line: number; column_name: string | null; error_type: string; error_message: string }>(
    `SELECT line, column_name, CAST(error_type AS VARCHAR) AS error_type, error_message FROM ${REJECTS} ORDER BY line, column_idx`,
  );
  if (rejects.length === 0) return;
  const lines = new Map<number, string>();
  for (const r of rejects) {
    if (lines.has(r.line)) continue;
    const name = r.column_name && /^c\d+$/.test(r.column_name) ? header[Number(r.column_name.slice(1))] ?? r.column_name : r.column_name;
    let reason: string;
    if (r.error_type === 'CAST') {
      const got = /Could not convert string "(.*)" to/.exec(r.error_message)?.[1] ?? '';
      reason = `field ${name}: expected ${EXPECTED[name ?? ''] ?? 'a valid value'}, got "${got}"`;
    } else if (r.error_type === 'MISSING COLUMNS' || r.error_type === 'TOO MANY COLUMNS') {
      reason = `expected ${header.length} fields (${header.join(',')}), found ${/Found: (\d+)/.exec(r.error_message)?.[1] ?? 'a different number'}`;
    } else {
      reason = `${r.error_type.toLowerCase()}: ${r.error_message.split('\n')[0]}`;
    }
    lines.set(r.line, `line ${r.line}: ${reason}`);
  }
  throw badLinesError(file, lines.size, [...lines.values()].slice(0, 5));
}

const PARSED = `
  SELECT rowid AS rid, user_id, amount, date_text,
    CASE WHEN regexp_full_match(trim(date_text), '[0-9]+(\\.[0-9]+)?')
         THEN make_timestamp(CAST(round(CAST(trim(date_text) AS DOUBLE) * 1000000) AS BIGINT))
         ELSE try_cast(trim(date_text) AS TIMESTAMP) END AS ts
  FROM ${STAGE}`;

async function summarise(wh: Warehouse, file: string, calibrationEnd: string, period: Period): Promise<TransactionSummary> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${PARSED_TABLE} AS ${PARSED}`);
  // Every row reached the stage, in file order: line = rowid - first rowid + 2 (the header is line 1).
  const bad = await wh.query<{ line: number; reason: string }>(
    `WITH p AS (SELECT * FROM ${PARSED_TABLE}), base AS (SELECT min(rid) AS b FROM p)
     SELECT CAST(rid - b + 2 AS BIGINT) AS line,
       CASE WHEN user_id IS NULL OR trim(user_id) = '' THEN 'field user_id: missing'
            WHEN date_text IS NULL OR trim(date_text) = '' THEN 'field date: missing'
            WHEN ts IS NULL THEN 'field date: expected an ISO date/time or Unix seconds, got "' || date_text || '"'
            WHEN amount IS NULL THEN 'field amount: missing'
            WHEN amount < 0 OR isnan(amount) OR isinf(amount) THEN 'field amount: expected a number >= 0, got ' || CAST(amount AS VARCHAR)
       END AS reason
     FROM p, base
     WHERE user_id IS NULL OR trim(user_id) = '' OR ts IS NULL OR amount IS NULL OR amount < 0 OR isnan(amount) OR isinf(amount)
     ORDER BY line`,
  );
  if (bad.length > 0) throw badLinesError(file, bad.length, bad.slice(0, 5).map((b) => `line ${b.line}: ${b.reason}`));

  const idx = periodIndexSql(period, 'd');
  const calIdx = periodIndexSql(period, 'CAST($1 AS DATE)');
  const totals = await wh.query<{ rows: number; first: string | null; last: string | null; last_period: number | null; cal_period: number }>(
    `WITH p AS (SELECT * FROM ${PARSED_TABLE}), t AS (SELECT CAST(ts AS DATE) AS d FROM p)
     SELECT count(*) AS rows, strftime(min(d), '%Y-%m-%d') AS first, strftime(max(d), '%Y-%m-%d') AS last,
       max(${idx}) AS last_period, ${calIdx} AS cal_period FROM t`,
    [calibrationEnd],
  );
  const tot = totals[0]!;
  const perUser = await wh.query<{ user_id: string; x: number; tx: number; T: number; mean_spend: number | null; holdout: number }>(
    `WITH p AS (SELECT * FROM ${PARSED_TABLE}),
     tx AS (SELECT trim(user_id) AS user_id, CAST(ts AS DATE) AS d, amount FROM p),
     cal AS (SELECT user_id, ${idx} AS period, sum(amount) AS amount FROM tx WHERE d <= CAST($1 AS DATE) GROUP BY ALL),
     cal_first AS (SELECT *, min(period) OVER (PARTITION BY user_id) AS first FROM cal),
     hold AS (SELECT user_id, count(DISTINCT ${idx}) AS n FROM tx WHERE d > CAST($1 AS DATE) GROUP BY ALL)
     SELECT c.user_id, CAST(count(*) - 1 AS DOUBLE) AS x, CAST(max(period) - min(first) AS DOUBLE) AS tx,
       CAST(${calIdx} - min(first) AS DOUBLE) AS "T",
       avg(amount) FILTER (WHERE period > first) AS mean_spend,
       CAST(coalesce(any_value(h.n), 0) AS DOUBLE) AS holdout
     FROM cal_first c LEFT JOIN hold h ON h.user_id = c.user_id
     GROUP BY c.user_id ORDER BY c.user_id`,
    [calibrationEnd],
  );
  const newUsers = await wh.query<{ n: number }>(
    `WITH p AS (SELECT * FROM ${PARSED_TABLE}), tx AS (SELECT trim(user_id) AS user_id, CAST(ts AS DATE) AS d FROM p)
     SELECT count(*) AS n FROM (SELECT user_id FROM tx GROUP BY user_id HAVING min(d) > CAST($1 AS DATE))`,
    [calibrationEnd],
  );
  if (perUser.length === 0) {
    throw new PortraitError(
      `${file}: no transactions on or before the calibration end ${calibrationEnd}`,
      tot.first ? `the file's transactions run from ${tot.first} to ${tot.last}` : 'the file has no transactions',
    );
  }
  const n = perUser.length;
  const summary: TransactionSummary = {
    file,
    period,
    calibrationEnd,
    users: new Array<string>(n),
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    meanSpend: new Float64Array(n),
    holdout: new Float64Array(n),
    holdoutPeriods: Math.max(0, Number(tot.last_period ?? 0) - Number(tot.cal_period)),
    rows: Number(tot.rows),
    newInHoldout: Number(newUsers[0]?.n ?? 0),
    firstDate: tot.first,
    lastDate: tot.last,
  };
  perUser.forEach((r, i) => {
    summary.users[i] = String(r.user_id);
    summary.x[i] = Number(r.x);
    summary.tx[i] = Number(r.tx);
    summary.T[i] = Number(r.T);
    summary.meanSpend[i] = r.mean_spend === null ? 0 : Number(r.mean_spend);
    summary.holdout[i] = Number(r.holdout);
  });
  return summary;
}
