/**
 * Tags whose values are other users' ids (who invited me, whom I shared with): another user's tag value
 * can name the user being forgotten. A tag holds user ids when it reads a source column (sources.ts) that
 * follows the column naming rule, or the `other` column of a source read from social_edges (the user at
 * the other end of the edge), and keeps the values (no count, sum, average or median over them).
 */
import { findSource } from '../tags/registry/sources.js';
import { TagRegistry } from '../tags/registry/registry.js';
import type { Workspace } from '../workspace/workspace.js';
import { holdsUserIds } from './user-columns.js';

const KEEPS_VALUES = new Set<string | undefined>([undefined, 'min', 'max', 'list']);

export interface UserValuedTags {
  /** Tags with one user id per row (text or number). */
  scalar: string[];
  /** Tags with a list of user ids. */
  list: string[];
}

export function userValuedTags(ws: Workspace): UserValuedTags {
  const scalar: string[] = [];
  const list: string[] = [];
  for (const tag of TagRegistry.load(ws).list()) {
    const ref = tag.definition.source;
    if (!ref || !KEEPS_VALUES.has(ref.reduce)) continue;
    const source = findSource(ref.table);
    if (!source) continue;
    const userColumn = holdsUserIds(ref.column) || (ref.column === 'other' && source.requires === 'social_edges');
    if (!userColumn) continue;
    (tag.type === 'list' ? list : scalar).push(tag.key);
  }
  return { scalar, list };
}
