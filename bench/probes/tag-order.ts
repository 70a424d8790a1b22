/**
 * Probe: why tag_values is stored twice (`node --import tsx bench/probes/tag-order.ts WORKSPACE`): one user's
 * tags and a 3-tag condition, from a copy sorted by tag and from one sorted by user (copies dropped after).
 */
import { Workspace } from '../../src/workspace/workspace.js';
const ws = await Workspace.open(process.argv[2]!);
await ws.wh.run('CREATE OR REPLACE TABLE tv_tag AS SELECT * FROM tag_values ORDER BY tag, user_id');
await ws.wh.run('CREATE OR REPLACE TABLE tv_user AS SELECT * FROM tag_values ORDER BY user_id, tag');
const users = (await ws.wh.query<{ user_id: number }>('SELECT user_id FROM known_users USING SAMPLE 30 ROWS (reservoir, 42)')).map((u) => Number(u.user_id));
for (const t of ['tv_tag', 'tv_user']) {
  let s = performance.now();
  for (const u of users) await ws.wh.query(`SELECT tag, num, txt, ts, lst FROM ${t} WHERE user_id = $1`, [u]);
  const point = (performance.now() - s) / users.length;
  s = performance.now();
  for (let i = 0; i < 10; i++) await ws.wh.query(`SELECT count(*) FROM (SELECT user_id FROM ${t} WHERE tag = 'pv_30d' AND num >= 10 INTERSECT SELECT user_id FROM ${t} WHERE tag = 'gender' AND txt = 'female' INTERSECT SELECT user_id FROM ${t} WHERE tag = 'lifecycle_stage' AND txt IN ('active','new'))`);
  console.log(t, 'point ms', point.toFixed(2), '3-tag segment ms', ((performance.now() - s) / 10).toFixed(1));
}
let s = performance.now();
for (let i = 0; i < 5; i++) await ws.wh.query(`SELECT count(*) FROM (SELECT user_id FROM events WHERE type = 'cart' AND ts > (SELECT max(ts) FROM events) - INTERVAL 7 DAY GROUP BY user_id HAVING count(*) >= 2)`);
console.log('behaviour 7d ms', ((performance.now() - s) / 5).toFixed(1));
await ws.wh.run('DROP TABLE tv_tag'); await ws.wh.run('DROP TABLE tv_user');
await ws.close();
