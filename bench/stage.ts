/** Runs one benchmark stage in this process and prints its JSON line (called by bench.ts). */
import { STAGES } from './stages.js';

const [name, dir, events, seed] = process.argv.slice(2);
const stage = STAGES.find((s) => s.name === name);
if (!stage || !dir || !events || !seed) {
  console.error('usage: stage.ts NAME DIR EVENTS SEED');
  process.exit(2);
}
const started = process.hrtime.bigint();
const result = await stage.run({ dir, events: Number(events), seed: Number(seed) });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { rows, ...measures } = typeof result === 'number' ? { rows: result } : result;
console.log(
  JSON.stringify({
    stage: stage.name,
    rows,
    seconds: Number(seconds.toFixed(3)),
    rowsPerSecond: Math.round(rows / seconds),
    peakMemoryMB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...measures,
  }),
);
