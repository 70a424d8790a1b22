/** A segment as a breakdown: its members ("in") against every other known user ("out"). */
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import type { UserGrouping } from '../analytics/grouping.js';

export async function segmentGrouping(_ws: Workspace, name: string): Promise<UserGrouping> {
  throw new PortraitError(`--by segment:${name}: segments are not available yet`);
}
