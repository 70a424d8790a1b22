/**
 * Schema versions. A workspace records the version it was written with; opening an older one runs the
 * migrations after it, in one transaction. Add a migration by appending to MIGRATIONS and bumping nothing
 * else: the current version is the last migration's.
 */
import type { Warehouse } from '../warehouse/warehouse.js';

export interface Migration {
  version: number;
  description: string;
  apply(wh: Warehouse): Promise<void>;
}

/** Version 1 is the schema ddl.ts creates; version N+1 is MIGRATIONS[N-1] applied to version N. */
export const MIGRATIONS: readonly Migration[] = [];

export const SCHEMA_VERSION = 1 + MIGRATIONS.length;

/** Applies the migrations newer than `from`, all in one transaction; returns those applied. */
export async function migrate(wh: Warehouse, from: number, migrations: readonly Migration[] = MIGRATIONS): Promise<Migration[]> {
  const pending = migrations.filter((m) => m.version > from).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return [];
  await wh.transaction(async () => {
    for (const m of pending) await m.apply(wh);
    await wh.run("UPDATE meta SET value = $1 WHERE key = 'schema_version'", [String(pending.at(-1)!.version)]);
  });
  return pending;
}
