/**
 * Matching a file's columns to the model's: by name, after an optional mapping `target=source`. Every
 * source column must land on a model column and every required model column must be fed; anything else
 * is a clear error naming the file and the column, raised before a row is read.
 */
import { PortraitError } from '../errors.js';
import { ENTITY_TABLES, findEntity, type Column, type Table } from '../model/schema.js';

/** Columns an import may fill. `batch_id` is set by the import itself. */
export function importableColumns(table: Table): Column[] {
  return table.columns.filter((c) => c.name !== 'batch_id');
}

export function importableEntityNames(): string[] {
  return ENTITY_TABLES.filter((t) => t.importable).map((t) => t.name);
}

/** The importable table called `entity`, or an error listing the valid names. */
export function entityTable(entity: string): Table {
  const table = findEntity(entity);
  if (!table || !table.importable) {
    throw new PortraitError(`unknown entity "${entity}"`, `importable entities: ${importableEntityNames().join(', ')}`);
  }
  return table;
}

/**
 * Parses the CLI form of a mapping, "user_id=uid,ts=time", into { user_id: 'uid', ts: 'time' }. Targets are
 * checked against the entity's columns when it is given, else against the columns of every importable
 * entity.
 */
export function parseMapping(spec: string, entity?: string): Record<string, string> {
  const table = entity === undefined ? undefined : entityTable(entity);
  const out: Record<string, string> = {};
  const parts = spec.split(',').map((p) => p.trim());
  if (spec.trim() === '' || parts.some((p) => p === '')) {
    throw new PortraitError(`malformed mapping "${spec}"`, 'write it as target=source pairs separated by commas, e.g. user_id=uid,ts=time');
  }
  for (const part of parts) {
    const eq = part.indexOf('=');
    const target = eq < 0 ? '' : part.slice(0, eq).trim();
    const source = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (eq < 0 || target === '' || source === '' || source.includes('=')) {
      throw new PortraitError(`malformed mapping entry "${part}" in "${spec}"`, 'each entry is target=source, e.g. user_id=uid');
    }
    if (Object.hasOwn(out, target)) throw new PortraitError(`mapping "${spec}" maps ${target} twice`);
    out[target] = source;
  }
  checkMappingTargets(out, table);
  return out;
}

/** Every mapping target must be a column the entity (or, without one, some entity) can import. */
export function checkMappingTargets(mapping: Record<string, string>, table?: Table): void {
  const valid = table
    ? importableColumns(table).map((c) => c.name)
    : [...new Set(ENTITY_TABLES.filter((t) => t.importable).flatMap((t) => importableColumns(t).map((c) => c.name)))];
  for (const target of Object.keys(mapping)) {
    if (!valid.includes(target)) {
      throw new PortraitError(
        `mapping target "${target}" is not a column of ${table ? table.name : 'any importable entity'}`,
        `${table ? `${table.name} columns` : 'columns'}: ${valid.join(', ')}`,
      );
    }
  }
}

export interface ColumnPlan {
  column: Column;
  /** The source column feeding it; undefined when the file has none (the column is left empty). */
  source?: string;
}

export interface Plan {
  /** Every importable column of the entity, in model order. */
  targets: ColumnPlan[];
  /** The file's columns in file order, each with the model column it feeds. */
  sources: { name: string; column: Column }[];
}

/**
 * Matches source columns to the entity's columns. `file` is only for messages. `where` says where a
 * column was found when it is not a header (JSONL: "first on line 12").
 */
export function planColumns(
  table: Table,
  file: string,
  sourceColumns: string[],
  mapping: Record<string, string>,
  where: (source: string) => string = () => '',
): Plan {
  checkMappingTargets(mapping, table);
  const columns = importableColumns(table);
  const seen = new Set<string>();
  for (const s of sourceColumns) {
    if (seen.has(s)) throw new PortraitError(`${file}: column "${s}" appears twice`);
    seen.add(s);
  }
  const listing = sourceColumns.length ? sourceColumns.map((s) => `"${s}"`).join(', ') : '(none)';
  const bySource = new Map<string, Column>();
  const targets: ColumnPlan[] = columns.map((column) => {
    const mapped = mapping[column.name];
    if (mapped !== undefined) {
      if (!seen.has(mapped)) {
        throw new PortraitError(`${file}: mapping ${column.name}=${mapped}: the file has no column "${mapped}"`, `its columns: ${listing}`);
      }
      const other = bySource.get(mapped);
      if (other) throw new PortraitError(`${file}: column "${mapped}" is mapped to both ${other.name} and ${column.name}`);
      bySource.set(mapped, column);
      return { column, source: mapped };
    }
    return { column };
  });
  for (const t of targets) {
    if (t.source !== undefined || !seen.has(t.column.name) || bySource.has(t.column.name)) continue;
    t.source = t.column.name;
    bySource.set(t.column.name, t.column);
  }
  for (const s of sourceColumns) {
    if (bySource.has(s)) continue;
    const at = where(s);
    const named = columns.find((c) => c.name === s);
    if (named) {
      throw new PortraitError(
        `${file}: column "${s}"${at} is not imported: ${s} is mapped from "${mapping[s]}"`,
        'remove one of the two columns, or drop the mapping',
      );
    }
    if (s === 'batch_id' && table.columns.some((c) => c.name === 'batch_id')) {
      throw new PortraitError(`${file}: column "batch_id"${at} cannot be imported; the import sets it`, 'remove it from the file');
    }
    throw new PortraitError(
      `${file}: unknown column "${s}"${at} for ${table.name}`,
      `${table.name} columns: ${columns.map((c) => c.name).join(', ')}; map it with <column>=${s}, or remove it from the file`,
    );
  }
  for (const t of targets) {
    if (t.column.required && t.source === undefined) {
      throw new PortraitError(
        `${file}: missing required column ${t.column.name} for ${table.name}`,
        `the file's columns: ${listing}; add it, or map one with ${t.column.name}=<column>`,
      );
    }
  }
  const sources = sourceColumns.map((name) => ({ name, column: bySource.get(name)! }));
  return { targets, sources };
}
