/**
 * Probe: a workspace's interactions as the CSV `portrait recs evaluate --interactions` reads
 * (`node --import tsx bench/probes/export-interactions.ts WORKSPACE OUT.csv`): user_id,item_id,timestamp,weight
 * with the behaviour weights of `recs train` (pv 1, fav 2, cart 3, buy 4) and gifts left out once flagged,
 * so file evaluations (e.g. of `--history-cap`) run on the same data the workspace trains on.
 */
import { resolveAsOf } from '../../src/analytics/as-of.js';
import { workspaceInteractions } from '../../src/recommend/interactions.js';
import { Workspace } from '../../src/workspace/workspace.js';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: export-interactions.ts WORKSPACE OUT.csv');
const ws = await Workspace.open(dir);
try {
  const interactions = await workspaceInteractions(ws.wh, { asOf: (await resolveAsOf(ws.wh))! });
  const n = interactions.params.length;
  const rows = await ws.wh.run(
    `COPY (SELECT user_id, item_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS timestamp, weight FROM (${interactions.sql}) ORDER BY user_id, ts, item_id)
     TO $${n + 1} (HEADER, DELIMITER ',')`,
    [...interactions.params, out],
  );
  process.stdout.write(`${rows} interactions written to ${out}\n`);
} finally {
  await ws.close();
}
