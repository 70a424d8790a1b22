/**
 * Storing an operations document (a scoring plan, a message campaign) as a versioned definition: written
 * only when it differs from the stored one, so a re-run with the same file adds no version.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { definitionsDir, readJsonFile, saveDefinition, type DefinitionKind } from '../../workspace/definitions.js';
import type { Workspace } from '../../workspace/workspace.js';

export interface StoredDefinition {
  /** defined: new; replaced: changed (the previous version kept in history); unchanged: the same as stored. */
  status: 'defined' | 'replaced' | 'unchanged';
  /** 1 for the first version, +1 for each change. */
  version: number;
}

function versionsInHistory(ws: Workspace, kind: DefinitionKind, id: string): number {
  const history = join(definitionsDir(ws, kind), 'history');
  if (!existsSync(history)) return 0;
  const prefix = `${id}.v`;
  return readdirSync(history).filter((f) => f.startsWith(prefix) && /^\d+\.json$/.test(f.slice(prefix.length))).length;
}

/** Stores a validated document as definitions/KIND/ID.json unless the stored one is the same. */
export function storeVersioned(ws: Workspace, kind: DefinitionKind, id: string, definition: unknown): StoredDefinition {
  const target = join(definitionsDir(ws, kind), `${id}.json`);
  if (existsSync(target) && JSON.stringify(readJsonFile(target)) === JSON.stringify(definition)) {
    return { status: 'unchanged', version: versionsInHistory(ws, kind, id) + 1 };
  }
  const replaced = saveDefinition(ws, kind, id, definition);
  return { status: replaced ? 'replaced' : 'defined', version: versionsInHistory(ws, kind, id) + 1 };
}
