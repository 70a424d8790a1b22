/** A segment as a breakdown: its members ("in") against every other known user ("out"). */
import type { UserGrouping } from '../analytics/grouping.js';
import type { Workspace } from '../workspace/workspace.js';
import { KNOWN_USERS_TABLE } from '../tags/values/build.js';
import { compileSegment } from './registry.js';

export async function segmentGrouping(ws: Workspace, name: string): Promise<UserGrouping> {
  const members = await compileSegment(ws, name);
  return {
    label: `segment ${name}`,
    sql: `SELECT u.user_id, CASE WHEN m.user_id IS NULL THEN 'out' ELSE 'in' END AS grp
      FROM ${KNOWN_USERS_TABLE} u LEFT JOIN (${members.sql}) m ON m.user_id = u.user_id`,
    params: members.params,
  };
}
