/**
 * Breakdowns (`--by`): a relation of (user_id, grp) splitting users into groups, by the value of a tag
 * or by membership of a segment. Every analysis that takes `--by` joins its users to one of these, so a
 * breakdown means the same thing everywhere.
 */
import { PortraitError } from '../errors.js';
import type { SqlValue } from '../warehouse/warehouse.js';
import type { Workspace } from '../workspace/workspace.js';
import { TagRegistry } from '../tags/registry/registry.js';

export interface UserGrouping {
  /** What the groups are, for headers: "tag gender", "segment vip". */
  label: string;
  /** SELECT user_id, grp (text); a user in no group is left out of the breakdown. Parameters from $1. */
  sql: string;
  params: SqlValue[];
}

/** Users grouped by the value of a tag (numbers and times as text; true/false as "true" / "false"). */
export function tagGrouping(registry: TagRegistry, key: string): UserGrouping {
  const tag = registry.get(key);
  if (!tag) throw new PortraitError(`--by: unknown tag "${key}"`, 'portrait tags list shows the tags; a segment is written segment:NAME');
  if (tag.type === 'list') throw new PortraitError(`--by: tag "${key}" holds a list; break down by a tag with one value per user`);
  const value = {
    number: 'CAST(num AS VARCHAR)',
    integer: 'CAST(CAST(num AS BIGINT) AS VARCHAR)',
    boolean: "CASE WHEN num = 1 THEN 'true' ELSE 'false' END",
    text: 'txt',
    timestamp: "strftime(ts, '%Y-%m-%d')",
  }[tag.type];
  return { label: `tag ${key}`, sql: `SELECT user_id, ${value} AS grp FROM tag_values WHERE tag = $1`, params: [key] };
}

/** The grouping a `--by` option names: a tag key, or segment:NAME (members vs everyone else). */
export async function resolveGrouping(ws: Workspace, spec: string): Promise<UserGrouping> {
  const segment = /^segment:(.+)$/.exec(spec);
  if (segment) {
    const { segmentGrouping } = await import('../segments/grouping.js');
    return segmentGrouping(ws, segment[1]!);
  }
  return tagGrouping(TagRegistry.load(ws), spec);
}
