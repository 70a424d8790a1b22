/**
 * Forgetting a user: every row that is theirs goes, every mention of them in someone else's row is
 * cleared, in every table of every schema (derived tables and a synthetic world's truth included), in one
 * transaction; the quarantine files in the workspace are scrubbed; the audit log records it under the
 * salted hash of the id. What it cannot reach (exported files, stray database copies, definitions) it
 * names. The rules are in user-columns.ts and docs/privacy.md.
 */
import { PortraitError } from '../errors.js';
import type { SqlValue } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { recordAudit, userSubject } from './audit.js';
import { idTokenPattern, outOfReach, prepareQuarantineScrub, type OutOfReach, type QuarantineFileScrub } from './files.js';
import { discoverTables, holdsUserIds, quoteIdent, type TableInfo, type UserColumn } from './user-columns.js';
import { userValuedTags } from './user-tags.js';

export interface ForgetTableReport {
  /** schema.table ("main." left out). */
  table: string;
  /** Rows removed: the user's own, and rows that cannot exist without the mention. */
  deleted: number;
  /** Mentions cleared in rows that stay (a reference set to null, an id taken out of a list or a JSON object). */
  cleared: number;
}

export interface ForgetReport {
  userId: string;
  /** The user's id hash, as the audit log records it. */
  subject: string;
  dryRun: boolean;
  /** Tables looked at (every base table of every schema). */
  tablesChecked: number;
  /** Tables that changed, in schema and name order. */
  tables: ForgetTableReport[];
  deleted: number;
  cleared: number;
  quarantineFiles: QuarantineFileScrub[];
  outOfReach: OutOfReach[];
}

export interface ForgetOptions {
  /** Count what would go and change nothing (database, files and audit log stay as they are). */
  dryRun?: boolean;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A user id as the warehouse stores it (64-bit integer); anything else is a PortraitError. */
export function parseUserId(value: number | bigint | string): bigint {
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) throw new PortraitError(`not a user id: "${String(value)}"`, 'a user id is a whole number');
  const id = BigInt(text);
  if (id < INT64_MIN || id > INT64_MAX) throw new PortraitError(`not a user id: ${text} is outside the 64-bit range`);
  return id;
}

const DEVICES = 'privacy_forget_devices';
const TAG_VALUE_COLUMNS = ['num', 'txt', 'lst'] as const;

class DryRun extends Error {
  constructor(readonly report: ForgetReport) {
    super('dry run');
  }
}

