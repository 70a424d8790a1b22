/**
 * A campaign's audience: its condition in the segment language, taken as of the last second before the
 * period starts (windows such as {"last": "30d"} count back from there), limited to users known by then
 * (an event or a registration) and never holding a user who refused targeting. Conditions on the
 * portrait (tags, interests, segments, lifecycle, RFM) read it as it was last built.
 */
import { compileCondition, formatPath, type CompileContext } from '../../conditions/compile.js';
import { SqlParams } from '../../conditions/params.js';
import type { Condition } from '../../conditions/schema.js';
import { PortraitError } from '../../errors.js';
import { SegmentRegistry } from '../../segments/registry.js';
import { TagRegistry } from '../../tags/registry/registry.js';
import { TAG_VALUES_TABLE, tagsAsOf } from '../../tags/values/build.js';
import { INTEREST_TABLE } from '../../tags/values/select.js';
import type { SqlValue } from '../../warehouse/warehouse.js';
import type { Workspace } from '../../workspace/workspace.js';
import { campaignWindows, type CampaignDefinition } from './definition.js';
import { consentRefusedSql } from '../../privacy/consent.js';

/** Whether a condition reads the built portrait (tag values, interest scores, segments) rather than only events. */
export function readsPortrait(c: Condition): boolean {
  switch (c.kind) {
    case 'and':
      return c.and.some(readsPortrait);
    case 'or':
      return c.or.some(readsPortrait);
    case 'not':
      return readsPortrait(c.not);
    case 'behaviour':
      return false;
    case 'tag':
    case 'interest':
    case 'segment':
    case 'lifecycle':
    case 'rfm':
      return true;
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

export interface AudienceRegistries {
  tags: TagRegistry;
  segments: SegmentRegistry;
}

export function loadRegistries(ws: Workspace): AudienceRegistries {
  const tags = TagRegistry.load(ws);
  return { tags, segments: SegmentRegistry.load(ws, tags) };
}

/** SELECT user_id of users known by `asOfSql` (a TIMESTAMP expression): an event or a registration by then. */
function knownUsersSql(asOfSql: string): string {
  return `(SELECT user_id FROM events WHERE ts <= ${asOfSql}
    UNION SELECT user_id FROM users WHERE registered_at IS NULL OR registered_at <= ${asOfSql})`;
}

/**
 * The audience's members as one query (SELECT user_id, each once), its values bound into `params`.
 * Throws a PortraitError naming the JSON path of an unknown tag or segment; nothing is read.
 */
export function audienceSql(def: CampaignDefinition, params: SqlParams, registries: AudienceRegistries, asOf: Date, keepOptedOut = false): string {
  // The as-of time and the known users are bound on first use, so the statement carries no parameter it
  // does not read (the engine refuses those).
  let asOfSql: string | undefined;
  let knownSql: string | undefined;
  const ctx: CompileContext = {
    params,
    get asOf() {
      return (asOfSql ??= `CAST(${params.bind(asOf)} AS TIMESTAMP)`);
    },
    get universe() {
      return (knownSql ??= knownUsersSql(this.asOf));
    },
    tagTable: TAG_VALUES_TABLE,
    interestTable: INTEREST_TABLE,
    tagType: (k) => registries.tags.typeOf(k),
    segmentSql: (name, path) => {
      const segment = registries.segments.get(name);
      if (!segment) throw new PortraitError(`${formatPath(path)}: unknown segment "${name}"`, 'portrait segment list shows the segments');
      return registries.segments.compileInto(segment, params, asOf);
    },
  };
  // Each part of a compiled condition yields a user once, so no DISTINCT is needed.
  const members = compileCondition(def.audience, ctx, ['audience']);
  const filters: string[] = [];
  // Events count only up to as-of and "not" is taken against the known users, so only the portrait
  // (built at another time) can name users unknown at the start.
  if (readsPortrait(def.audience)) filters.push(`user_id IN (SELECT user_id FROM ${ctx.universe})`);
  if (!keepOptedOut) filters.push(`user_id NOT IN (${consentRefusedSql('targeting', null)})`);
  return `SELECT user_id FROM (${members})${filters.length ? `\n    WHERE ${filters.join('\n      AND ')}` : ''}`;
}

export interface CompiledAudience {
  /** SELECT user_id of the members; parameters from $1. */
  sql: string;
  params: SqlValue[];
  /** The last second before the period. */
  asOf: Date;
  /** When the audience reads the portrait: the time the portrait was built as of; else null. */
  portraitAsOf: Date | null;
  /** What a reader should know about how the audience was taken. */
  notes: string[];
}

/** The audience as of the start; `keepOptedOut` keeps users who refused targeting (only to count them). */
export async function compileAudience(ws: Workspace, def: CampaignDefinition, registries = loadRegistries(ws), keepOptedOut = false): Promise<CompiledAudience> {
  const { audienceAsOf } = campaignWindows(def);
  const notes: string[] = [];
  let portraitAsOf: Date | null = null;
  if (readsPortrait(def.audience)) {
    portraitAsOf = await tagsAsOf(ws.wh);
    if (!portraitAsOf) {
      throw new PortraitError(
        `campaign "${def.id}": the audience reads the portrait (tags, interests or segments), which has not been built`,
        'run portrait build (as of the campaign start, ideally: portrait build --as-of DAY_BEFORE_FROM)',
      );
    }
    if (portraitAsOf.getTime() > audienceAsOf.getTime()) {
      notes.push(
        `the audience reads the portrait built as of ${portraitAsOf.toISOString().slice(0, 19).replace('T', ' ')}, after the campaign started: ` +
          'tags may already show the campaign itself; assign before the start (portrait campaign assign) to fix the audience',
      );
    }
  }
  const params = new SqlParams();
  const sql = audienceSql(def, params, registries, audienceAsOf, keepOptedOut);
  return { sql, params: params.values, asOf: audienceAsOf, portraitAsOf, notes };
}
