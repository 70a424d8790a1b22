/**
 * A rejected line is kept so the operator can see what was wrong with it, but a personal id in it
 * (device id, phone, address) must not be stored in the clear, in the quarantine or anywhere else. So the
 * personal fields of a batch's quarantined lines are replaced by the value the warehouse would have
 * stored (the salted SHA-256, or a source MD5 kept as it is: see hashing.ts), and a line that cannot be
 * split into the file's columns is withheld whole, since its personal field cannot be found.
 */
import { createHash } from 'node:crypto';
import type { Warehouse } from '../warehouse/warehouse.js';
import { splitCsvRecord } from './csv-records.js';

export const WITHHELD_LINE = '(line withheld: it holds personal ids and could not be split into the columns of the file)';

/** The stored form of a personal id, as `personalIdSql` computes it in the engine. */
export function storedPersonalId(value: string, salt: string): string | null {
  if (value.trim() === '') return null;
  if (/^[0-9a-fA-F]{32}$/.test(value)) return value.toLowerCase();
  return createHash('sha256').update(salt + value.trim()).digest('hex');
}

function csvField(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV line with the fields at `personal` (indexes into the header) replaced by their stored form. */
export function maskCsvLine(raw: string, delimiter: string, columns: number, personal: readonly number[], salt: string): string {
  const fields = splitCsvRecord(raw, delimiter);
  if (fields.length !== columns) return WITHHELD_LINE;
  // A blank field holds no id: kept as it was, so the line still shows what was missing.
  for (const i of personal) fields[i] = storedPersonalId(fields[i]!, salt) ?? fields[i]!;
  return fields.map((f) => csvField(f, delimiter)).join(delimiter);
}

/** A JSON object line (JSONL, or a Parquet row as JSON) with the personal keys' values replaced. */
export function maskJsonLine(raw: string, personal: readonly string[], salt: string): string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return WITHHELD_LINE;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return WITHHELD_LINE;
  const object = value as Record<string, unknown>;
  for (const key of personal) {
    const v = object[key];
    if (v === undefined || v === null) continue;
    object[key] = storedPersonalId(String(v), salt) ?? v;
  }
  return JSON.stringify(object);
}

export type QuarantineLayout = { format: 'csv'; names: readonly string[]; delimiter: string } | { format: 'json' };

/**
 * Replaces the personal fields (source column names) in the raw lines the batch quarantined; returns how
 * many lines changed. Runs inside the import's transaction, before anything is written to a file.
 */
export async function maskPersonalInQuarantine(
  wh: Warehouse,
  batchId: number,
  personal: readonly string[],
  layout: QuarantineLayout,
  salt: string,
): Promise<number> {
  if (personal.length === 0) return 0;
  // A batch quarantines a line of a file once (its reasons joined), so (file, line) names it.
  const rows = await wh.query<{ file: string; line: number; raw: string }>('SELECT file, line, raw FROM quarantine WHERE batch_id = $1 AND raw IS NOT NULL', [batchId]);
  const indexes = layout.format === 'csv' ? personal.map((n) => layout.names.indexOf(n)).filter((i) => i >= 0) : [];
  const changed: [string, number, string][] = [];
  for (const r of rows) {
    const masked = layout.format === 'csv' ? maskCsvLine(r.raw, layout.delimiter, layout.names.length, indexes, salt) : maskJsonLine(r.raw, personal, salt);
    if (masked !== r.raw) changed.push([r.file, Number(r.line), masked]);
  }
  if (changed.length === 0) return 0;
  // One UPDATE from a table of the new lines: a file with many bad lines is not a statement per line.
  await wh.run('CREATE OR REPLACE TEMP TABLE quarantine_masked (file VARCHAR, line BIGINT, raw VARCHAR)');
  try {
    await wh.append('quarantine_masked', changed);
    await wh.run(
      'UPDATE quarantine SET raw = m.raw FROM quarantine_masked m WHERE quarantine.batch_id = $1 AND quarantine.file = m.file AND quarantine.line = m.line',
      [batchId],
    );
  } finally {
    await wh.run('DROP TABLE IF EXISTS quarantine_masked');
  }
  return changed.length;
}
