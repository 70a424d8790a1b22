/**
 * Probe: item-CF training step by step (`node --import tsx bench/probes/itemcf-steps.ts WORKSPACE [CAP]`), with
 * the textbook defaults the bench's train-itemcf stage uses: seconds for the seen pairs, the capped history,
 * and the neighbour step's parts (dense indexes, fetch, prepare, pairs and top K, store); CAP replaces the
 * default history cap. Drops its tables.
 */
import { resolveAsOf } from '../../src/analytics/as-of.js';
import { trainHistory, trainSeen } from '../../src/recommend/algorithms/history.js';
import { trainNeighbours } from '../../src/recommend/algorithms/cooccurrence.js';
import { ITEMCF_DEFAULTS } from '../../src/recommend/algorithms/itemcf.js';
import { workspaceInteractions } from '../../src/recommend/interactions.js';
import { Workspace } from '../../src/workspace/workspace.js';

const ws = await Workspace.open(process.argv[2]!);
const options = { prefix: 'probe_itemcf', temporary: true };
const cap = process.argv[3] ? Number(process.argv[3]) : ITEMCF_DEFAULTS.historyCap;
const say = (what: string, since: number) => process.stdout.write(`${((Date.now() - since) / 1000).toFixed(1)} s ${what}\n`);
try {
  const started = Date.now();
  const interactions = await workspaceInteractions(ws.wh, { asOf: (await resolveAsOf(ws.wh))! });
  let t = Date.now();
  const stats = await trainSeen(ws.wh, interactions, options);
  say(`seen pairs (${stats.interactions} interactions, ${stats.users} users, ${stats.items} items)`, t);
  t = Date.now();
  const rows = await trainHistory(ws.wh, options, cap, false);
  say(`history capped at ${cap} (${rows} rows)`, t);
  t = Date.now();
  const r = await trainNeighbours(ws.wh, {
    options, history: 'probe_itemcf_history', entity: 'item_id', context: 'user_id', k: ITEMCF_DEFAULTS.neighbours,
    binary: true, shrinkage: 0, inverseFrequency: false, maxContextSize: Infinity,
  });
  say(`neighbours (${r.entities} items, ${r.rows} rows): ${Object.entries(r.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`, t);
  say(`total; peak RSS ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`, started);
} finally {
  for (const p of ['seen', 'history', 'neighbours']) await ws.wh.run(`DROP TABLE IF EXISTS probe_itemcf_${p}`);
  await ws.close();
}
