/**
 * Rejected rows: the engine's CSV reader records each bad line (line number, raw text, what failed); this
 * turns those records into readable reasons in the quarantine table.
 */
import { join } from 'node:path';
import type { Warehouse } from '../warehouse/warehouse.js';

/** What a source column should hold, in words, for reasons like "user_id: expected an integer id, got "x"". */
export interface ColumnExpectation {
  column: string;
  expected: string;
  /** An empty value here is reported as missing, not as a bad value. */
  required: boolean;
}

export const REJECTS_TABLE = 'portrait_rejects';
const EXPECTATIONS_TABLE = 'portrait_reject_expectations';

/** Options for the engine's CSV reader that make it record bad lines instead of failing. */
export function rejectOptionsSql(): string {
  return `store_rejects = true, rejects_table = '${REJECTS_TABLE}', rejects_scan = '${REJECTS_TABLE}_scan', rejects_limit = 0`;
}

export async function resetRejects(wh: Warehouse): Promise<void> {
  await wh.run(`DROP TABLE IF EXISTS ${REJECTS_TABLE}`);
  await wh.run(`DROP TABLE IF EXISTS ${REJECTS_TABLE}_scan`);
}

/** One reason per rejected line, several failures on a line joined with '; '. */
async function reasonsSql(wh: Warehouse, expectations: ColumnExpectation[], columnCount: number, columnList: string): Promise<string> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${EXPECTATIONS_TABLE} (column_name VARCHAR, expected VARCHAR, required BOOLEAN)`);
  await wh.append(
    EXPECTATIONS_TABLE,
    expectations.map((e) => [e.column, e.expected, e.required]),
  );
  // Counts in the engine's message are read back out so the reason says what was expected and found.
  // A line with the wrong number of columns gets one reason (the engine reports each missing column).
  return `
    SELECT r.line, any_value(r.csv_line) AS raw,
      CASE WHEN bool_or(r.error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')) THEN
        'expected ${columnCount} columns (${columnList}), found ' ||
        any_value(regexp_extract(r.error_message, 'Found: (\\d+)', 1))
          FILTER (WHERE r.error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS'))
      ELSE string_agg(
        CASE
          WHEN r.error_type = 'CAST' AND e.required
               AND trim(regexp_extract(r.error_message, 'Could not convert string "(.*)" to', 1)) = '' THEN
            'missing ' || r.column_name
          WHEN r.error_type = 'CAST' THEN
            r.column_name || ': expected ' || coalesce(e.expected, 'a valid value') || ', got "' ||
            regexp_extract(r.error_message, 'Could not convert string "(.*)" to', 1) || '"'
          ELSE lower(r.error_type) || ': ' || r.error_message
        END, '; ' ORDER BY r.column_idx) END AS reason
    FROM ${REJECTS_TABLE} r LEFT JOIN ${EXPECTATIONS_TABLE} e ON e.column_name = r.column_name
    GROUP BY r.line`;
}

/** Moves the rejects of the last scan into the quarantine table; returns how many lines were rejected. */
export async function quarantineRejects(
  wh: Warehouse,
  target: { batchId: number; entity: string; file: string },
  expectations: ColumnExpectation[],
): Promise<number> {
  const reasons = await reasonsSql(wh, expectations, expectations.length, expectations.map((e) => e.column).join(','));
  return wh.run(`INSERT INTO quarantine SELECT $1, $2, $3, line, raw, reason FROM (${reasons})`, [
    target.batchId,
    target.entity,
    target.file,
  ]);
}

/**
 * Writes the quarantine of a batch that is about to be rolled back to a CSV in the workspace's quarantine
 * folder, so the user can still see what was wrong; returns its path.
 */
export async function saveRejectedBatch(wh: Warehouse, batchId: number, quarantineDir: string): Promise<string> {
  const path = join(quarantineDir, `rejected-batch-${batchId}.csv`);
  await wh.run(
    "COPY (SELECT file, line, reason, raw FROM quarantine WHERE batch_id = $1 ORDER BY file, line) TO $2 (HEADER, DELIMITER ',')",
    [batchId, path],
  );
  return path;
}

export interface QuarantineRow {
  batch_id: number;
  entity: string;
  file: string;
  line: number;
  reason: string;
  raw: string;
}

export async function listQuarantine(
  wh: Warehouse,
  filter: { batchId?: number; file?: string; limit?: number } = {},
): Promise<{ total: number; rows: QuarantineRow[] }> {
  const where = ['($1::BIGINT IS NULL OR batch_id = $1)', '($2::VARCHAR IS NULL OR file = $2)'];
  const params = [filter.batchId ?? null, filter.file ?? null];
  const total = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM quarantine WHERE ${where.join(' AND ')}`, params);
  const rows = await wh.query<QuarantineRow>(
    `SELECT batch_id, entity, file, line, reason, raw FROM quarantine WHERE ${where.join(' AND ')}
     ORDER BY batch_id, file, line LIMIT $3`,
    [...params, filter.limit ?? 100],
  );
  return { total: Number(total[0]?.n ?? 0), rows };
}
