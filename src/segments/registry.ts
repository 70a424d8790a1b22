/**
 * The workspace's segments: parsing with the JSON path of any problem, storing, and compiling a segment
 * (by name or inline) to the query of its members as of the tags' build time. Segments may read other
 * segments; a cycle is refused.
 */
import { basename } from 'node:path';
import { compileCondition, conditionContext, formatPath, type CompileContext } from '../conditions/compile.js';
import { describeZodError } from '../conditions/issues.js';
import { SqlParams } from '../conditions/params.js';
import { PortraitError } from '../errors.js';
import type { SqlValue } from '../warehouse/warehouse.js';
import { saveDefinition, storedDefinitions } from '../workspace/definitions.js';
import type { Workspace } from '../workspace/workspace.js';
import { TagRegistry } from '../tags/registry/registry.js';
import { INTEREST_TABLE } from '../tags/values/select.js';
import { KNOWN_USERS_TABLE, TAG_VALUES_TABLE, tagsAsOf } from '../tags/values/build.js';
import { SegmentDefinitionSchema, type SegmentDefinition } from './definition.js';

export function parseSegment(input: unknown, where: string): SegmentDefinition {
  const parsed = SegmentDefinitionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PortraitError(`${where}: ${describeZodError(parsed.error)}`, 'docs/segments.md describes the segment language');
}

export interface CompiledSegment {
  /** SELECT user_id of the members; parameters from $1. */
  sql: string;
  params: SqlValue[];
  asOf: Date;
}

export class SegmentRegistry {
  private constructor(
    private readonly segments: Map<string, SegmentDefinition>,
    private readonly tags: TagRegistry,
  ) {}

  static load(ws: Workspace, tags: TagRegistry = TagRegistry.load(ws)): SegmentRegistry {
    const segments = new Map<string, SegmentDefinition>();
    for (const [path, json] of storedDefinitions(ws, 'segments')) {
      const def = parseSegment(json, path);
      if (basename(path) !== `${def.name}.json`) throw new PortraitError(`${path}: name "${def.name}" does not match the file name`);
      segments.set(def.name, def);
    }
    return new SegmentRegistry(segments, tags);
  }

  list(): SegmentDefinition[] {
    return [...this.segments.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): SegmentDefinition | undefined {
    return this.segments.get(name);
  }

  /** Compiles a segment's condition into `params`, resolving the segments it reads (refusing cycles). */
  compileInto(def: SegmentDefinition, params: SqlParams, asOf: Date, trail: string[] = []): string {
    const ctx: CompileContext = conditionContext(params, asOf, {
      universe: KNOWN_USERS_TABLE,
      tagTable: TAG_VALUES_TABLE,
      interestTable: INTEREST_TABLE,
      tagType: (k) => this.tags.typeOf(k),
      segmentSql: (name, path) => {
        if (name === def.name || trail.includes(name)) {
          throw new PortraitError(`${formatPath(path)}: segments read each other in a cycle: ${[...trail, def.name, name].join(' -> ')}`);
        }
        const inner = this.segments.get(name);
        if (!inner) throw new PortraitError(`${formatPath(path)}: unknown segment "${name}"`, 'portrait segment list shows the segments');
        return this.compileInto(inner, params, asOf, [...trail, def.name]);
      },
    });
    return compileCondition(def.condition, ctx, ['condition']);
  }

  /** Validates `input` against the tags and the other segments, then stores it. Nothing is written on error. */
  define(ws: Workspace, input: unknown, where: string): { definition: SegmentDefinition; replaced: boolean } {
    const def = parseSegment(input, where);
    this.segments.set(def.name, def);
    try {
      this.compileInto(def, new SqlParams(), new Date(0));
    } catch (error) {
      if (error instanceof PortraitError) throw new PortraitError(`${where}: ${error.message}`, error.hint);
      throw error;
    }
    return { definition: def, replaced: saveDefinition(ws, 'segments', def.name, def) };
  }
}

/**
 * The members of a segment, given by name or as an inline definition, as of the tags' build time (the
 * portrait the segment reads).
 */
export async function compileSegment(ws: Workspace, segment: string | SegmentDefinition, registry = SegmentRegistry.load(ws)): Promise<CompiledSegment> {
  const def = typeof segment === 'string' ? registry.get(segment) : segment;
  if (!def) throw new PortraitError(`unknown segment "${String(segment)}"`, 'portrait segment list shows the segments; define one with portrait segment define FILE.json');
  const asOf = await tagsAsOf(ws.wh);
  if (!asOf) throw new PortraitError('segments read the portrait, which has not been built', 'run portrait build first');
  const params = new SqlParams();
  const sql = registry.compileInto(def, params, asOf);
  return { sql, params: params.values, asOf };
}
