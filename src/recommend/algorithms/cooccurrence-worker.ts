/** A worker thread of ./cooccurrence.ts: takes blocks of entities from a shared counter until none are left. */
import { parentPort, workerData } from 'node:worker_threads';
import { Out, rows, scratch, type Prepared } from './cooccurrence-kernel.js';

const { prep, next, block } = workerData as { prep: Prepared; next: Int32Array; block: number };
const s = scratch(prep);
const out = new Out(1 << 16);
for (;;) {
  const lo = Atomics.add(next, 0, block);
  if (lo >= prep.nEnt) break;
  rows(prep, lo, Math.min(prep.nEnt, lo + block), s, out);
}
const r = out.result();
const trim = <T extends Int32Array | Float64Array>(a: T): T => a.slice(0, r.rows) as T;
const msg = { rows: r.rows, ent: trim(r.ent), nbr: trim(r.nbr), sim: trim(r.sim), common: trim(r.common) };
parentPort!.postMessage(msg, [msg.ent.buffer, msg.nbr.buffer, msg.sim.buffer, msg.common.buffer] as ArrayBuffer[]);
