/**
 * Generic importer: any importable table of the model from CSV, JSONL or Parquet.
 *
 * The engine reads the file and streams it through three temporary tables, never through JS memory:
 *   1. the reader's output (CSV: typed by the engine, bad lines recorded by its reader with line numbers;
 *      JSONL: one text line per row, numbered; Parquet: read in place with its row numbers);
 *   2. `checked`: every model column converted to its type, with a readable reason for each bad row;
 *   3. `final`: the good rows with repeated keys of the file collapsed (skipped when every key is computed
 *      from the row's content: events without event_id).
 * Bad rows go to the quarantine with file, line and reason; good rows replace stored rows with the same
 * key (entities) or skip keys already stored (events, social edges), as the model's `onDuplicate` says.
 * One file is one batch and one transaction: a failure, too many bad rows or Ctrl-C leave the workspace
 * as it was.
 */
import { PortraitError } from '../errors.js';
import { ENUMS } from '../model/enums.js';
import type { Column, Table } from '../model/schema.js';
import type { Dialect } from '../warehouse/dialect.js';
import type { SqlValue, Warehouse } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { csvRecords, detectDelimiter, firstCsvRecord, splitCsvRecord } from './csv-records.js';
import { checkReadableFiles } from './files.js';
import { personalIdSql } from './hashing.js';
import { checkMappingTargets, entityTable, planColumns, type Plan } from './mapping.js';
import { withProgress } from './progress.js';
import { REJECTS_TABLE, rejectOptionsSql, resetRejects, saveRejectedBatch } from './quarantine.js';
import { maskPersonalInQuarantine, type QuarantineLayout } from './quarantine-privacy.js';
import { recordAudit } from '../privacy/audit.js';
import { timeWindowNotes } from './quality.js';
import {
  emptyReport,
  nextBatchId,
  recordBatch,
  recordNotes,
  runInterruptible,
  type ImportOptions,
  type ImportReport,
  type QualityNote,
} from './report.js';

export { parseMapping } from './mapping.js';

export type EntityFormat = 'csv' | 'jsonl' | 'parquet';
export const ENTITY_FORMATS: readonly EntityFormat[] = ['csv', 'jsonl', 'parquet'];

export interface EntityImportOptions extends ImportOptions {
  /** Default: from the file name (.csv/.csv.gz, .jsonl/.ndjson with optional .gz, .parquet). */
  format?: EntityFormat;
  /** Target model column -> source column name, for sources whose names differ from the model's. */
  mapping?: Record<string, string>;
}

/** Unix seconds outside 0..this (1970..2100) are not plausible times. */
const MAX_UNIX_SECONDS = 4102444800;
/** ISO text that carries its own UTC offset (Z, +08, +08:00, +0800). */
const ISO_WITH_OFFSET =
  '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?([Zz]|[+-][0-9]{1,2}(:?[0-9]{2})?)';
/** Longest piece of a bad value quoted back in a reason. */
const QUOTE_CHARS = 100;
const PAGE = 5000;

const T = {
  stage: 'portrait_entity_stage',
  lines: 'portrait_entity_lines',
  lineRejects: 'portrait_entity_line_rejects',
  expect: 'portrait_entity_expect',
  checked: 'portrait_entity_checked',
  final: 'portrait_entity_final',
} as const;

/** The format a file name implies. */
export function formatFromName(file: string): EntityFormat {
  const name = file.toLowerCase();
  if (/\.csv(\.gz)?$/.test(name)) return 'csv';
  if (/\.(jsonl|ndjson)(\.gz)?$/.test(name)) return 'jsonl';
  if (name.endsWith('.parquet')) return 'parquet';
  throw new PortraitError(
    `cannot tell the format of ${file} from its name`,
    'name it .csv, .csv.gz, .jsonl, .ndjson (optionally .gz) or .parquet, or give the format (csv, jsonl, parquet)',
  );
}

/** Builds the positional parameter list of one statement. */
class Params {
  readonly values: SqlValue[] = [];
  constructor(private readonly dialect: Dialect) {}
  add(value: SqlValue): string {
    this.values.push(value);
    return this.dialect.param(this.values.length);
  }
}

/** What an importer knows about one run. */
interface Run {
  ws: Workspace;
  wh: Warehouse;
  table: Table;
  /** As the user gave it, for messages. */
  file: string;
  /** Resolved, as recorded in quarantine and imports. */
  path: string;
  batchId: number;
  options: EntityImportOptions;
}

