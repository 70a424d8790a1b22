/**
 * Conditions in operations documents (a scoring plan's rules and pool, a message campaign's templates),
 * compiled by the one compiler segments use, against the portrait as of its build time. Where such a
 * document takes a condition it also takes a segment: the plain string "NAME" stands for
 * {"segment": "NAME"}.
 */
import { z } from 'zod';
import { compileCondition, conditionContext, formatPath, type JsonPath } from '../../conditions/compile.js';
import { SqlParams } from '../../conditions/params.js';
import { ConditionSchema, type Condition } from '../../conditions/schema.js';
import { PortraitError } from '../../errors.js';
import { SegmentRegistry } from '../../segments/registry.js';
import { TagRegistry } from '../../tags/registry/registry.js';
import { referencedTags } from '../../tags/registry/check.js';
import { INTEREST_TABLE } from '../../tags/values/select.js';
import { KNOWN_USERS_TABLE, TAG_VALUES_TABLE, tagsAsOf } from '../../tags/values/build.js';
import type { Workspace } from '../../workspace/workspace.js';

/** A condition, or a segment's name standing for {"segment": NAME}. */
export const ConditionOrSegmentSchema: z.ZodType<Condition> = z.preprocess(
  (v) => (typeof v === 'string' ? { segment: v } : v),
  ConditionSchema,
) as unknown as z.ZodType<Condition>;

/** The portrait's as-of time; an error when it was never built (every condition reads it). */
export async function requirePortrait(ws: Workspace, what: string): Promise<Date> {
  const asOf = await tagsAsOf(ws.wh);
  if (!asOf) throw new PortraitError(`${what} reads the portrait, which has not been built`, 'run portrait build first');
  return asOf;
}

/** Compiles conditions of one document against the workspace's tags and segments. */
export class PortraitConditions {
  private constructor(
    readonly tags: TagRegistry,
    readonly segments: SegmentRegistry,
  ) {}

  static load(ws: Workspace): PortraitConditions {
    const tags = TagRegistry.load(ws);
    return new PortraitConditions(tags, SegmentRegistry.load(ws, tags));
  }

  /** SELECT user_id of the users meeting `condition` as of `asOf`; its values are bound into `params`. */
  compile(condition: Condition, params: SqlParams, asOf: Date, path: JsonPath): string {
    const ctx = conditionContext(params, asOf, {
      universe: KNOWN_USERS_TABLE,
      tagTable: TAG_VALUES_TABLE,
      interestTable: INTEREST_TABLE,
      tagType: (k) => this.tags.typeOf(k),
      segmentSql: (name, at) => {
        const def = this.segments.get(name);
        if (!def) throw new PortraitError(`${formatPath(at)}: unknown segment "${name}"`, 'portrait segment list shows the segments');
        return this.segments.compileInto(def, params, asOf);
      },
    });
    return compileCondition(condition, ctx, path);
  }

  /** Compiles `condition` only to check it (unknown tags or segments, comparisons that do not fit). */
  check(condition: Condition, path: JsonPath): void {
    this.compile(condition, new SqlParams(), new Date(0), path);
  }

  /** Every tag `condition` reads, through the segments it names too. */
  tagsRead(condition: Condition): Set<string> {
    const tags = new Set<string>();
    const seen = new Set<string>();
    const visit = (c: Condition): void => {
      referencedTags(c, tags);
      for (const name of segmentsNamed(c)) {
        const def = this.segments.get(name);
        if (def && !seen.has(name)) {
          seen.add(name);
          visit(def.condition);
        }
      }
    };
    visit(condition);
    return tags;
  }
}

/** The segments a condition names directly. */
function segmentsNamed(c: Condition, into: string[] = []): string[] {
  switch (c.kind) {
    case 'and':
      c.and.forEach((x) => segmentsNamed(x, into));
      break;
    case 'or':
      c.or.forEach((x) => segmentsNamed(x, into));
      break;
    case 'not':
      segmentsNamed(c.not, into);
      break;
    case 'segment':
      into.push(c.segment);
      break;
    case 'tag':
    case 'interest':
    case 'behaviour':
    case 'lifecycle':
    case 'rfm':
      break;
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
  return into;
}

/** Runs `work`; a PortraitError it throws is prefixed with `where` (the file), so it names file and path. */
export function inFile<T>(where: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PortraitError) throw new PortraitError(`${where}: ${error.message}`, error.hint);
    throw error;
  }
}

/** inFile for asynchronous work. */
export async function inFileAsync<T>(where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PortraitError) throw new PortraitError(`${where}: ${error.message}`, error.hint);
    throw error;
  }
}
