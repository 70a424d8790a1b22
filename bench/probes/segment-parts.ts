/**
 * Probe: each condition of the bench's 5-condition segment alone (`node --import tsx
 * bench/probes/segment-parts.ts WORKSPACE`): milliseconds per condition, mean of 3 after a warm-up.
 */
import { Workspace } from '../../src/workspace/workspace.js';
import { compileSegment, parseSegment } from '../../src/segments/index.js';
const ws = await Workspace.open(process.argv[2]!);
const parts: unknown[] = [
  { tag: 'gender', op: '=', value: 'female' },
  { tag: 'pv_30d', op: '>=', value: 10 },
  { tag: 'purchase_count', op: '>=', value: 1 },
  { lifecycle: ['active', 'new'] },
  { behaviour: { event: 'cart' }, window: { last: '7d' }, op: '>=', value: 2 },
];
for (const c of parts) {
  const seg = await compileSegment(ws, parseSegment({ name: 'p', condition: c }, 'p'));
  await ws.wh.query(`SELECT count(*) FROM (${seg.sql})`, seg.params);
  const t = performance.now();
  for (let i = 0; i < 3; i++) await ws.wh.query(`SELECT count(*) FROM (${seg.sql})`, seg.params);
  console.log(((performance.now() - t) / 3).toFixed(0), 'ms', JSON.stringify(c));
}
await ws.close();
