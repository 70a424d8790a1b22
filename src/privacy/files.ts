/**
 * The user outside the database: quarantine files in the workspace (scrubbed), and what forget cannot
 * change but names so someone can act on it: files exported earlier, other database files left in the
 * workspace, and definitions that name the user.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import type { Workspace } from '../workspace/workspace.js';
import { listAudit } from './audit.js';
import { holdsUserIds } from './user-columns.js';

/**
 * A regular expression for the id as a whole number in text: not inside a longer number, a word, a hash,
 * a decimal (3.17), a date (2017-11-17) or a time (10:17), but after a JSON key's colon ("user_id":17).
 */
export function idTokenPattern(userId: number | bigint): string {
  const edge = '[^0-9A-Za-z_.:-]';
  return `(^|${edge}|[^0-9]:)${String(userId)}($|${edge}|:[^0-9])`;
}

const CSV_OPTIONS = "header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"'";

export interface QuarantineFileScrub {
  /** Relative to the workspace folder. */
  file: string;
  removed: number;
  kept: number;
}

export interface PreparedScrub {
  files: QuarantineFileScrub[];
  /** Files that could not be read as the CSVs Portrait writes there, with why. */
  unreadable: { file: string; reason: string }[];
  /** Puts the scrubbed files in place (after the database commit). */
  commit(): void;
  /** Removes the scrubbed copies, leaving the files as they were. */
  abort(): void;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * Writes a copy of each quarantine CSV without the lines that hold the id (beside it, `.forget` added);
 * nothing is replaced until `commit`. A quarantined line is unparsed text, so any line holding the id as a
 * whole number goes, also one where the same number is something else (an item id); those lines were
 * rejected anyway.
 */
export async function prepareQuarantineScrub(ws: Workspace, userId: number | bigint): Promise<PreparedScrub> {
  const pattern = idTokenPattern(userId);
  const files: QuarantineFileScrub[] = [];
  const unreadable: { file: string; reason: string }[] = [];
  const temps: [string, string][] = [];
  const abort = () => {
    for (const [temp] of temps) rmSync(temp, { force: true });
  };
  try {
    for (const path of filesUnder(ws.paths.quarantine)) {
      const file = relative(ws.paths.dir, path);
      if (path.endsWith('.forget')) continue;
      if (extname(path).toLowerCase() !== '.csv') {
        unreadable.push({ file, reason: 'not a CSV that Portrait writes; not read' });
        continue;
      }
      let counts: { removed: number; total: number } | undefined;
      try {
        const [row] = await ws.wh.query<{ removed: number; total: number }>(
          `SELECT count(*) FILTER (WHERE regexp_matches(CAST(t AS VARCHAR), $2)) AS removed, count(*) AS total FROM read_csv($1, ${CSV_OPTIONS}) t`,
          [path, pattern],
        );
        counts = { removed: Number(row!.removed), total: Number(row!.total) };
      } catch (error) {
        unreadable.push({ file, reason: `cannot be read as CSV: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` });
        continue;
      }
      if (counts.removed > 0) {
        const temp = `${path}.forget`;
        temps.push([temp, path]);
        await ws.wh.run(
          `COPY (SELECT * FROM read_csv($1, ${CSV_OPTIONS}) t WHERE NOT regexp_matches(CAST(t AS VARCHAR), $2)) TO $3 (HEADER, DELIMITER ',')`,
          [path, pattern, temp],
        );
      }
      files.push({ file, removed: counts.removed, kept: counts.total - counts.removed });
    }
  } catch (error) {
    abort();
    throw error;
  }
  return {
    files: files.filter((f) => f.removed > 0),
    unreadable,
    commit: () => {
      for (const [temp, path] of temps) renameSync(temp, path);
    },
    abort,
  };
}

export interface OutOfReach {
  /** A path (relative to the workspace when inside it). */
  file: string;
  kind: 'export' | 'database' | 'definition' | 'quarantine';
  /** Whether the file holds the user: true, false, or null when it cannot tell (gone, unreadable, no user column). */
  holdsUser: boolean | null;
  reason: string;
}

async function exportHoldsUser(ws: Workspace, file: string, userId: number | bigint): Promise<boolean | null> {
  if (!existsSync(file)) return null;
  const ext = extname(file).toLowerCase();
  const reader = ext === '.csv' ? 'read_csv($1, header = true)' : ext === '.parquet' ? 'read_parquet($1)' : null;
  if (!reader) return null;
  try {
    const [row] = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${reader} WHERE CAST(user_id AS VARCHAR) = $2`, [file, String(userId)]);
    return Number(row!.n) > 0;
  } catch {
    return null;
  }
}

/** Keys following the column rule, anywhere in a JSON document, whose value is the id (or a list holding it). */
function jsonNamesUser(value: unknown, id: string): boolean {
  if (Array.isArray(value)) return value.some((v) => jsonNamesUser(v, id));
  if (value === null || typeof value !== 'object') return false;
  for (const [key, v] of Object.entries(value)) {
    if (holdsUserIds(key)) {
      const values = Array.isArray(v) ? v : [v];
      if (values.some((x) => (typeof x === 'number' || typeof x === 'string') && String(x) === id)) return true;
    }
    if (jsonNamesUser(v, id)) return true;
  }
  return false;
}

/**
 * What forget cannot change, for someone to act on: files the audit log says were exported (the copies
 * handed over are out of reach; the file is checked when it is still there), other database files inside
 * the workspace (copies left by an interrupted run), and definitions that name the user.
 */
export async function outOfReach(ws: Workspace, userId: number | bigint): Promise<OutOfReach[]> {
  const out: OutOfReach[] = [];
  const id = String(userId);
  const seen = new Set<string>();
  for (const entry of await listAudit(ws, { action: 'export' })) {
    if (!entry.file || seen.has(entry.file)) continue;
    seen.add(entry.file);
    const holdsUser = await exportHoldsUser(ws, entry.file, userId);
    if (holdsUser === false) continue;
    out.push({
      file: entry.file,
      kind: 'export',
      holdsUser,
      reason: holdsUser
        ? `exported ${entry.at.toISOString()} (${entry.subject}) and still holds the user: delete or re-export it, and tell whoever received it`
        : `exported ${entry.at.toISOString()} (${entry.subject}); ${existsSync(entry.file) ? 'cannot tell whether it holds the user' : 'no longer there'}: copies handed over are out of reach`,
    });
  }
  const mainDb = resolve(ws.paths.database);
  for (const path of filesUnder(ws.paths.dir)) {
    if (/\.(duckdb|db)$/i.test(path) && resolve(path) !== mainDb) {
      out.push({ file: relative(ws.paths.dir, path), kind: 'database', holdsUser: null, reason: 'another database file in the workspace (e.g. left by an interrupted run); remove it' });
    }
  }
  for (const path of filesUnder(ws.paths.definitions).filter((p) => p.endsWith('.json'))) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    if (jsonNamesUser(json, id)) {
      out.push({ file: relative(ws.paths.dir, path), kind: 'definition', holdsUser: true, reason: 'a definition names the user; edit it (definitions are the operators\' documents, not changed by forget)' });
    }
  }
  return out;
}
