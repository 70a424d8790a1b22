/**
 * Importer for the public Taobao UserBehavior CSV: no header, `user_id,item_id,category_id,behavior_type,
 * timestamp` with behaviour pv/fav/cart/buy and Unix-second timestamps; plain or gzip.
 *
 * The engine parses the file in parallel and streams it into the events table; bad lines are recorded by
 * its reader with their line numbers and moved to the quarantine. Each file is one batch; all files of a
 * call are one transaction, so a failure or Ctrl-C leaves the workspace as it was.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { PortraitError } from '../errors.js';
import type { Dialect } from '../warehouse/dialect.js';
import type { Workspace } from '../workspace/workspace.js';
import { checkReadableFiles } from './files.js';
import { withProgress } from './progress.js';
import { quarantineRejects, rejectOptionsSql, resetRejects, saveRejectedBatch, type ColumnExpectation } from './quarantine.js';
import { timeWindowNotes } from './quality.js';
import { emptyReport, nextBatchId, recordBatch, recordNotes, runInterruptible, type ImportOptions, type ImportReport } from './report.js';

export const TAOBAO_BEHAVIOURS = ['pv', 'fav', 'cart', 'buy'] as const;

/** The engine type the behaviour column is parsed as: anything else is rejected with its line number. */
export const TAOBAO_BEHAVIOUR_TYPE = `ENUM(${TAOBAO_BEHAVIOURS.map((b) => `'${b}'`).join(', ')})`;

/**
 * The stable event key of a Taobao row: a hash of its five fields, the behaviour as parsed into
 * TAOBAO_BEHAVIOUR_TYPE. Changing it makes earlier imports unrecognisable to later ones.
 */
export function taobaoEventKeySql(dialect: Dialect): string {
  return dialect.hash64(['user_id', 'item_id', 'category_id', 'behavior_type', 'timestamp']);
}

const COLUMNS: ColumnExpectation[] = [
  { column: 'user_id', expected: 'an integer user id', required: true },
  { column: 'item_id', expected: 'an integer item id', required: true },
  { column: 'category_id', expected: 'an integer category id', required: true },
  { column: 'behavior_type', expected: `one of ${TAOBAO_BEHAVIOURS.join(', ')}`, required: true },
  { column: 'timestamp', expected: 'Unix seconds', required: true },
];

/** Unix seconds outside this range (1970..2100) are not plausible event times. */
const MAX_UNIX_SECONDS = 4102444800;

export async function importTaobao(ws: Workspace, files: string[], options: ImportOptions = {}): Promise<ImportReport> {
  const paths = checkReadableFiles(files);
  const wh = ws.wh;
  const started = Date.now();
  const report = emptyReport('events', 'taobao', paths);
  const behaviourEnum = TAOBAO_BEHAVIOUR_TYPE.replaceAll("'", "''");
  // An empty field must fail the integer parse (and be reported as missing), not become NULL.
  const reader = `read_csv($1, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
      nullstr = '\\N\\N', compression = 'auto', strict_mode = true,
      columns = {'user_id': 'BIGINT', 'item_id': 'BIGINT', 'category_id': 'BIGINT',
                 'behavior_type': '${behaviourEnum}', 'timestamp': 'BIGINT'},
      ${rejectOptionsSql()})`;

  await runInterruptible(wh, options.signal, () =>
    wh.transaction(async () => {
      for (const file of paths) {
        const startedAt = new Date();
        const batchId = await nextBatchId(wh);
        await resetRejects(wh);
        const parsed = await withProgress(wh, { show: options.progress, label: `importing ${file}` }, () =>
          wh.run(
            `INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, batch_id)
             SELECT ${taobaoEventKeySql(wh.dialect)},
                    user_id,
                    CASE WHEN timestamp BETWEEN 0 AND ${MAX_UNIX_SECONDS} THEN ${wh.dialect.fromUnixSeconds('timestamp', ws.config.utcOffsetHours)} END,
                    CAST(behavior_type AS event_type), item_id, category_id, $2
             FROM ${reader}`,
            [file, batchId],
          ),
        );
        const rejected = await quarantineRejects(wh, { batchId, entity: 'events', file }, COLUMNS);
        const implausible = await quarantineImplausibleTimes(ws, batchId, file);
        const quarantined = rejected + implausible;
        const valid = parsed - implausible;
        report.rowsQuarantined += quarantined;
        if (options.maxErrors !== undefined && report.rowsQuarantined > options.maxErrors) {
          const saved = await saveRejectedBatch(wh, batchId, ws.paths.quarantine);
          throw new PortraitError(
            `${file}: ${report.rowsQuarantined} bad row(s), more than --max-errors ${options.maxErrors}; nothing was imported`,
            `the rejected lines and reasons are in ${saved}`,
          );
        }
        const duplicates = await wh.run(
          `DELETE FROM events WHERE batch_id = $1 AND event_id IN (SELECT event_id FROM events WHERE batch_id < $1)`,
          [batchId],
        );
        const notes = await timeWindowNotes(wh, batchId, ws.config.defaults.outlierWindowDays);
        await recordNotes(wh, batchId, notes);
        const read = valid + quarantined;
        await recordBatch(wh, batchId, {
          entity: 'events',
          format: 'taobao',
          file,
          startedAt,
          read,
          imported: valid - duplicates,
          duplicate: duplicates,
          quarantined,
        });
        report.batchIds.push(batchId);
        report.rowsRead += read;
        report.rowsImported += valid - duplicates;
        report.rowsDuplicate += duplicates;
        report.notes.push(...notes);
      }
    }),
  );
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/**
 * Rows whose timestamp parsed as a number but is no plausible time were stored without one; the engine
 * does not say which line they came from, so the file is read again line by line (only in this rare case)
 * to quarantine them with their line numbers.
 */
async function quarantineImplausibleTimes(ws: Workspace, batchId: number, file: string): Promise<number> {
  const wh = ws.wh;
  const removed = await wh.run('DELETE FROM events WHERE batch_id = $1 AND ts IS NULL', [batchId]);
  if (removed === 0) return 0;
  const lines: [number, string, string, number, string, string][] = [];
  let lineNo = 0;
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    const fields = line.split(',');
    if (fields.length !== 5) continue;
    const t = fields[4]!.trim();
    if (/^-?\d+$/.test(t) && (Number(t) < 0 || Number(t) > MAX_UNIX_SECONDS)) {
      lines.push([batchId, 'events', file, lineNo, line, `timestamp: expected Unix seconds between 1970 and 2100, got ${t}`]);
    }
  }
  await wh.append('quarantine', lines);
  return removed;
}
