/**
 * The tag registry: the built-in tags plus the workspace's own (definitions/tags/KEY.json), all in the
 * same form. Defining a tag validates it fully before anything is written; a replaced definition keeps
 * its previous version under definitions/tags/history/.
 */
import { basename } from 'node:path';
import { describeZodError } from '../../conditions/issues.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { saveDefinition, storedDefinitions } from '../../workspace/definitions.js';
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
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/tags.md describes the definition fields');
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
    const own: [string, TagDefinition][] = [];
    for (const [path, json] of storedDefinitions(ws, 'tags')) {
      const def = parseDefinition(json, path);
      if (basename(path) !== `${def.key}.json`) throw new PortraitError(`${path}: key "${def.key}" does not match the file name`);
      own.push([path, def]);
    }
    for (const [, def] of own) registry.tags.set(def.key, { ...def, origin: 'workspace' });
    for (const [path, def] of own) registry.check(def, path);
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
    saveDefinition(ws, 'tags', def.key, def);
    return { definition: def, replaced: existing !== undefined };
  }
}

