import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

test('the demo builds a world, summarises it, and replaces only its own workspace', async () => {
  const { dir, cleanup } = tempDir();
  const ws = join(dir, 'demo');
  const first = await runCli(['--workspace', ws, 'demo', '--users', '600', '--days', '20', '--seed', '3', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout);
  assert.equal(a.synth.users, 600);
  assert.equal(a.stats.events, a.synth.events);
  assert.ok(a.stats.events > 0);
  assert.deepEqual(a.stats.eventsByType, a.synth.eventsByType);
  assert.ok(a.stages.some((s: { stage: string }) => /synthesising/.test(s.stage)));
  const stages = a.build.stages.map((s: { stage: string }) => s.stage);
  assert.deepEqual(stages, ['gift flags', 'interest scores', 'purchase cycles', 'traits', 'behaviour rhythm', 'lifetime value', 'lifecycle', 'rfm', 'abuse risk', 'membership', 'points', 'social graph', 'predicted attributes', 'tags', 'lead scores']);
  // Every stage wrote rows, except the lead scores: no plan is stored before the demo scores one.
  for (const s of a.build.stages) assert.ok(s.stage === 'lead scores' ? s.rows === 0 && s.note === 'no stored scoring plan' : s.rows > 0, `${s.stage} wrote rows`);
  // The demo's plan scores every known user into one band; its messages reach every known user once.
  const bands = a.leads.distribution.bands.reduce((n: number, b: { leads: number }) => n + b.leads, 0);
  assert.equal(bands + a.leads.distribution.unbanded, a.leads.distribution.leads);
  assert.equal(a.leads.distribution.leads, a.leads.distribution.knownUsers);
  const skipped = Object.values(a.messages.skipped as Record<string, number>).reduce((n, v) => n + v, 0);
  assert.equal(a.messages.rendered + skipped, a.messages.targeted);
  assert.equal(readFileSync(a.messages.file, 'utf8').trim().split('\n').length - 1, a.messages.rendered);
  assert.equal(a.build.asOf, a.stats.to);
  // The showcase profile is the user with most purchases, and its count is the events' count.
  const buys = a.profile.tags.consumption.purchase_count;
  assert.ok(buys >= 1);
  assert.ok(a.profile.behaviour.rhythm.sessions >= 1);
  // Recommendations were trained, and the showcase card carries its user's top ones with reasons.
  assert.ok(a.recommendations.rows > 0);
  assert.ok(a.profile.recommendations.length > 0);
  for (const r of a.profile.recommendations) assert.ok(r.reason_en.length > 0 && r.reason_zh.length > 0);
  // The example segment is stored, and its size is what its condition selects.
  assert.equal(a.segment.name, 'young-women-carting');
  assert.ok(existsSync(join(ws, 'definitions', 'segments', 'young-women-carting.json')));
  for (const g of a.segment.profile.gender) assert.equal(g.value, 'female');
  // The report is written into the workspace and holds every chart it lists.
  const html = readFileSync(a.report.out, 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length, a.report.charts.length);

  // The truth checks are the commands' own figures.
  const risk = JSON.parse((await runCli(['--workspace', ws, 'risk', 'evaluate', '--json'])).stdout);
  assert.deepEqual([a.checks.risk.flagged, a.checks.risk.truth, a.checks.risk.precision, a.checks.risk.recall], [
    risk.overall.flagged, risk.overall.truth, risk.overall.precision, risk.overall.recall,
  ]);
  const kols = JSON.parse((await runCli(['--workspace', ws, 'social', 'kol', '--top', '3', '--json'])).stdout);
  assert.deepEqual(a.checks.kols.top.map((k: { userId: number }) => k.userId), kols.top.map((k: { userId: number }) => k.userId));
  if (a.checks.campaign) {
    const campaign = JSON.parse((await runCli(['--workspace', ws, 'campaign', 'evaluate', 'synth-coupon', '--no-by', '--json'])).stdout);
    const conversion = campaign.metrics.find((m: { metric: string }) => m.metric === 'conversion');
    assert.equal(a.checks.campaign.estimate, conversion.difference);
  }

  // A build as of an earlier day counts only what happened by then.
  const earlier = await runCli(['--workspace', ws, 'build', '--as-of', '2017-11-30', '--json']);
  assert.equal(earlier.code, 0, earlier.stderr);
  assert.equal(JSON.parse(earlier.stdout).asOf, '2017-11-30T23:59:59.000Z');
  const badAsOf = await runCli(['--workspace', ws, 'build', '--as-of', 'yesterday']);
  assert.equal(badAsOf.code, 2);
  assert.match(badAsOf.stderr, /--as-of <time>.*expected YYYY-MM-DD/);

  // Same seed, same world, even when the demo replaces its earlier workspace.
  const again = JSON.parse((await runCli(['--workspace', ws, 'demo', '--users', '600', '--days', '20', '--seed', '3', '--json'])).stdout);
  assert.deepEqual(again.stats.eventsByType, a.stats.eventsByType);
  assert.equal(again.stats.gmv, a.stats.gmv);

  const readable = await runCli(['--workspace', ws, 'demo', '--users', '600', '--days', '20', '--seed', '3']);
  assert.match(readable.stdout, /Synthetic world: 600 users/);
  assert.match(readable.stdout, /buyers/);
  assert.match(readable.stdout, /A profile card[\s\S]*INDIVIDUAL[\s\S]*SOCIAL/);
  assert.match(readable.stdout, /Checked against the world's ground truth:[\s\S]*abuse risk[\s\S]*KOLs[\s\S]*content/);

  const other = join(dir, 'mine');
  await runCli(['init', other]);
  const refused = await runCli(['--workspace', other, 'demo', '--users', '100']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /the demo will not overwrite it/);
  assert.ok(existsSync(join(other, 'portrait.json')));
  cleanup();
});

test('a taobao-preset world written as files imports back through the Taobao importer with the same counts', async () => {
  const { dir, cleanup } = tempDir();
  const out = join(dir, 'files');
  const written = await runCli(['synth', '--preset', 'taobao', '--users', '400', '--seed', '11', '--out', out, '--json']);
  assert.equal(written.code, 0, written.stderr);
  const { report } = JSON.parse(written.stdout);
  const ws = join(dir, 'ws');
  await runCli(['init', ws]);
  const imported = await runCli(['--workspace', ws, 'import', 'taobao', join(out, 'userbehavior.csv'), '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const r = JSON.parse(imported.stdout);
  const taobaoTypes = ['pv', 'fav', 'cart', 'buy'];
  const expected = taobaoTypes.reduce((sum, t) => sum + (report.eventsByType[t] ?? 0), 0);
  assert.equal(r.rowsRead, expected);
  assert.equal(r.rowsQuarantined, 0);
  const stats = JSON.parse((await runCli(['--workspace', ws, 'stats', '--json'])).stdout);
  for (const t of taobaoTypes) assert.equal(stats.eventsByType[t] ?? 0, report.eventsByType[t] ?? 0, t);
  // The file's times are UTC; the import shifts them back to Beijing days of the preset.
  assert.equal(stats.from.slice(0, 10), '2017-11-25');
  assert.equal(stats.to.slice(0, 10), '2017-12-03');
  cleanup();
});

test('synth options are checked', async () => {
  const bad = await runCli(['synth', '--users', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--users <n>.*expected a whole number such as 20000, 20k or 1M/);
  const preset = await runCli(['synth', '--preset', 'tmall']);
  assert.equal(preset.code, 1);
  assert.match(preset.stderr, /--preset: expected taobao or default, got "tmall"/);
});

test("the demo's scoring plan is the live-stream example shipped in examples/ (one plan, not two drifting copies)", async () => {
  const { DEMO_SCORING_PLAN } = await import('../src/demo.js');
  const example = JSON.parse(readFileSync(new URL('../examples/scoring/live-stream.json', import.meta.url), 'utf8')) as typeof DEMO_SCORING_PLAN;
  assert.deepEqual([example.id, example.rules, example.bands], [DEMO_SCORING_PLAN.id, DEMO_SCORING_PLAN.rules, DEMO_SCORING_PLAN.bands]);
});
