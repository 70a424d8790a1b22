/** Hour-of-day by weekday activity over all users (or a set of users): event and distinct-user counts. */
import { SqlParams } from '../../conditions/params.js';
import type { Workspace } from '../../workspace/workspace.js';
import { inRelationSql, type UserRelation } from '../funnel/relation.js';

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export interface HeatmapOptions {
  /** Only events at or after / at or before these local times. */
  from?: Date | undefined;
  to?: Date | undefined;
  users?: UserRelation | undefined;
}

export interface ActivityHeatmap {
  /** events[weekday][hour], weekday 0 = Monday .. 6 = Sunday, hour 0-23 local time. */
  events: number[][];
  /** Distinct users with an event in that weekday-hour cell (a user counts in every cell they were active in). */
  users: number[][];
  totalEvents: number;
  totalUsers: number;
}

export async function activityHeatmap(ws: Workspace, o: HeatmapOptions = {}): Promise<ActivityHeatmap> {
  const p = new SqlParams();
  const where: string[] = [];
  if (o.from) where.push(`ts >= CAST(${p.bind(o.from)} AS TIMESTAMP)`);
  if (o.to) where.push(`ts <= CAST(${p.bind(o.to)} AS TIMESTAMP)`);
  if (o.users) where.push(inRelationSql('user_id', o.users, p));
  // Distinct users per cell from distinct (user, cell) pairs: one hash aggregate, no per-cell sets.
  const rows = await ws.wh.query<{ wd: number | null; h: number | null; ev: number; us: number }>(
    `WITH uc AS (SELECT user_id, isodow(ts) - 1 AS wd, hour(ts) AS h, count(*) AS n FROM events
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY ALL)
     SELECT wd, h, sum(n) AS ev, count(*) AS us FROM uc GROUP BY GROUPING SETS ((wd, h), ())
     UNION ALL SELECT -1, -1, NULL, count(DISTINCT user_id) FROM uc`,
    p.values,
  );
  const grid = () => Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  const events = grid();
  const users = grid();
  let totalEvents = 0;
  let totalUsers = 0;
  for (const r of rows) {
    if (r.wd === -1) totalUsers = Number(r.us);
    else if (r.wd === null) totalEvents = Number(r.ev ?? 0);
    else {
      events[r.wd]![r.h!] = Number(r.ev);
      users[r.wd]![r.h!] = Number(r.us);
    }
  }
  return { events, users, totalEvents, totalUsers };
}