/** Per-statement parameters, numbered in the order they are bound. */
class Binder {
  readonly values: SqlValue[] = [];
  bind(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The id bound for comparing with a column's values (a number, or text). */
function idValue(c: UserColumn, b: Binder, id: bigint): string {
  return c.text ? b.bind(String(id)) : `CAST(${b.bind(id)} AS BIGINT)`;
}

/** A column's value, or a list's element `v`, in the form idValue compares with. */
function comparable(c: UserColumn, expr: string): string {
  return c.text && !/^VARCHAR(\[\])?$/.test(c.type) ? `CAST(${expr} AS VARCHAR)` : expr;
}

/** SQL true when the column holds the id (a list column: contains it). */
function mentions(c: UserColumn, b: Binder, id: bigint): string {
  const value = idValue(c, b, id);
  const col = quoteIdent(c.name);
  if (!c.list) return `${comparable(c, col)} = ${value}`;
  const element = comparable(c, 'v');
  return `list_contains(${element === 'v' ? col : `list_transform(${col}, v -> ${element})`}, ${value})`;
}

class Forgetting {
  readonly counts = new Map<string, ForgetTableReport>();

  constructor(
    private readonly ws: Workspace,
    private readonly id: bigint,
  ) {}

  private note(t: TableInfo, deleted: number, cleared: number): void {
    if (!deleted && !cleared) return;
    const r = this.counts.get(t.label) ?? { table: t.label, deleted: 0, cleared: 0 };
    r.deleted += deleted;
    r.cleared += cleared;
    this.counts.set(t.label, r);
  }

  private async exec(sql: string, b: Binder): Promise<number> {
    return this.ws.wh.run(sql, b.values);
  }

  /** Devices named in the user's own rows, remembered before those rows go. */
  async rememberDevices(tables: TableInfo[]): Promise<boolean> {
    const parts: string[] = [];
    const b = new Binder();
    for (const t of tables) {
      const subjects = t.userColumns.filter((c) => c.role === 'subject');
      if (!subjects.length || !t.columns.some((c) => c.name === 'device_id')) continue;
      parts.push(`SELECT CAST(device_id AS VARCHAR) AS device_id FROM ${t.sql} WHERE device_id IS NOT NULL AND (${subjects.map((c) => mentions(c, b, this.id)).join(' OR ')})`);
    }
    if (!parts.length) return false;
    await this.ws.wh.run(`CREATE OR REPLACE TEMP TABLE ${DEVICES} AS SELECT DISTINCT device_id FROM (${parts.join(' UNION ALL ')})`, b.values);
    return true;
  }

  /** The user's own rows; then mentions of the user in rows that stay. */
  async forgetInTable(t: TableInfo): Promise<void> {
    const subjects = t.userColumns.filter((c) => c.role === 'subject');
    if (subjects.length) {
      const b = new Binder();
      this.note(t, await this.exec(`DELETE FROM ${t.sql} WHERE ${subjects.map((c) => mentions(c, b, this.id)).join(' OR ')}`, b), 0);
    }
    for (const c of t.userColumns.filter((u) => u.role === 'reference')) {
      const b = new Binder();
      const where = mentions(c, b, this.id);
      if (c.list) {
        const value = idValue(c, b, this.id);
        this.note(t, 0, await this.exec(`UPDATE ${t.sql} SET ${quoteIdent(c.name)} = list_filter(${quoteIdent(c.name)}, v -> ${comparable(c, 'v')} IS DISTINCT FROM ${value}) WHERE ${where}`, b));
      } else if (c.nullable) {
        this.note(t, 0, await this.exec(`UPDATE ${t.sql} SET ${quoteIdent(c.name)} = NULL WHERE ${where}`, b));
      } else {
        // A reference that may not be empty: the row cannot stay without it.
        this.note(t, await this.exec(`DELETE FROM ${t.sql} WHERE ${where}`, b), 0);
      }
    }
  }

  /** Other users' tag values that are the user's id (brought_by) or lists holding it (shares_with). */
  async forgetInTagValues(t: TableInfo, tags: { scalar: string[]; list: string[] }): Promise<void> {
    const has = new Set(t.columns.map((c) => c.name));
    if (!has.has('tag') || !has.has('user_id') || !TAG_VALUE_COLUMNS.some((c) => has.has(c))) return;
    const text = String(this.id);
    if (tags.scalar.length && (has.has('txt') || has.has('num'))) {
      const b = new Binder();
      const keys = b.bind(JSON.stringify(tags.scalar));
      const match = [has.has('txt') ? `txt = ${b.bind(text)}` : null, has.has('num') ? `num = CAST(${b.bind(this.id)} AS DOUBLE)` : null].filter(Boolean);
      this.note(t, await this.exec(`DELETE FROM ${t.sql} WHERE tag IN (SELECT unnest(from_json(${keys}, '["VARCHAR"]'))) AND (${match.join(' OR ')})`, b), 0);
    }
    if (tags.list.length && has.has('lst')) {
      const inTags = (b: Binder) => `tag IN (SELECT unnest(from_json(${b.bind(JSON.stringify(tags.list))}, '["VARCHAR"]')))`;
      // A list that held only the user would be left empty: the value goes with it.
      const d = new Binder();
      const dv = d.bind(text);
      this.note(t, await this.exec(`DELETE FROM ${t.sql} WHERE ${inTags(d)} AND list_contains(CAST(lst AS VARCHAR[]), ${dv}) AND len(list_filter(CAST(lst AS VARCHAR[]), v -> v <> ${dv})) = 0`, d), 0);
      const u = new Binder();
      const uv = u.bind(text);
      this.note(t, 0, await this.exec(`UPDATE ${t.sql} SET lst = list_filter(lst, v -> CAST(v AS VARCHAR) IS DISTINCT FROM ${uv}) WHERE ${inTags(u)} AND list_contains(CAST(lst AS VARCHAR[]), ${uv})`, u));
    }
  }

  /** Top-level keys of JSON columns that follow the naming rule and hold the id (events.properties.creator_id). */
  async forgetInJson(t: TableInfo): Promise<void> {
    for (const c of t.columns.filter((col) => col.type === 'JSON')) {
      const col = quoteIdent(c.name);
      const kb = new Binder();
      const keys = await this.ws.wh.query<{ k: string }>(
        `SELECT DISTINCT k FROM (SELECT unnest(json_keys(${col})) AS k FROM ${t.sql}
         WHERE ${col} IS NOT NULL AND json_type(${col}) = 'OBJECT' AND strpos(CAST(${col} AS VARCHAR), ${kb.bind(String(this.id))}) > 0)
         ORDER BY k`,
        kb.values,
      );
      for (const { k } of keys.filter((r) => holdsUserIds(r.k))) {
        const b = new Binder();
        const key = b.bind(k);
        const path = b.bind(`$."${k}"`);
        const where = `json_type(${col}) = 'OBJECT' AND json_extract_string(${col}, ${path}) = ${b.bind(String(this.id))}`;
        this.note(t, 0, await this.exec(`UPDATE ${t.sql} SET ${col} = json_merge_patch(${col}, json_object(${key}, NULL)) WHERE ${where}`, b));
      }
    }
  }

  /** Unparsed source lines (a `raw` text column: the quarantine) that hold the id as a whole number. */
  async forgetInRawLines(t: TableInfo): Promise<void> {
    if (!t.columns.some((c) => c.name === 'raw' && c.type === 'VARCHAR')) return;
    const b = new Binder();
    this.note(t, await this.exec(`DELETE FROM ${t.sql} WHERE regexp_matches(raw, ${b.bind(idTokenPattern(this.id))})`, b), 0);
  }

  /** Rows about a device only the user used, in tables keyed by device alone (devices). */
  async forgetDevices(tables: TableInfo[]): Promise<void> {
    const linked = tables.filter((t) => t.userColumns.length && t.columns.some((c) => c.name === 'device_id'));
    const stillUsed = linked.map((t) => `SELECT CAST(device_id AS VARCHAR) FROM ${t.sql} WHERE device_id IS NOT NULL`);
    const exclusive = `SELECT device_id FROM ${DEVICES}${stillUsed.length ? ` WHERE device_id NOT IN (${stillUsed.join(' UNION ')})` : ''}`;
    for (const t of tables.filter((x) => !x.userColumns.length && x.columns.some((c) => c.name === 'device_id'))) {
      this.note(t, await this.ws.wh.run(`DELETE FROM ${t.sql} WHERE CAST(device_id AS VARCHAR) IN (${exclusive})`), 0);
    }
    await this.ws.wh.run(`DROP TABLE IF EXISTS ${DEVICES}`);
  }
}

/**
 * Removes the user from every table and the quarantine files; all of it or, on any failure, none of it.
 * Recorded in the audit log (unless a dry run).
 */
export async function forgetUser(ws: Workspace, userId: number | bigint | string, options: ForgetOptions = {}): Promise<ForgetReport> {
  const id = parseUserId(userId);
  const dryRun = options.dryRun ?? false;
  const subject = await userSubject(ws, id);
  const tags = userValuedTags(ws);
  const reach = await outOfReach(ws, id);
  const scrub = await prepareQuarantineScrub(ws, id);
  let report: ForgetReport;
  try {
    report = await ws.wh.transaction(async () => {
      const tables = await discoverTables(ws.wh);
      const work = new Forgetting(ws, id);
      const devices = await work.rememberDevices(tables);
      for (const t of tables) {
        await work.forgetInTable(t);
        await work.forgetInTagValues(t, tags);
        await work.forgetInJson(t);
        await work.forgetInRawLines(t);
      }
      if (devices) await work.forgetDevices(tables);
      const changed = [...work.counts.values()].sort((a, b) => a.table.localeCompare(b.table));
      const result: ForgetReport = {
        userId: String(id),
        subject,
        dryRun,
        tablesChecked: tables.length,
        tables: changed,
        deleted: changed.reduce((s, t) => s + t.deleted, 0),
        cleared: changed.reduce((s, t) => s + t.cleared, 0),
        quarantineFiles: scrub.files,
        outOfReach: [...reach, ...scrub.unreadable.map((u) => ({ file: u.file, kind: 'quarantine' as const, holdsUser: null, reason: u.reason }))],
      };
      if (dryRun) throw new DryRun(result);
      await recordAudit(ws, {
        action: 'forget',
        subject,
        rows: result.deleted,
        details: {
          cleared: result.cleared,
          tables: Object.fromEntries(changed.map((t) => [t.table, { deleted: t.deleted, cleared: t.cleared }])),
          quarantine_files: scrub.files,
          out_of_reach: result.outOfReach.map((o) => ({ file: o.file, kind: o.kind })),
        },
      });
      return result;
    });
  } catch (error) {
    scrub.abort();
    if (error instanceof DryRun) return error.report;
    throw error;
  }
  scrub.commit();
  // Written through to the database file now, not at some later checkpoint.
  await ws.wh.run('CHECKPOINT');
  return report;
}
