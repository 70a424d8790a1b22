/**
 * The tag registry: the built-in tags plus the workspace's own (definitions/tags/KEY.json), all in the
 * same form. Defining a tag validates it fully before anything is written; a replaced definition keeps
 * its previous version under definitions/tags/history/.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { formatPath } from '../../conditions/compile.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { BUILTIN_TAGS } from '../builtin/index.js';
import type { TagValueType } from '../value-types.js';
import { checkDefinition, referencedTags, ruleConditions } from './check.js';
import { TagDefinitionSchema, type TagDefinition, type TagFamily } from './definition.js';

export interface RegisteredTag extends TagDefinition {
  origin: 'builtin' | 'workspace';
}

/** Parses a definition; a problem throws a PortraitError naming `where` and the JSON path of the field. */
export function parseDefinition(input: unknown, where: string): TagDefinition {
  const parsed = TagDefinitionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = deepestIssue(parsed.error.issues);
  throw new PortraitError(`${where}: ${formatPath(issue.path as (string | number)[])}: ${issue.message}`, 'docs/tags.md describes the definition fields');
}

/**
 * The issue that says best what is wrong: of a union's alternatives the one that got furthest into the
 * input, and at equal depth one that is not a mere type mismatch ("expected array").
 */
function deepestIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const expand = (issue: z.core.$ZodIssue): z.core.$ZodIssue => {
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const inner = deepestIssue(issue.errors.flat());
      return { ...inner, path: [...issue.path, ...inner.path] };
    }
    // A condition without a kind key is reported at the condition, not at the key it lacks.
    if (issue.path.at(-1) === 'kind' && issue.code === 'invalid_union') return { ...issue, path: issue.path.slice(0, -1) };
    return issue;
  };
  const rank = (i: z.core.$ZodIssue) => i.path.length * 2 + (i.code === 'invalid_type' ? 0 : 1);
  let best = expand(issues[0]!);
  for (const issue of issues.slice(1)) {
    const candidate = expand(issue);
    if (rank(candidate) > rank(best)) best = candidate;
  }
  return best;
}

let builtinTags: ReadonlyMap<string, RegisteredTag> | undefined;

export class TagRegistry {
  private constructor(private readonly tags: Map<string, RegisteredTag>) {}

  /** The built-in tags alone (what a workspace without definitions has). */
  static builtin(): TagRegistry {
    // Parsed and checked once per process: a profile card must not pay for it on every call.
    if (!builtinTags) {
      const tags = new Map<string, RegisteredTag>();
      for (const input of BUILTIN_TAGS) {
        const def = parseDefinition(input, `built-in tag ${input.key}`);
        tags.set(def.key, { ...def, origin: 'builtin' });
      }
      const registry = new TagRegistry(tags);
      for (const tag of tags.values()) registry.check(tag, `built-in tag ${tag.key}`);
      builtinTags = tags;
    }
    return new TagRegistry(new Map(builtinTags));
  }

  /** Built-in tags plus the workspace's definitions; a broken definition file is named in the error. */
  static load(ws: Workspace): TagRegistry {
    const registry = TagRegistry.builtin();
    const dir = tagsDir(ws);
    if (!existsSync(dir)) return registry;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    const own: TagDefinition[] = [];
    for (const file of files) {
      const path = join(dir, file);
      const def = parseDefinition(readJson(path), path);
      if (`${def.key}.json` !== file) throw new PortraitError(`${path}: key "${def.key}" does not match the file name`);
      own.push(def);
    }
    for (const def of own) registry.tags.set(def.key, { ...def, origin: 'workspace' });
    for (const def of own) registry.check(def, join(dir, `${def.key}.json`));
    return registry;
  }

  get(key: string): RegisteredTag | undefined {
    return this.tags.get(key);
  }

  typeOf(key: string): TagValueType | undefined {
    return this.tags.get(key)?.type;
  }

  list(family?: TagFamily): RegisteredTag[] {
    return [...this.tags.values()].filter((t) => !family || t.family === family).sort((a, b) => a.family.localeCompare(b.family) || a.key.localeCompare(b.key));
  }

  /** The tags a rule tag reads. */
  dependencies(key: string): string[] {
    const tag = this.tags.get(key);
    if (!tag) return [];
    const keys = new Set<string>();
    for (const { when } of ruleConditions(tag)) referencedTags(when, keys);
    return [...keys];
  }

  /** `key` and every rule tag that reads it, directly or through other rules. */
  withDependents(key: string): string[] {
    const out = new Set([key]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const tag of this.tags.keys()) {
        if (!out.has(tag) && this.dependencies(tag).some((d) => out.has(d))) {
          out.add(tag);
          grew = true;
        }
      }
    }
    return [...out];
  }

  /** Every tag, each after the tags it reads. */
  inBuildOrder(keys: readonly string[] = [...this.tags.keys()]): RegisteredTag[] {
    const done = new Set<string>();
    const out: RegisteredTag[] = [];
    const visit = (key: string) => {
      if (done.has(key)) return;
      done.add(key);
      for (const dep of this.dependencies(key)) visit(dep);
      const tag = this.tags.get(key);
      if (tag) out.push(tag);
    };
    [...keys].sort().forEach(visit);
    return out;
  }

  private check(def: TagDefinition, where: string): void {
    try {
      checkDefinition(def, (k) => this.typeOf(k), (k) => this.dependencies(k));
    } catch (error) {
      if (error instanceof PortraitError) throw new PortraitError(`${where}: ${error.message}`, error.hint);
      throw error;
    }
  }

  /**
   * Validates `input` as a new or changed workspace tag and stores it. Nothing is written unless the
   * definition is valid against the whole registry; built-in keys cannot be redefined.
   */
  static define(ws: Workspace, input: unknown, where: string): { definition: TagDefinition; replaced: boolean } {
    const def = parseDefinition(input, where);
    const registry = TagRegistry.load(ws);
    const existing = registry.get(def.key);
    if (existing?.origin === 'builtin') {
      throw new PortraitError(`${where}: key: "${def.key}" is a built-in tag`, 'choose another key; portrait tags show ' + def.key + ' shows the built-in definition');
    }
    registry.tags.set(def.key, { ...def, origin: 'workspace' });
    registry.check(def, where);
    const dir = tagsDir(ws);
    mkdirSync(dir, { recursive: true });
    const target = join(dir, `${def.key}.json`);
    if (existsSync(target)) {
      const history = join(dir, 'history');
      mkdirSync(history, { recursive: true });
      const version = readdirSync(history).filter((f) => f.startsWith(`${def.key}.v`)).length + 1;
      copyFileSync(target, join(history, `${def.key}.v${version}.json`));
    }
    // Written beside the target and renamed over it, so a crash never leaves half a definition.
    const temp = join(dir, `.${basename(target)}.tmp`);
    writeFileSync(temp, `${JSON.stringify(def, null, 2)}\n`);
    renameSync(temp, target);
    return { definition: def, replaced: existing !== undefined };
  }
}

export function tagsDir(ws: Workspace): string {
  return join(ws.paths.definitions, 'tags');
}

function readJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PortraitError(`${path}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads a definition file given on the command line. */
export function readDefinitionFile(path: string): unknown {
  if (!existsSync(path)) throw new PortraitError(`definition file not found: ${path}`);
  return readJson(path);
}
