/**
 * Where a user can be: every base table of every schema of the workspace database, read from
 * information_schema when asked, so tables that stages add later are covered without a list to keep.
 *
 * The rule, by column name (docs/privacy.md):
 * - `user_id` and `creator_id` name the user a row belongs to (its subject);
 * - any other name ending in `_user_id` (referrer_user_id, src_user_id, friend_user_id, ...) refers to a user;
 * - the same names with a trailing `s` (`user_ids`, `friend_user_ids`) hold lists of users;
 * - `device_id` holds a device's salted hash; `raw` holds an unparsed source line (quarantine); a JSON
 *   column's top-level keys follow the same naming rule.
 */
import type { Warehouse } from '../warehouse/warehouse.js';

const USER_COLUMN = /^(?:[a-z0-9_]+_)?user_ids?$|^creator_ids?$/i;
const SUBJECT_COLUMNS = new Set(['user_id', 'creator_id']);

/** Whether a column (or a JSON key) holds user ids, by the naming rule. */
export function holdsUserIds(name: string): boolean {
  return USER_COLUMN.test(name);
}

export type UserColumnRole = 'subject' | 'reference';

export interface ColumnInfo {
  name: string;
  /** The engine's type, e.g. BIGINT, VARCHAR, BIGINT[], JSON. */
  type: string;
  nullable: boolean;
}

export interface UserColumn extends ColumnInfo {
  /**
   * subject: a row naming the user here is the user's own and is removed. reference: the row belongs to
   * someone else and only the mention goes (set to null, or taken out of a list).
   */
  role: UserColumnRole;
  list: boolean;
  /** Compared as text rather than as a number: VARCHAR, or any type that is not a number (cast to text). */
  text: boolean;
}

export interface TableInfo {
  schema: string;
  name: string;
  /** schema.name, quoted for SQL. */
  sql: string;
  /** schema.name for reports ("main." left out). */
  label: string;
  columns: ColumnInfo[];
  userColumns: UserColumn[];
}

/**
 * Quotes a name the database itself reported (not user input). Unlike dialect.ident it accepts any name,
 * so a table someone adds with an unusual name cannot stop a user from being forgotten.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const isList = (type: string) => type.endsWith('[]');
const elementType = (type: string) => (isList(type) ? type.slice(0, -2) : type);
const NUMBER_TYPE = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL(\(.*\))?)$/;

/**
 * A table's user columns with their roles. A table with a subject column (`user_id`, `creator_id`) belongs
 * to those users and its other user columns are references; a table without one is a relation between
 * users (social edges: src_user_id, dst_user_id), so each of its user columns is a subject.
 */
export function classifyUserColumns(columns: readonly ColumnInfo[]): UserColumn[] {
  const named = columns.filter((c) => holdsUserIds(c.name));
  const hasSubject = named.some((c) => SUBJECT_COLUMNS.has(c.name.toLowerCase()) && !isList(c.type));
  return named.map((c) => {
    const list = isList(c.type);
    const role: UserColumnRole = list ? 'reference' : !hasSubject || SUBJECT_COLUMNS.has(c.name.toLowerCase()) ? 'subject' : 'reference';
    return { ...c, role, list, text: !NUMBER_TYPE.test(elementType(c.type)) };
  });
}

/** Every base table of the workspace database (temporary tables and views left out), in schema and name order. */
export async function discoverTables(wh: Warehouse): Promise<TableInfo[]> {
  const rows = await wh.query<{ table_schema: string; table_name: string; column_name: string; data_type: string; is_nullable: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.is_nullable
     FROM information_schema.columns c
     JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_catalog = current_database()
     ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, TableInfo>();
  for (const r of rows) {
    const key = `${r.table_schema}.${r.table_name}`;
    let table = tables.get(key);
    if (!table) {
      table = {
        schema: r.table_schema,
        name: r.table_name,
        sql: `${quoteIdent(r.table_schema)}.${quoteIdent(r.table_name)}`,
        label: r.table_schema === 'main' ? r.table_name : key,
        columns: [],
        userColumns: [],
      };
      tables.set(key, table);
    }
    table.columns.push({ name: r.column_name, type: r.data_type, nullable: r.is_nullable !== 'NO' });
  }
  for (const t of tables.values()) t.userColumns = classifyUserColumns(t.columns);
  return [...tables.values()];
}
