/**
 * Reading an interaction file (CSV, header `user_id,item_id,timestamp[,weight]`, plain or .gz) into a
 * table of `user_id BIGINT, item_id BIGINT, ts TIMESTAMP, weight DOUBLE, line BIGINT`. The engine parses;
 * bad lines become one PortraitError naming the file, the line and the field (up to five listed).
 * Timestamps: ISO date/time (`2017-11-25`, `2017-11-25 08:30:00`, `2017-11-25T08:30:00`) or Unix seconds
 * (read as UTC). A missing weight column means weight 1.
 */
import { existsSync } from 'node:fs';
import { PortraitError } from '../../errors.js';
import { csvRecords } from '../../ingest/csv-records.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { checkPrefix } from '../algorithms/sql.js';

const REQUIRED = ['user_id', 'item_id', 'timestamp'] as const;
const EXPECTED: Record<string, string> = {
  user_id: 'a whole number',
  item_id: 'a whole number',
  timestamp: 'an ISO date/time or Unix seconds',
  weight: 'a number >= 0',
};
const HINT = 'each line needs user_id and item_id (whole numbers), timestamp (YYYY-MM-DD[ HH:MM:SS] or Unix seconds) and, when the header has it, weight (a number >= 0)';

function splitHeader(raw: string): string[] {
  return raw.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
}

async function readHeader(file: string): Promise<string[]> {
  for await (const record of csvRecords(file)) return splitHeader(record.raw);
  return [];
}

function badLines(file: string, total: number, reasons: string[]): PortraitError {
  return new PortraitError(
    `${file}: ${total} bad line${total > 1 ? 's' : ''}:\n  ${reasons.join('\n  ')}${total > reasons.length ? `\n  ... and ${total - reasons.length} more` : ''}`,
    HINT,
  );
}

/** Reads `file` into the TEMP table `target` (replaced); returns its row count. */
export async function readInteractions(wh: Warehouse, file: string, target: string): Promise<number> {
  checkPrefix(target);
  if (!existsSync(file)) throw new PortraitError(`interaction file not found: ${file}`);
  const header = await readHeader(file);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new PortraitError(
      `${file}: line 1 (header): missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      `the header must name the columns user_id,item_id,timestamp and optionally weight (found: ${header.join(',') || 'nothing'})`,
    );
  }
  // Columns are named by position (c0, c1, ...), so no text from the file enters the SQL.
  const columns = header.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  const col = (name: string) => `c${header.indexOf(name)}`;
  const weight = header.includes('weight') ? col('weight') : 'CAST(NULL AS VARCHAR)';
  const stage = `${target}_stage`;
  const rejects = `${target}_rejects`;
  await wh.run(`DROP TABLE IF EXISTS ${rejects}`);
  await wh.run(`DROP TABLE IF EXISTS ${rejects}_scan`);
  const reader = `read_csv($1, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
      compression = 'auto', strict_mode = true, columns = {${columns}},
      store_rejects = true, rejects_table = '${rejects}', rejects_scan = '${rejects}_scan', rejects_limit = 0)`;
  try {
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${stage} AS SELECT ${col('user_id')} AS u, ${col('item_id')} AS i, ${col('timestamp')} AS t, ${weight} AS w FROM ${reader}`,
      [file],
    );
  } catch (error) {
    throw new PortraitError(`${file}: could not be read as CSV: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  try {
    await structuralErrors(wh, file, header, rejects);
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${target} AS
       WITH s AS (SELECT rowid AS rid, trim(u) AS u, trim(i) AS i, trim(t) AS t, trim(w) AS w FROM ${stage}),
       base AS (SELECT coalesce(min(rid), 0) AS b FROM s)
       SELECT try_cast(u AS BIGINT) AS user_id, try_cast(i AS BIGINT) AS item_id,
         CASE WHEN regexp_full_match(t, '[0-9]+(\\.[0-9]+)?') THEN make_timestamp(CAST(round(try_cast(t AS DOUBLE) * 1000000) AS BIGINT))
              ELSE try_cast(t AS TIMESTAMP) END AS ts,
         CASE WHEN w IS NULL OR w = '' THEN 1.0 ELSE try_cast(w AS DOUBLE) END AS weight,
         CAST(rid - b + 2 AS BIGINT) AS line, u AS u_text, i AS i_text, t AS t_text, w AS w_text
       FROM s, base`,
    );
    const bad = await wh.query<{ line: number; reason: string }>(
      `SELECT line, CASE
         WHEN u_text IS NULL OR u_text = '' THEN 'field user_id: missing'
         WHEN user_id IS NULL THEN 'field user_id: expected ${EXPECTED.user_id}, got "' || u_text || '"'
         WHEN i_text IS NULL OR i_text = '' THEN 'field item_id: missing'
         WHEN item_id IS NULL THEN 'field item_id: expected ${EXPECTED.item_id}, got "' || i_text || '"'
         WHEN t_text IS NULL OR t_text = '' THEN 'field timestamp: missing'
         WHEN ts IS NULL THEN 'field timestamp: expected ${EXPECTED.timestamp}, got "' || t_text || '"'
         ELSE 'field weight: expected ${EXPECTED.weight}, got "' || w_text || '"' END AS reason
       FROM ${target}
       WHERE user_id IS NULL OR item_id IS NULL OR ts IS NULL OR weight IS NULL OR weight < 0 OR isnan(weight) OR isinf(weight)
       ORDER BY line LIMIT 5`,
    );
    if (bad.length > 0) {
      const total = await wh.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${target} WHERE user_id IS NULL OR item_id IS NULL OR ts IS NULL OR weight IS NULL OR weight < 0 OR isnan(weight) OR isinf(weight)`,
      );
      throw badLines(file, Number(total[0]!.n), bad.map((b) => `line ${b.line}: ${b.reason}`));
    }
    await wh.run(`ALTER TABLE ${target} DROP COLUMN u_text`);
    await wh.run(`ALTER TABLE ${target} DROP COLUMN i_text`);
    await wh.run(`ALTER TABLE ${target} DROP COLUMN t_text`);
    await wh.run(`ALTER TABLE ${target} DROP COLUMN w_text`);
    const rows = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${target}`);
    return Number(rows[0]!.n);
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${stage}`);
    await wh.run(`DROP TABLE IF EXISTS ${rejects}`);
    await wh.run(`DROP TABLE IF EXISTS ${rejects}_scan`);
  }
}

async function structuralErrors(wh: Warehouse, file: string, header: string[], rejects: string): Promise<void> {
  const rows = await wh.query<{ line: number; column_name: string | null; error_type: string; error_message: string }>(
    `SELECT line, column_name, CAST(error_type AS VARCHAR) AS error_type, error_message FROM ${rejects} ORDER BY line, column_idx`,
  );
  if (rows.length === 0) return;
  const lines = new Map<number, string>();
  for (const r of rows) {
    if (lines.has(r.line)) continue;
    let reason: string;
    if (r.error_type === 'MISSING COLUMNS' || r.error_type === 'TOO MANY COLUMNS') {
      reason = `expected ${header.length} fields (${header.join(',')}), found ${/Found: (\d+)/.exec(r.error_message)?.[1] ?? 'a different number'}`;
    } else {
      reason = `${r.error_type.toLowerCase()}: ${r.error_message.split('\n')[0]}`;
    }
    lines.set(r.line, `line ${r.line}: ${reason}`);
  }
  throw badLines(file, lines.size, [...lines.values()].slice(0, 5));
}
