/**
 * `npm run bench [-- --events 1M|100M] [--stages a,b] [--dir DIR] [--seed N]`: times each stage at a
 * chosen scale and prints one JSON line per stage (rows, seconds, rows per second, peak memory of the
 * stage's own process).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { parseCount, parseWhole } from '../src/cli/context.js';
import { STAGES } from './stages.js';

const program = new Command('bench')
  .option('--events <n>', 'scale of the synthetic world (1M, 10M, 100M)', parseCount, 1_000_000)
  .option('--seed <n>', 'world seed', parseWhole, 7)
  .option('--dir <dir>', 'working folder (needs room for the world twice and its CSV)', 'bench-data')
  .option('--stages <names>', `comma-separated subset of: ${STAGES.map((s) => s.name).join(', ')}`)
  .parse();
const opts = program.opts<{ events: number; seed: number; dir: string; stages?: string }>();
const wanted = opts.stages ? opts.stages.split(',') : STAGES.map((s) => s.name);
const unknown = wanted.filter((w) => !STAGES.some((s) => s.name === w));
if (unknown.length) {
  console.error(`unknown stage(s): ${unknown.join(', ')}; known: ${STAGES.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const dir = resolve(opts.dir);
mkdirSync(dir, { recursive: true });
const stageScript = new URL('./stage.ts', import.meta.url).pathname;
for (const name of wanted) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', stageScript, name, dir, String(opts.events), String(opts.seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (child.status !== 0) {
    console.error(`stage ${name} failed (exit ${child.status})`);
    process.exit(1);
  }
  process.stdout.write(child.stdout);
}
