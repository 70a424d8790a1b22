/** What an import tells its caller, and the bookkeeping shared by every importer. */
import { PortraitError } from '../errors.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface QualityNote {
  code: string;
  count: number;
  detail: string;
}

export interface ImportReport {
  entity: string;
  format: string;
  files: string[];
  batchIds: number[];
  rowsRead: number;
  rowsImported: number;
  /** Rows whose key was already stored: skipped for events, replaced for entities. */
  rowsDuplicate: number;
  rowsQuarantined: number;
  notes: QualityNote[];
  seconds: number;
}

export interface ImportOptions {
  /** Fail, storing nothing, when more rows than this are quarantined. Default: no limit. */
  maxErrors?: number;
  /** Show a progress bar (default: when stderr is a terminal). */
  progress?: boolean;
  /** Aborting interrupts the engine; the import then stores nothing. */
  signal?: AbortSignal;
}

export async function nextBatchId(wh: Warehouse): Promise<number> {
  const rows = await wh.query<{ id: number }>("SELECT nextval('batch_seq') AS id");
  return Number(rows[0]?.id);
}

export async function recordBatch(
  wh: Warehouse,
  batchId: number,
  r: { entity: string; format: string; file: string; startedAt: Date; read: number; imported: number; duplicate: number; quarantined: number },
): Promise<void> {
  await wh.run('INSERT INTO imports VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
    batchId,
    r.entity,
    r.format,
    r.file,
    r.startedAt,
    new Date(),
    r.read,
    r.imported,
    r.duplicate,
    r.quarantined,
  ]);
}

export async function recordNotes(wh: Warehouse, batchId: number, notes: QualityNote[]): Promise<void> {
  await wh.append(
    'quality_notes',
    notes.map((n) => [batchId, n.code, n.count, n.detail]),
  );
}

/**
 * Runs an import's work so that an abort (Ctrl-C) interrupts the engine and every failure surfaces as a
 * clear error; the caller's transaction then rolls back and the workspace is as it was.
 */
export async function runInterruptible<T>(wh: Warehouse, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  const onAbort = () => wh.interrupt();
  signal?.addEventListener('abort', onAbort);
  try {
    if (signal?.aborted) throw new PortraitError('import interrupted before it started; nothing was stored');
    return await work();
  } catch (error) {
    if (signal?.aborted) throw new PortraitError('import interrupted; nothing from this run was stored');
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export function emptyReport(entity: string, format: string, files: string[]): ImportReport {
  return { entity, format, files, batchIds: [], rowsRead: 0, rowsImported: 0, rowsDuplicate: 0, rowsQuarantined: 0, notes: [], seconds: 0 };
}