/** What a format's reader hands to the common steps. */
interface Staged {
  plan: Plan;
  /** SELECT producing _p_line, _p_raw, _p_pre (a row-level reason or NULL) and _p_v<i> per fed target. */
  sourceSql: string;
  params: Params;
  /** Per target index: true when _p_v<i> is text still to be parsed, false when the engine typed it. */
  textual: boolean[];
  /** Lines the reader itself rejected, already in the quarantine. */
  rejected: number;
  /** CSV: rows failing the later checks need their line found by re-reading the file. */
  locateLines?: { singleColumn: boolean };
}

/**
 * Imports one file into an importable table (`entity`): one batch, one transaction. Source columns are
 * matched to the model's by name after `options.mapping`; unknown or missing required columns are errors
 * raised before any row is stored. Bad rows are quarantined; with `maxErrors` exceeded, nothing is stored.
 */
export async function importEntity(
  ws: Workspace,
  entity: string,
  file: string,
  options: EntityImportOptions = {},
): Promise<ImportReport> {
  const table = entityTable(entity);
  const format = options.format ?? formatFromName(file);
  if (!ENTITY_FORMATS.includes(format)) {
    throw new PortraitError(`unknown format "${String(format)}"`, `formats: ${ENTITY_FORMATS.join(', ')}`);
  }
  const mapping = options.mapping ?? {};
  checkMappingTargets(mapping, table);
  const [path] = checkReadableFiles([file]);
  const wh = ws.wh;
  const started = Date.now();
  const report = emptyReport(table.name, format, [path!]);
  // The CSV header is read first: the engine is then told each column's name and type.
  const header = format === 'csv' ? await readCsvHeader(file, path!) : undefined;
  const signal = options.signal;
  const checkAbort = () => {
    if (signal?.aborted) throw new PortraitError('import interrupted; nothing from this run was stored');
  };

  await runInterruptible(wh, signal, () =>
    wh.transaction(async () => {
      const startedAt = new Date();
      const run: Run = { ws, wh, table, file, path: path!, batchId: await nextBatchId(wh), options };
      await resetRejects(wh);
      const staged =
        format === 'csv'
          ? await stageCsv(run, header!, mapping)
          : format === 'jsonl'
            ? await stageJsonl(run, mapping)
            : await stageParquet(run, mapping);
      checkAbort();
      await buildChecked(run, staged, format);
      const counts = await first<{ good: number; bad: number }>(
        wh,
        `SELECT count(*) FILTER (WHERE _p_reason IS NULL) AS good, count(*) FILTER (WHERE _p_reason IS NOT NULL) AS bad FROM ${T.checked}`,
      );
      const good = Number(counts.good);
      const bad = Number(counts.bad);
      if (bad > 0) {
        if (staged.locateLines) await quarantineCsvChecked(run, staged.locateLines.singleColumn, checkAbort);
        else
          await wh.run(
            `INSERT INTO quarantine SELECT $1, $2, $3, _p_line, _p_raw, _p_reason FROM ${T.checked} WHERE _p_reason IS NOT NULL`,
            [run.batchId, table.name, run.path],
          );
      }
      const quarantined = staged.rejected + bad;
      if (quarantined > 0) {
        const personal = staged.plan.sources.filter((s) => s.column.personal).map((s) => s.name);
        const layout: QuarantineLayout = header ? { format: 'csv', names: header.names, delimiter: header.delimiter } : { format: 'json' };
        await maskPersonalInQuarantine(wh, run.batchId, personal, layout, ws.config.salt);
      }
      const read = good + bad + staged.rejected;
      if (options.maxErrors !== undefined && quarantined > options.maxErrors) {
        const saved = await saveRejectedBatch(wh, run.batchId, ws.paths.quarantine);
        throw new PortraitError(
          `${file}: ${quarantined} bad row(s), more than --max-errors ${options.maxErrors}; nothing was imported`,
          `the rejected lines and reasons are in ${saved}`,
        );
      }
      checkAbort();
      const written = await writeRows(run, staged.plan, good);
      checkAbort();
      const notes: QualityNote[] = [];
      if (written.repeatedInFile > 0) {
        const keep = table.onDuplicate === 'replace' ? 'the last one was kept' : 'the first one was kept';
        notes.push({
          code: 'repeated_keys',
          count: written.repeatedInFile,
          detail: `${written.repeatedInFile} row(s) repeat the key (${table.key.join(', ')}) of another row of the file; ${keep}`,
        });
      }
      if (table.name === 'events') {
        notes.push(...(await timeWindowNotes(wh, run.batchId, ws.config.defaults.outlierWindowDays)));
      }
      await recordNotes(wh, run.batchId, notes);
      await recordBatch(wh, run.batchId, {
        entity: table.name,
        format,
        file: run.path,
        startedAt,
        read,
        imported: written.imported,
        duplicate: written.duplicate,
        quarantined,
      });
      // Consent choices change who may be targeted: an import of them is recorded like a change by hand.
      if (table.name === 'consents') {
        await recordAudit(ws, { action: 'consent', subject: 'import', rows: written.imported, file: run.path, details: { batch: run.batchId, quarantined } });
      }
      for (const t of Object.values(T)) await wh.run(`DROP TABLE IF EXISTS ${t}`);
      report.batchIds.push(run.batchId);
      report.rowsRead = read;
      report.rowsImported = written.imported;
      report.rowsDuplicate = written.duplicate;
      report.rowsQuarantined = quarantined;
      report.notes = notes;
    }),
  );
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

// ---------------------------------------------------------------------------------------------------
// Readers

async function readCsvHeader(file: string, path: string): Promise<{ names: string[]; delimiter: string }> {
  let record;
  try {
    record = await firstCsvRecord(path);
  } catch (error) {
    throw new PortraitError(`${file}: cannot read it as CSV: ${(error as Error).message}`);
  }
  if (!record || record.raw.trim() === '') throw new PortraitError(`${file}: no header line`, 'a CSV file starts with a line naming its columns');
  const delimiter = detectDelimiter(record.raw);
  return { names: splitCsvRecord(record.raw, delimiter).map((n) => n.trim()), delimiter };
}

/** Engine types CSV values are parsed into directly; other types are read as text and parsed later. */
function csvEngineType(column: Column, dialect: Dialect): string | undefined {
  const type = column.type;
  if (typeof type === 'object') return dialect.columnType(type);
  switch (type) {
    case 'id':
    case 'int':
    case 'float':
    case 'money':
    case 'bool':
    case 'date':
      return dialect.columnType(type);
    default:
      return undefined;
  }
}

async function stageCsv(run: Run, header: { names: string[]; delimiter: string }, mapping: Record<string, string>): Promise<Staged> {
  const { wh, table } = run;
  const d = wh.dialect;
  const plan = planColumns(table, run.file, header.names, mapping);
  // Columns are named after the model column they feed; the header's own names never enter SQL text.
  const columns = plan.sources.map((s) => {
    const engineType = csvEngineType(s.column, d);
    d.ident(s.column.name); // checked: it appears inside the reader's options as a plain name
    return { name: s.column.name, ref: d.ident(s.column.name), column: s.column, engineType, sqlType: engineType ?? 'VARCHAR' };
  });
  const forceNotNull = columns.filter((c) => c.engineType && c.column.required).map((c) => `'${c.name}'`);
  const params = new Params(d);
  const pathParam = params.add(run.path);
  const delim = { ',': ',', '\t': '\t', ';': ';', '|': '|' }[header.delimiter] ?? ',';
  const reader = `read_csv(${pathParam}, header = true, auto_detect = false, delim = '${delim}', quote = '"', escape = '"',
      compression = 'auto', strict_mode = true,
      columns = {${columns.map((c) => `'${c.name}': '${c.sqlType}'`).join(', ')}},
      ${forceNotNull.length ? `force_not_null = [${forceNotNull.join(', ')}],` : ''}
      ${rejectOptionsSql()})`;
  await readWithProgress(run, 'CSV', () => wh.run(`CREATE OR REPLACE TEMP TABLE ${T.stage} AS SELECT * FROM ${reader}`, params.values));
  const rejected = await quarantineCsvRejects(run, columns, header.names);
  const base = await first<{ base: unknown }>(wh, `SELECT min(rowid) AS base FROM ${T.stage}`);
  const p = new Params(d);
  const baseParam = p.add(base.base === null ? 0 : (base.base as SqlValue));
  const textual: boolean[] = [];
  const values = plan.targets.map((t, i) => {
    const c = columns.find((x) => x.column === t.column);
    if (!c) return undefined;
    textual[i] = c.engineType === undefined;
    return `${c.ref} AS _p_v${i}`;
  });
  const sourceSql = `SELECT CAST(rowid - ${baseParam} + 1 AS BIGINT) AS _p_line, CAST(NULL AS VARCHAR) AS _p_raw,
      CAST(NULL AS VARCHAR) AS _p_pre${values.map((v) => (v ? `, ${v}` : '')).join('')}
    FROM ${T.stage}`;
  return {
    plan,
    sourceSql,
    params: p,
    textual,
    rejected,
    locateLines: { singleColumn: columns.length === 1 },
  };
}

/** Reasons for lines the engine's CSV reader rejected, one per line, in the quarantine. */
async function quarantineCsvRejects(
  run: Run,
  columns: { name: string; column: Column; engineType?: string }[],
  headerNames: string[],
): Promise<number> {
  const { wh } = run;
  await wh.run(`CREATE OR REPLACE TEMP TABLE ${T.expect} (column_name VARCHAR, expected VARCHAR, required BOOLEAN)`);
  await wh.append(
    T.expect,
    columns.map((c) => [c.name, expectedText(c.column), c.column.required === true]),
  );
  const value = `regexp_extract(r.error_message, 'Could not convert string "(.*)" to', 1)`;
  return wh.run(
    `INSERT INTO quarantine
     SELECT $1, $2, $3, line, raw,
       CASE WHEN count_mismatch
         THEN 'expected ' || $4 || ' columns (' || $5 || '), found ' || coalesce(CAST(found AS VARCHAR), '?')
         ELSE reasons END
     FROM (
       SELECT r.line, trim(any_value(r.csv_line), chr(13) || chr(10)) AS raw,
         bool_or(r.error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')) AS count_mismatch,
         coalesce(
           max(TRY_CAST(regexp_extract(r.error_message, 'Found: (\\d+)', 1) AS BIGINT)) FILTER (WHERE r.error_type = 'TOO MANY COLUMNS'),
           min(TRY_CAST(regexp_extract(r.error_message, 'Found: (\\d+)', 1) AS BIGINT)) FILTER (WHERE r.error_type = 'MISSING COLUMNS')) AS found,
         string_agg(
           CASE
             WHEN r.error_type = 'CAST' AND e.required AND trim(coalesce(${value}, '')) = '' THEN 'missing ' || r.column_name
             WHEN r.error_type = 'CAST' THEN
               r.column_name || ': expected ' || coalesce(e.expected, 'a valid value') || ', got "' || left(${value}, ${QUOTE_CHARS}) || '"'
             WHEN r.error_type = 'INVALID UNICODE' THEN 'not valid UTF-8 text'
             WHEN r.error_type = 'UNQUOTED VALUE' THEN 'badly quoted value' || coalesce(' in ' || r.column_name, '')
             WHEN r.error_type = 'UNTERMINATED QUOTES' THEN 'a quoted value is never closed'
             WHEN r.error_type = 'LINE SIZE OVER MAXIMUM' THEN 'line too long: ' || r.error_message
             ELSE lower(r.error_type) || ': ' || r.error_message
           END, '; ' ORDER BY r.column_idx) AS reasons
       FROM ${REJECTS_TABLE} r LEFT JOIN ${T.expect} e ON e.column_name = r.column_name
       GROUP BY r.line)`,
    [run.batchId, run.table.name, run.path, headerNames.length, headerNames.join(',')],
  );
}

/**
 * JSONL: each line is read as one text value (no delimiter, no quoting), so a bad line is still a row
 * with its line number; the engine's JSON functions then take it apart.
 */
async function stageJsonl(run: Run, mapping: Record<string, string>): Promise<Staged> {
  const { wh, table } = run;
  const d = wh.dialect;
  const reader = `read_csv($1, header = false, auto_detect = false, columns = {'raw': 'VARCHAR'},
      delim = '', quote = '', escape = '', compression = 'auto', ${rejectOptionsSql()})`;
  await readWithProgress(run, 'JSONL', () => wh.run(`CREATE OR REPLACE TEMP TABLE ${T.lines} AS SELECT raw FROM ${reader}`, [run.path]));

  // Lines the reader rejected (too long, not UTF-8) are not in the table; later lines are renumbered
  // around them: the k-th kept line is line k + #{rejected r_i : r_i - i < k}.
  const rejected = await wh.run(
    `INSERT INTO quarantine
     SELECT $1, $2, $3, line, trim(any_value(csv_line), chr(13) || chr(10)),
       CASE any_value(error_type)
         WHEN 'INVALID UNICODE' THEN 'not valid UTF-8 text'
         WHEN 'LINE SIZE OVER MAXIMUM' THEN 'line too long: ' || any_value(error_message)
         ELSE lower(any_value(error_type)) || ': ' || any_value(error_message) END
     FROM ${REJECTS_TABLE} GROUP BY line`,
    [run.batchId, table.name, run.path],
  );
  await wh.run(
    `CREATE OR REPLACE TEMP TABLE ${T.lineRejects} AS
     SELECT line - row_number() OVER (ORDER BY line) AS adj FROM (SELECT DISTINCT line FROM ${REJECTS_TABLE})`,
  );
  const base = await first<{ base: unknown }>(wh, `SELECT min(rowid) AS base FROM ${T.lines}`);
  const baseValue = base.base === null ? 0 : (base.base as SqlValue);
  const lineOf = (ord: string) => (rejected > 0 ? `${ord} + (SELECT count(*) FROM ${T.lineRejects} j WHERE j.adj < ${ord})` : ord);

  // The keys of every object line, each with the first line it is on (for messages).
  const keys = await wh.query<{ k: string; line: number }>(
    `SELECT k, ${lineOf('ord')} AS line FROM (
       SELECT k, CAST(min(rowid) - $1 + 1 AS BIGINT) AS ord
       FROM (SELECT rowid, unnest(json_keys(raw)) AS k FROM ${T.lines} WHERE raw IS NOT NULL AND json_valid(raw))
       GROUP BY k)
     ORDER BY line, k`,
    [baseValue],
  );
  const firstLine = new Map(keys.map((k) => [k.k, Number(k.line)]));
  const plan = planColumns(table, run.file, keys.map((k) => k.k), mapping, (s) => ` (first on line ${firstLine.get(s)})`);

  // Each line is parsed once for validity, once for its type and once for all fed keys together. Blank
  // lines are not rows (only lines that are not JSON are trimmed to tell).
  const p = new Params(d);
  const b = p.add(baseValue);
  const textual: boolean[] = [];
  const paths: string[] = [];
  const values = plan.targets.map((t, i) => {
    if (t.source === undefined) return '';
    textual[i] = true;
    paths.push(p.add(jsonPointer(t.source)));
    return `, _p_x[${paths.length}] AS _p_v${i}`;
  });
  const extract = paths.length ? `CASE WHEN _p_type = 'OBJECT' THEN json_extract_string(raw, [${paths.join(', ')}]) END` : 'NULL';
  const sourceSql = `SELECT _p_line, _p_raw, _p_pre${values.join('')} FROM (
      SELECT ${lineOf('ord')} AS _p_line, raw AS _p_raw,
        CASE WHEN NOT _p_valid THEN 'not valid JSON'
             WHEN _p_type <> 'OBJECT' THEN 'expected a JSON object, got ' || lower(_p_type) END AS _p_pre,
        ${extract} AS _p_x
      FROM (
        SELECT ord, raw, _p_valid, CASE WHEN _p_valid THEN json_type(raw) END AS _p_type
        FROM (SELECT CAST(rowid - ${b} + 1 AS BIGINT) AS ord, raw, json_valid(raw) AS _p_valid FROM ${T.lines} WHERE raw IS NOT NULL)
        WHERE _p_valid OR trim(raw) <> '') l)`;
  return { plan, sourceSql, params: p, textual, rejected };
}

/** JSON pointer to a top-level key (bound as a parameter, never spliced). */
function jsonPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Parquet: read in place; the reader's own row numbers are the "line". */
async function stageParquet(run: Run, mapping: Record<string, string>): Promise<Staged> {
  const { wh, table } = run;
  const d = wh.dialect;
  let described: { column_name: string; column_type: string }[];
  try {
    described = await wh.query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))`, [run.path]);
  } catch (error) {
    throw new PortraitError(`${run.file}: cannot read it as Parquet: ${(error as Error).message}`);
  }
  const names = described.map((c) => c.column_name);
  const plan = planColumns(table, run.file, names, mapping);
  const p = new Params(d);
  const pathParam = p.add(run.path);
  // The file's columns are renamed by position (c0, c1, ...), so their names never enter SQL text.
  const alias = [...names.map((_, j) => `c${j}`), '_p_rn'].join(', ');
  const rawSql = `CAST(json_object(${names.map((n, j) => `${p.add(n)}, c${j}`).join(', ')}) AS VARCHAR)`;
  const textual: boolean[] = [];
  const values = plan.targets.map((t, i) => {
    if (t.source === undefined) return '';
    textual[i] = true;
    const j = names.indexOf(t.source);
    const sourceType = described[j]!.column_type;
    const asText =
      t.column.type === 'json' && !/^(VARCHAR|JSON)$/i.test(sourceType) ? `CAST(to_json(c${j}) AS VARCHAR)` : `CAST(c${j} AS VARCHAR)`;
    return `, ${asText} AS _p_v${i}`;
  });
  const sourceSql = `SELECT CAST(_p_rn + 1 AS BIGINT) AS _p_line, ${rawSql} AS _p_raw, CAST(NULL AS VARCHAR) AS _p_pre${values.join('')}
    FROM read_parquet(${pathParam}, file_row_number = true) AS p(${alias})`;
  return { plan, sourceSql, params: p, textual, rejected: 0 };
}

async function readWithProgress(run: Run, kind: string, work: () => Promise<number>): Promise<number> {
  try {
    return await withProgress(run.wh, { show: run.options.progress, label: `importing ${run.file}` }, work);
  } catch (error) {
    if (run.options.signal?.aborted) throw error;
    throw new PortraitError(`${run.file}: cannot read it as ${kind}: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Checking and converting

/** What a column must hold, in words, for reasons like `user_id: expected an integer id, got "x"`. */
export function expectedText(column: Column): string {
  const type = column.type;
  if (typeof type === 'object') return `one of ${ENUMS[type.enum].join(', ')}`;
  switch (type) {
    case 'id':
      return 'an integer id';
    case 'key':
      return 'an integer or text key';
    case 'int':
      return 'an integer';
    case 'float':
      return 'a number';
    case 'money':
      return 'an amount in yuan, like 12.50';
    case 'bool':
      return 'true or false';
    case 'timestamp':
      return 'a time: ISO text like 2017-11-25 10:00:00, or Unix seconds between 1970 and 2100';
    case 'date':
      return 'a date like 2017-11-25';
    case 'json':
      return 'a JSON object';
    case 'text':
    case 'hash':
      return 'text';
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

/**
 * SQL for a time held as text: integer Unix seconds, ISO text with an offset (converted to the
 * platform's local time), or ISO text without one (already local time). NULL when it is none of these.
 * DuckDB-specific: epoch() and TIMESTAMPTZ parsing.
 */
function timeFromTextSql(d: Dialect, t: string, utcOffsetHours: number): string {
  return `CASE WHEN ${t} IS NULL THEN NULL
    WHEN ${d.fullMatch(t, '[+-]?[0-9]+')} THEN
      CASE WHEN TRY_CAST(${t} AS BIGINT) BETWEEN 0 AND ${MAX_UNIX_SECONDS} THEN ${d.fromUnixSeconds(t, utcOffsetHours)} END
    WHEN ${d.fullMatch(t, ISO_WITH_OFFSET)} THEN
      ${d.fromUnixSeconds(`floor(epoch(TRY_CAST(${t} AS TIMESTAMPTZ)))`, utcOffsetHours)}
    ELSE TRY_CAST(${t} AS TIMESTAMP) END`;
}

/** The typed value of a column from its trimmed text `t` (NULL when empty) and untrimmed text `v`. */
function valueFromTextSql(run: Run, column: Column, t: string, v: string, saltParam: () => string): string {
  const d = run.wh.dialect;
  const type = column.type;
  if (typeof type === 'object') return `TRY_CAST(${t} AS ${d.columnType(type)})`;
  switch (type) {
    case 'id':
    case 'int':
    case 'float':
    case 'money':
    case 'bool':
    case 'date':
      return `TRY_CAST(${t} AS ${d.columnType(type)})`;
    case 'key':
      return `CASE WHEN ${t} IS NULL THEN NULL ELSE coalesce(TRY_CAST(${t} AS ${d.columnType(type)}), ${d.hash64([t])}) END`;
    case 'timestamp':
      return timeFromTextSql(d, t, run.ws.config.utcOffsetHours);
    case 'json':
      return `CASE WHEN ${t} IS NULL THEN NULL WHEN json_valid(${t}) THEN
        CASE WHEN json_type(${t}) = 'OBJECT' THEN CAST(${t} AS ${d.columnType(type)}) END END`;
    case 'hash':
      return personalIdSql(d, t, saltParam());
    case 'text':
      return `CASE WHEN ${t} IS NULL THEN NULL ELSE ${v} END`;
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

/**
 * Creates the `checked` table: _p_line, _p_raw, _p_reason (NULL for a good row) and every importable
 * column of the entity, typed. Personal columns are hashed here, with the salt bound as a parameter.
 */
async function buildChecked(run: Run, staged: Staged, format: EntityFormat): Promise<void> {
  const d = run.wh.dialect;
  const p = staged.params;
  // Bound only when a personal column is fed: the engine refuses parameters a statement does not use.
  let saltParam: string | undefined;
  const salt = () => (saltParam ??= p.add(run.ws.config.salt));
  const trimmed: string[] = [];
  const trimmedNames: string[] = [];
  const typed: string[] = [];
  const reasons: string[] = [];
  staged.plan.targets.forEach((target, i) => {
    const name = d.ident(target.column.name);
    const colType = d.columnType(target.column.type);
    if (target.source === undefined) {
      typed.push(`CAST(NULL AS ${colType}) AS ${name}`);
      return;
    }
    if (!staged.textual[i]) {
      typed.push(`_p_v${i} AS ${name}`);
      return;
    }
    trimmed.push(`, nullif(trim(_p_v${i}), '') AS _p_t${i}`);
    trimmedNames.push(`_p_t${i}`);
    typed.push(`${valueFromTextSql(run, target.column, `_p_t${i}`, `_p_v${i}`, salt)} AS ${name}`);
    const missing = target.column.required ? p.add(`missing ${target.column.name}`) : 'NULL';
    const expected = p.add(`${target.column.name}: expected ${expectedText(target.column)}, got "`);
    reasons.push(`CASE WHEN _p_t${i} IS NULL THEN ${missing}
        WHEN ${name} IS NULL THEN ${expected} || left(_p_t${i}, ${QUOTE_CHARS}) || '"' END`);
  });
  const reason = reasons.length ? `nullif(concat_ws('; ', ${reasons.join(', ')}), '')` : 'CAST(NULL AS VARCHAR)';
  const names = staged.plan.targets.map((t) => d.ident(t.column.name));
  // s1 adds the trimmed text of each textual value, s2 the typed values, the outer level the reasons.
  const sql = `CREATE OR REPLACE TEMP TABLE ${T.checked} AS
    SELECT _p_line, _p_raw, coalesce(_p_pre, ${reason}) AS _p_reason, ${names.join(', ')}
    FROM (
      SELECT _p_line, _p_raw, _p_pre${trimmedNames.map((t) => `, ${t}`).join('')},
        ${typed.join(',\n        ')}
      FROM (SELECT *${trimmed.join('')} FROM (${staged.sourceSql}) s0) s1
    ) s2`;
  // Parquet is read by this statement itself; the other formats were read before.
  if (format === 'parquet') await readWithProgress(run, 'Parquet', () => run.wh.run(sql, p.values));
  else await withProgress(run.wh, { show: run.options.progress, label: `checking ${run.file}` }, () => run.wh.run(sql, p.values));
}

/**
 * CSV rows that failed the checks made after the engine parsed them (times, required text) are known by
 * their position among the rows the reader kept. Their line and raw text are found by reading the file
 * once more, as records, skipping the header, blank lines and the lines the reader rejected. Only runs
 * when there are such rows; the positions are paged from the engine, never all held at once.
 */
async function quarantineCsvChecked(run: Run, singleColumn: boolean, checkAbort: () => void): Promise<void> {
  const { wh } = run;
  const rejects = ordered<{ n: number }>(wh, `SELECT DISTINCT line AS n FROM ${REJECTS_TABLE} WHERE line > $1 ORDER BY n LIMIT ${PAGE}`);
  const bad = ordered<{ n: number; reason: string }>(
    wh,
    `SELECT _p_line AS n, _p_reason AS reason FROM ${T.checked} WHERE _p_reason IS NOT NULL AND _p_line > $1 ORDER BY n LIMIT ${PAGE}`,
  );
  let nextReject = await rejects.next();
  let nextBad = await bad.next();
  const out: SqlValue[][] = [];
  const flush = async () => {
    if (out.length) await wh.append('quarantine', out.splice(0));
  };
  let ord = 0;
  for await (const record of csvRecords(run.path)) {
    if (nextBad.done) break;
    if (record.line === 1) continue;
    while (!nextReject.done && nextReject.value.n < record.line) nextReject = await rejects.next();
    if (!nextReject.done && nextReject.value.n === record.line) continue;
    if (record.raw === '' && !singleColumn) continue;
    ord++;
    if (ord === nextBad.value.n) {
      out.push([run.batchId, run.table.name, run.path, record.line, record.raw, nextBad.value.reason]);
      nextBad = await bad.next();
      if (out.length >= 1000) {
        checkAbort();
        await flush();
      }
    }
  }
  // Should the file have changed under us, the rest is still quarantined, without a line.
  while (!nextBad.done) {
    out.push([run.batchId, run.table.name, run.path, null, '', `${nextBad.value.reason} (data row ${nextBad.value.n}; line not found)`]);
    nextBad = await bad.next();
  }
  await flush();
}

/** Rows of a query ordered by `n`, fetched a page at a time; `$1` is the last `n` already seen. */
async function* ordered<R extends { n: number }>(wh: Warehouse, sql: string): AsyncGenerator<R> {
  let after = -1;
  for (;;) {
    const rows = await wh.query<R>(sql, [after]);
    for (const row of rows) yield { ...row, n: Number(row.n) };
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.n);
  }
}

// ---------------------------------------------------------------------------------------------------
// Writing

/**
 * Stores the good rows. Within the file, rows repeating a key collapse to one (the last for 'replace',
 * the first for 'skip'). Events whose file has no event_id get it from their content and keep exact
 * repeats, as the Taobao importer does (a double click is two page views). Against stored rows:
 * 'replace' deletes the stored row first, 'skip' leaves it and drops the new one.
 */
async function writeRows(run: Run, plan: Plan, good: number): Promise<{ imported: number; duplicate: number; repeatedInFile: number }> {
  const { wh, table } = run;
  const d = wh.dialect;
  const columns = table.columns.filter((c) => c.name !== 'batch_id');
  const hasBatch = table.columns.some((c) => c.name === 'batch_id');
  // A 'key' column that is not required is computed from the row's content where the source has none.
  const generated = columns.find((c) => c.type === 'key' && !c.required && table.key.includes(c.name));
  const select = columns.map((c) => {
    const name = d.ident(c.name);
    if (c !== generated) return name;
    const content = columns
      .filter((x) => x !== generated)
      .map((x) => (typeof x.type === 'object' || x.type === 'json' ? `CAST(${d.ident(x.name)} AS VARCHAR)` : d.ident(x.name)));
    return `coalesce(${name}, ${d.hash64(content)}) AS ${name}`;
  });
  const keys = table.key.map((k) => d.ident(k));
  const names = columns.map((c) => d.ident(c.name));
  const goodRows = `SELECT _p_line, ${select.join(', ')} FROM ${T.checked} WHERE _p_reason IS NULL`;
  let rowsSql: string;
  let kept: number;
  if (generated && !plan.targets.some((t) => t.column === generated && t.source !== undefined)) {
    // Every key is computed: nothing to collapse, and no need to hold the rows once more.
    rowsSql = `(${goodRows})`;
    kept = good;
  } else {
    const hashed = generated ? `${d.ident(generated.name)} IS NULL` : 'false';
    const order = table.onDuplicate === 'replace' ? 'DESC' : 'ASC';
    await wh.run(
      `CREATE OR REPLACE TEMP TABLE ${T.final} AS
       SELECT * EXCLUDE (_p_n, _p_hashed) FROM (
         SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY _p_line ${order}) AS _p_n FROM (
           SELECT _p_line, ${select.join(', ')}, ${hashed} AS _p_hashed FROM ${T.checked} WHERE _p_reason IS NULL))
       WHERE _p_n = 1 OR _p_hashed`,
    );
    rowsSql = T.final;
    kept = Number((await first<{ n: number }>(wh, `SELECT count(*) AS n FROM ${T.final}`)).n);
  }
  const repeatedInFile = good - kept;
  const match = keys.map((k) => `t.${k} = f.${k}`).join(' AND ');
  const target = d.ident(table.name);
  const insertColumns = [...names, ...(hasBatch ? ['batch_id'] : [])].join(', ');
  const insertValues = [...names.map((n) => `f.${n}`), ...(hasBatch ? ['$1'] : [])].join(', ');
  const batchParams = hasBatch ? [run.batchId] : [];
  if (table.onDuplicate === 'skip') {
    const inserted = await wh.run(
      `INSERT INTO ${target} (${insertColumns}) SELECT ${insertValues} FROM ${rowsSql} f
       WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${match})`,
      batchParams,
    );
    return { imported: inserted, duplicate: kept - inserted + repeatedInFile, repeatedInFile };
  }
  const replaced = Number(
    (await first<{ n: number }>(wh, `SELECT count(*) AS n FROM ${rowsSql} f WHERE EXISTS (SELECT 1 FROM ${target} t WHERE ${match})`)).n,
  );
  if (replaced > 0) await wh.run(`DELETE FROM ${target} t USING ${rowsSql} f WHERE ${match}`);
  const inserted = await wh.run(`INSERT INTO ${target} (${insertColumns}) SELECT ${insertValues} FROM ${rowsSql} f`, batchParams);
  return { imported: inserted - replaced, duplicate: replaced + repeatedInFile, repeatedInFile };
}

async function first<R>(wh: Warehouse, sql: string, params: SqlValue[] = []): Promise<R> {
  const rows = await wh.query<R>(sql, params);
  if (!rows[0]) throw new Error(`no row from: ${sql}`);
  return rows[0];
}
