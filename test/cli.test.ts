import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, SAMPLE, tempDir } from './helpers.js';

test('init, import taobao, stats and quarantine list work end to end', async () => {
  const { dir, cleanup } = tempDir();
  const ws = join(dir, 'shop');
  const init = await runCli(['init', ws]);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /created workspace .*shop \(schema version 1\)/);

  const imported = await runCli(['--workspace', ws, 'import', 'taobao', SAMPLE, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const report = JSON.parse(imported.stdout);
  assert.equal(report.rowsRead, 4321);
  assert.equal(report.rowsImported, 4321);
  assert.equal(report.notes[0].code, 'outside_main_window');

  const again = await runCli(['--workspace', ws, 'import', 'taobao', SAMPLE]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /rows read\s+4,321/);
  assert.match(again.stdout, /imported\s+0\n/);
  assert.match(again.stdout, /already stored \(skipped\)\s+4,321/);

  const stats = await runCli(['--workspace', ws, 'stats', '--json']);
  const s = JSON.parse(stats.stdout);
  assert.deepEqual([s.users, s.items, s.categories, s.events, s.buyers], [43, 3276, 567, 4321, 23]);
  const readable = await runCli(['--workspace', ws, 'stats']);
  assert.match(readable.stdout, /pv\s+3,926\s+90\.9%/);
  assert.match(readable.stdout, /GMV \(yuan\)\s+n\/a/);

  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, '1,2,3,pv,1511544070\n2,3,4,click,1511544070\n');
  const partial = await runCli(['--workspace', ws, 'import', 'taobao', bad, '--no-progress']);
  assert.equal(partial.code, 0);
  assert.match(partial.stdout, /quarantined\s+1/);
  const list = await runCli(['--workspace', ws, 'quarantine', 'list']);
  assert.match(list.stdout, /bad\.csv\s+2\s+behavior_type: expected one of pv, fav, cart, buy, got "click"/);
  const listJson = JSON.parse((await runCli(['--workspace', ws, 'quarantine', 'list', '--json'])).stdout);
  assert.equal(listJson.total, 1);
  assert.equal(listJson.rows[0].raw, '2,3,4,click,1511544070');

  const refused = await runCli(['--workspace', ws, 'import', 'taobao', bad, '--max-errors', '0']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: .*bad\.csv: 1 bad row\(s\), more than --max-errors 0; nothing was imported\nhint: the rejected lines/);
  cleanup();
});

test('PORTRAIT_WORKSPACE picks the workspace when --workspace is absent', async () => {
  const { dir, cleanup } = tempDir();
  const ws = join(dir, 'env-ws');
  assert.equal((await runCli(['init', ws])).code, 0);
  process.env.PORTRAIT_WORKSPACE = ws;
  try {
    const stats = await runCli(['stats', '--json']);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).events, 0);
  } finally {
    delete process.env.PORTRAIT_WORKSPACE;
  }
  cleanup();
});

test('user mistakes get one clear line and a non-zero exit, never a stack trace', async () => {
  const { dir, cleanup } = tempDir();
  const missing = await runCli(['--workspace', join(dir, 'none'), 'stats']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: no workspace at .*none\nhint: create one with `portrait init/);
  assert.doesNotMatch(missing.stderr, /\bat .*\.ts:\d+/);

  const ws = join(dir, 'w');
  await runCli(['init', ws]);
  const noFile = await runCli(['--workspace', ws, 'import', 'taobao', join(dir, 'absent.csv')]);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /error: cannot read .*absent\.csv/);

  const badOption = await runCli(['--workspace', ws, 'import', 'taobao', SAMPLE, '--max-errors', 'many']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /--max-errors <n>.*expected a whole number/);

  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);

  const twice = await runCli(['init', ws]);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /already holds a workspace/);
  cleanup();
});
