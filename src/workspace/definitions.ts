/**
 * Definitions are data: JSON documents kept in the workspace under definitions/KIND/NAME.json. Saving
 * writes beside the target and renames over it (a crash never leaves half a file) and keeps the version
 * it replaces under definitions/KIND/history/NAME.vN.json.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortraitError } from '../errors.js';
import type { Workspace } from './workspace.js';

/** Each kind is a folder under definitions/ (scoring plans, message campaigns, experiment campaigns, coupon plans, points rules too). */
export type DefinitionKind = 'tags' | 'segments' | 'scoring' | 'messages' | 'campaigns' | 'coupons' | 'points';

export function definitionsDir(ws: Workspace, kind: DefinitionKind): string {
  return join(ws.paths.definitions, kind);
}

/** Reads and parses a JSON file; a syntax error names the file. */
export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) throw new PortraitError(`file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PortraitError(`${path}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The stored definitions of a kind, as [file path, parsed JSON], in name order. */
export function storedDefinitions(ws: Workspace, kind: DefinitionKind): [string, unknown][] {
  const dir = definitionsDir(ws, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [join(dir, f), readJsonFile(join(dir, f))]);
}

/** Stores a (validated) definition as NAME.json; returns whether it replaced one. */
export function saveDefinition(ws: Workspace, kind: DefinitionKind, name: string, definition: unknown): boolean {
  const dir = definitionsDir(ws, kind);
  mkdirSync(dir, { recursive: true });
  const target = join(dir, `${name}.json`);
  const replaced = existsSync(target);
  if (replaced) {
    const history = join(dir, 'history');
    mkdirSync(history, { recursive: true });
    const version = readdirSync(history).filter((f) => f.startsWith(`${name}.v`)).length + 1;
    copyFileSync(target, join(history, `${name}.v${version}.json`));
  }
  const temp = join(dir, `.${name}.json.tmp`);
  writeFileSync(temp, `${JSON.stringify(definition, null, 2)}\n`);
  renameSync(temp, target);
  return replaced;
}
