/**
 * The audit log: what left the workspace (exports), who was forgotten, whose consent changed. A person is
 * named in it only by the salted hash of their user id, so the log itself does not keep the person: a
 * forgotten user's id cannot be read back from it, while anyone holding the id and the workspace can
 * still confirm the request was carried out.
 */
import { z } from 'zod';
import { PortraitError } from '../errors.js';
import { personalIdSql } from '../ingest/hashing.js';
import type { SqlValue } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';

export const AUDIT_TABLE = 'audit_log';
export const AUDIT_ACTIONS = ['export', 'forget', 'consent'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntrySchema = z.strictObject({
  /** When it happened: the wall clock (UTC), like imports.started_at. Defaults to now. */
  at: z.date().optional(),
  action: z.enum(AUDIT_ACTIONS),
  /** A segment's name for an export; a user's id hash (userSubject) for forget and consent. */
  subject: z.string().min(1),
  /** Rows written (export), removed (forget) or changed (consent). */
  rows: z.number().int().nonnegative(),
  /** The file written, for an export. */
  file: z.string().min(1).optional(),
  /** Anything else worth keeping, as a JSON object; never a user id in the clear. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type AuditEntry = z.input<typeof AuditEntrySchema>;

export interface AuditRecord {
  at: Date;
  action: AuditAction;
  subject: string;
  rows: number;
  file: string | null;
  details: Record<string, unknown>;
}

export async function ensureAuditLog(ws: Workspace): Promise<void> {
  await ws.wh.run(
    `CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} ("at" TIMESTAMP, action VARCHAR, subject VARCHAR, "rows" BIGINT, file VARCHAR, details JSON)`,
  );
}

/** The subject under which a user appears in the audit log: the salted SHA-256 of the id, as importers hash personal ids. */
export async function userSubject(ws: Workspace, userId: number | bigint): Promise<string> {
  const [row] = await ws.wh.query<{ h: string }>(`SELECT ${personalIdSql(ws.wh.dialect, '$2', '$1')} AS h`, [ws.config.salt, String(userId)]);
  return row!.h;
}

/** Appends one entry (the table is made on first use). Inside a caller's transaction it commits or rolls back with it. */
export async function recordAudit(ws: Workspace, entry: AuditEntry): Promise<void> {
  const parsed = AuditEntrySchema.safeParse(entry);
  if (!parsed.success) throw new PortraitError(`audit entry: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  await ensureAuditLog(ws);
  const values: SqlValue[] = [e.at ?? new Date(), e.action, e.subject, e.rows, e.file ?? null, JSON.stringify(e.details ?? {})];
  await ws.wh.run(`INSERT INTO ${AUDIT_TABLE} VALUES ($1, $2, $3, $4, $5, $6)`, values);
}

export interface AuditFilter {
  action?: AuditAction;
  /** A segment name or user id hash. */
  subject?: string;
  /** Newest entries kept; default all. */
  limit?: number;
}

/** The log, oldest first (the newest `limit` entries when a limit is given). */
export async function listAudit(ws: Workspace, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const exists = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $1 AND schema_name = 'main' AND database_name = current_database()",
    [AUDIT_TABLE],
  );
  if (!Number(exists[0]?.n)) return [];
  // rowid keeps the order of entries written within the same clock tick.
  const rows = await ws.wh.query<{ at: Date; action: AuditAction; subject: string; rows: number; file: string | null; details: string | null }>(
    `SELECT * FROM (
       SELECT "at", action, subject, "rows", file, CAST(details AS VARCHAR) AS details, rowid AS seq FROM ${AUDIT_TABLE}
       WHERE ($1::VARCHAR IS NULL OR action = $1) AND ($2::VARCHAR IS NULL OR subject = $2)
       ORDER BY "at" DESC, seq DESC LIMIT $3)
     ORDER BY "at", seq`,
    [filter.action ?? null, filter.subject ?? null, filter.limit ?? Number.MAX_SAFE_INTEGER],
  );
  return rows.map((r) => ({
    at: r.at,
    action: r.action,
    subject: r.subject,
    rows: Number(r.rows),
    file: r.file,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {},
  }));
}
