/**
 * Probe: the tag build step by step (`node --import tsx bench/probes/tag-steps.ts WORKSPACE`): seconds per
 * step (the shared scan, each tag, the sorted writes). Rebuilds the workspace's tags.
 */
import { Workspace } from '../../src/workspace/workspace.js';
import { buildTags } from '../../src/tags/values/build.js';
const ws = await Workspace.open(process.argv[2]!);
const t = Date.now();
const r = await buildTags(ws, { onStep: (s, sec) => process.stdout.write(`${sec.toFixed(1)} ${s}\n`) });
process.stdout.write(`total ${(Date.now() - t) / 1000} rows ${r.rows} skipped ${r.skipped.map((x) => x.key).join(',')}\n`);
await ws.close();
