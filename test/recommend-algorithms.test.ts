import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { DuckDBWarehouse } from '../src/warehouse/duckdb.js';
import { itemcf, popular, usercf, type InteractionsRelation, type Recommendation } from '../src/recommend/algorithms/index.js';
import { evaluateFiles, parseSplit, type EvaluationReport } from '../src/recommend/evaluate/index.js';
import { registerRecsEvaluateCommand } from '../src/cli/commands/recs-evaluate.js';
import { io } from '../src/cli/context.js';
import { PortraitError } from '../src/errors.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { tempDir } from './helpers.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

/**
 * The fixture: u1 {1,2,3}, u2 {1,2}, u3 {2,3,4}, u4 {1,4} (item i is seen on day i, so recency is by item id).
 * Item user sets: 1 {u1,u2,u4}, 2 {u1,u2,u3}, 3 {u1,u3}, 4 {u3,u4}.
 */
async function fixture(): Promise<{ wh: DuckDBWarehouse; rel: InteractionsRelation }> {
  const wh = await DuckDBWarehouse.open(':memory:');
  await wh.run(`CREATE TABLE ev AS SELECT * FROM (VALUES (1,1),(1,2),(1,3),(2,1),(2,2),(3,2),(3,3),(3,4),(4,1),(4,4)) t(user_id, item_id)`);
  const rel = {
    sql: `SELECT CAST(user_id AS BIGINT) AS user_id, CAST(item_id AS BIGINT) AS item_id,
            TIMESTAMP '2020-01-01' + to_days(CAST(item_id AS INTEGER)) AS ts, CAST($1 AS DOUBLE) AS weight FROM ev`,
    params: [1],
  };
  return { wh, rel };
}

const pick = (rows: Recommendation[], user: number) =>
  rows.filter((r) => r.user_id === user).map((r) => ({ item: Number(r.item_id), score: r.score, rank: r.rank, ev: r.evidence_item_id, n: r.evidence_count }));

test('popular: items by distinct users, the user\'s own items left out, ties by smaller item id', async () => {
  const { wh, rel } = await fixture();
  try {
    // counts: item 1 = 3, item 2 = 3, item 3 = 2, item 4 = 2 -> order 1, 2 (tie: 1 < 2), 3, 4 (tie: 3 < 4)
    const m = await popular.train(wh, rel, { prefix: 'pop', temporary: true });
    assert.equal(m.stats.items, 4);
    const recs = await popular.recommend(wh, m, [2, 4, 99], 2);
    assert.deepEqual(pick(recs, 2).map((r) => [r.item, r.score, r.rank]), [[3, 2, 1], [4, 2, 2]]); // u2 saw 1, 2
    assert.deepEqual(pick(recs, 4).map((r) => [r.item, r.score]), [[2, 3], [3, 2]]); // u4 saw 1, 4
    assert.deepEqual(pick(recs, 99).map((r) => r.item), [1, 2]); // unknown user: the top of the list
    // user order as given, then rank
    assert.deepEqual(recs.map((r) => Number(r.user_id)), [2, 2, 4, 4, 99, 99]);
  } finally {
    await wh.close();
  }
});

test('tie-breaking is numeric on item ids (9 before 10), not textual', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const rel = {
      sql: `SELECT CAST(u AS BIGINT) AS user_id, CAST(i AS BIGINT) AS item_id, TIMESTAMP '2020-01-01' AS ts, 1.0 AS weight
            FROM (VALUES (1, 10), (2, 9), (3, 100)) t(u, i)`,
      params: [],
    };
    const m = await popular.train(wh, rel, { prefix: 'tie', temporary: true });
    const recs = await popular.recommend(wh, m, [7], 3);
    assert.deepEqual(recs.map((r) => Number(r.item_id)), [9, 10, 100]);
  } finally {
    await wh.close();
  }
});

test('popular options: behaviour weights and time decay', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    // item 1: one view (w 1) today; item 2: one purchase (w 4) 10 days ago. Half-life 10 days.
    const rel = {
      sql: `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, TIMESTAMP '2020-01-11', 1.0::DOUBLE), (2, 2, TIMESTAMP '2020-01-01', 4.0)) t(user_id, item_id, ts, weight)`,
      params: [],
    };
    const byWeight = await popular.train(wh, rel, { prefix: 'pw', temporary: true, count: 'weight' });
    const w = await popular.recommend(wh, byWeight, [9], 2);
    assert.deepEqual(w.map((r) => [Number(r.item_id), r.score]), [[2, 4], [1, 1]]);
    // decayed users: item 1 = 1 * 0.5^0 = 1, item 2 = 0.5^(10/10) = 0.5
    const decayed = await popular.train(wh, rel, { prefix: 'pd', temporary: true, halfLifeDays: 10 });
    const d = await popular.recommend(wh, decayed, [9], 2);
    assert.deepEqual(d.map((r) => [Number(r.item_id), r.score]), [[1, 1], [2, 0.5]]);
    // decayed weights: item 2 = 4 * 0.5 = 2, item 1 = 1
    const both = await popular.train(wh, rel, { prefix: 'pb', temporary: true, halfLifeDays: 10, count: 'weight' });
    const b = await popular.recommend(wh, both, [9], 2);
    assert.deepEqual(b.map((r) => [Number(r.item_id), r.score]), [[2, 2], [1, 1]]);
  } finally {
    await wh.close();
  }
});

test('item-CF: cosine on the binary matrix, score = sum of similarities, evidence = the strongest of the user\'s items', async () => {
  const { wh, rel } = await fixture();
  try {
    // sim(1,2) = 2/sqrt(3*3) = 0.666667   sim(1,3) = 1/sqrt(3*2) = 0.408248   sim(1,4) = 1/sqrt(6) = 0.408248
    // sim(2,3) = 2/sqrt(6)   = 0.816497   sim(2,4) = 1/sqrt(6)   = 0.408248   sim(3,4) = 1/sqrt(2*2) = 0.5
    const s6 = 1 / Math.sqrt(6);
    const m = await itemcf.train(wh, rel, { prefix: 'icf', temporary: true });
    assert.equal(m.stats.modelRows, 12); // 6 pairs, both directions
    const recs = await itemcf.recommend(wh, m, [1, 2, 3, 4], 2);
    // u2 {1,2}: item 3 = sim(1,3) + sim(2,3) = s6 + 2 s6 = 1.224745 (evidence 2); item 4 = sim(1,4) + sim(2,4) = 2 s6 = 0.816497
    //           (both contribute s6: the tie goes to the smaller item, 1)
    const u2 = pick(recs, 2);
    assert.deepEqual(u2.map((r) => [r.item, r.ev, r.n]), [[3, 2, 2], [4, 1, 2]]);
    close(u2[0]!.score, 3 * s6);
    close(u2[1]!.score, 2 * s6);
    // u4 {1,4}: item 2 = 2/3 + s6 = 1.074915 (evidence 1); item 3 = s6 + 0.5 = 0.908248 (evidence 4)
    const u4 = pick(recs, 4);
    assert.deepEqual(u4.map((r) => [r.item, r.ev]), [[2, 1], [3, 4]]);
    close(u4[0]!.score, 2 / 3 + s6);
    close(u4[1]!.score, s6 + 0.5);
    // u1 {1,2,3}: item 4 = s6 + s6 + 0.5 = 1.316497 (evidence 3); u3 {2,3,4}: item 1 = 2/3 + s6 + s6 = 1.483163 (evidence 2)
    close(pick(recs, 1)[0]!.score, 2 * s6 + 0.5);
    assert.equal(pick(recs, 1)[0]!.ev, 3);
    close(pick(recs, 3)[0]!.score, 2 / 3 + 2 * s6);
    assert.equal(pick(recs, 3)[0]!.ev, 2);

    // K = 1 neighbour per item: 1 -> 2 (0.667), 2 -> 3 (0.816), 3 -> 2 (0.816), 4 -> 3 (0.5)
    // u2 {1,2}: 1 -> 2 (seen), 2 -> 3: item 3 = 0.816497 only. u4 {1,4}: 1 -> 2 (0.667), 4 -> 3 (0.5).
    const k1 = await itemcf.train(wh, rel, { prefix: 'icf1', temporary: true, neighbours: 1 });
    const r1 = await itemcf.recommend(wh, k1, [2, 4], 5);
    assert.deepEqual(pick(r1, 2).map((r) => r.item), [3]);
    close(pick(r1, 2)[0]!.score, 2 * s6);
    assert.deepEqual(pick(r1, 4).map((r) => [r.item, r.score]), [[2, 2 / 3], [3, 0.5]]);

    // history cap 1: each user keeps the latest item (the largest id here): u1 3, u2 2, u3 4, u4 4.
    // Co-occurrences vanish (one item per user), so nothing is recommended.
    const capped = await itemcf.train(wh, rel, { prefix: 'icfc', temporary: true, historyCap: 1 });
    assert.equal(capped.stats.modelRows, 0);
    // shrinkage 1: sim(2,3) = 0.816497 * 2/3 = 0.544331, sim(1,3) = 0.408248 * 1/2 = 0.204124; u2 item 3 = 0.748455
    const shrunk = await itemcf.train(wh, rel, { prefix: 'icfs', temporary: true, shrinkage: 1 });
    close(pick(await itemcf.recommend(wh, shrunk, [2], 1), 2)[0]!.score, 2 * s6 * (2 / 3) + s6 / 2);
    // IUF: co-occurrence adds 1/ln(1+|items of u|): u1 (3 items) 1/ln4, u2 (2) 1/ln3, u3 (3) 1/ln4, u4 (2) 1/ln3.
    // sim(2,3) = (1/ln4 + 1/ln4)/sqrt(6), sim(1,3) = (1/ln4)/sqrt(6) -> u2 item 3 = 3/(ln4 sqrt6)
    const iuf = await itemcf.train(wh, rel, { prefix: 'icfi', temporary: true, iuf: true });
    close(pick(await itemcf.recommend(wh, iuf, [2], 1), 2)[0]!.score, 3 / (Math.log(4) * Math.sqrt(6)));
  } finally {
    await wh.close();
  }
});

test('user-CF: cosine between users, score = sum of neighbour similarities, evidence = neighbours who had it', async () => {
  const { wh, rel } = await fixture();
  try {
    // sim(u1,u2) = 2/sqrt(3*2) = 0.816497   sim(u1,u3) = 2/sqrt(3*3) = 0.666667   sim(u1,u4) = 1/sqrt(6) = 0.408248
    // sim(u2,u3) = 1/sqrt(6)   = 0.408248   sim(u2,u4) = 1/sqrt(2*2) = 0.5        sim(u3,u4) = 1/sqrt(6) = 0.408248
    const s6 = 1 / Math.sqrt(6);
    const m = await usercf.train(wh, rel, { prefix: 'ucf', temporary: true });
    const recs = await usercf.recommend(wh, m, [2, 4], 2);
    // u2 {1,2}: item 3 = sim(u2,u1) + sim(u2,u3) = 2 s6 + s6 (2 neighbours); item 4 = sim(u2,u3) + sim(u2,u4) = s6 + 0.5 (2)
    const u2 = pick(recs, 2);
    assert.deepEqual(u2.map((r) => [r.item, r.n, r.ev]), [[3, 2, null], [4, 2, null]]);
    close(u2[0]!.score, 3 * s6);
    close(u2[1]!.score, s6 + 0.5);
    // u4 {1,4}: item 2 = u1 + u2 + u3 = s6 + 0.5 + s6 (3 neighbours); item 3 = u1 + u3 = 2 s6 (2)
    const u4 = pick(recs, 4);
    assert.deepEqual(u4.map((r) => [r.item, r.n]), [[2, 3], [3, 2]]);
    close(u4[0]!.score, 2 * s6 + 0.5);
    close(u4[1]!.score, 2 * s6);
    // K = 1: u2's nearest is u1 (0.816) -> item 3 only; u4's nearest is u2 (0.5) -> item 2 (0.5)
    const k1 = await usercf.train(wh, rel, { prefix: 'ucf1', temporary: true, neighbours: 1 });
    const r1 = await usercf.recommend(wh, k1, [2, 4], 5);
    assert.deepEqual(pick(r1, 2).map((r) => [r.item, r.n]), [[3, 1]]);
    close(pick(r1, 2)[0]!.score, 2 * s6);
    assert.deepEqual(pick(r1, 4).map((r) => [r.item, r.score]), [[2, 0.5]]);
  } finally {
    await wh.close();
  }
});

test('recommendSql composes with other relations (parameters renumbered) and a custom exclusion', async () => {
  const { wh, rel } = await fixture();
  try {
    const m = await itemcf.train(wh, rel, { prefix: 'icx', temporary: true });
    // users given by a parameterised relation; exclusion of (u2, item 3) by another one
    const r = itemcf.recommendSql(m, { sql: 'SELECT $1::BIGINT AS user_id', params: [2] }, 5, {
      sql: 'SELECT $1::BIGINT AS user_id, $2::BIGINT AS item_id UNION ALL SELECT user_id, item_id FROM icx_seen',
      params: [2, 3],
    });
    const rows = await wh.query<{ item_id: number; rank: number }>(`SELECT item_id, rank FROM (${r.sql}) ORDER BY rank`, r.params);
    assert.deepEqual(rows.map((x) => [Number(x.item_id), Number(x.rank)]), [[4, 1]]);
    // 'none' keeps the user's own items
    const all = await itemcf.recommend(wh, m, [2], 10, 'none');
    assert.deepEqual(all.map((x) => Number(x.item_id)).sort(), [1, 2, 3, 4]);
    await assert.rejects(itemcf.train(wh, rel, { prefix: 'bad-prefix; DROP', temporary: true }), PortraitError);
  } finally {
    await wh.close();
  }
});

function writeCsv(dir: string, name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('evaluation reproduces hand-computed metrics on an explicit split', async () => {
  const { dir, cleanup } = tempDir();
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    // train: u1 {1,2}, u2 {1,3}, u3 {1,2,4}, u4 {2,5}; popularity 1:3, 2:3, 3:1, 4:1, 5:1 -> order 1,2,3,4,5
    const train = writeCsv(dir, 'train.csv', [
      'user_id,item_id,timestamp',
      '1,1,2020-01-01', '1,2,2020-01-02', '2,1,2020-01-01', '2,3,2020-01-02',
      '3,1,2020-01-01', '3,2,2020-01-02', '3,4,2020-01-03', '4,2,2020-01-01', '4,5,2020-01-02',
    ]);
    // test: u1 {4}, u2 {2,5}, u3 {1} (already in training: left out), u4 {4}, u5 {1} (no training: left out)
    const testFile = writeCsv(dir, 'test.csv', ['user_id,item_id,timestamp', '1,4,2020-02-01', '2,2,2020-02-01', '2,5,2020-02-02', '3,1,2020-02-01', '4,4,2020-02-01', '5,1,2020-02-01']);
    const r = await evaluateFiles(wh, { train, test: testFile }, { k: 2, algorithms: ['popular'] });
    assert.equal(r.data.coldTestUsers, 1);
    assert.equal(r.data.repeatOnlyTestUsers, 1);
    assert.equal(r.data.evaluatedUsers, 3);
    const m = r.results[0]!.metrics;
    // top 2: u1 -> 3, 4 (hit at rank 2); u2 -> 2, 4 (hit at rank 1); u4 -> 1, 3 (miss)
    close(m.hitRate, 2 / 3);
    close(m.precision, (1 / 2 + 1 / 2 + 0) / 3); // hits / K
    close(m.recall, (1 / 1 + 1 / 2 + 0) / 3); // hits / |R|
    // NDCG: u1 (1/log2 3) / 1; u2 1 / (1 + 1/log2 3); u4 0
    close(m.ndcg, (1 / Math.log2(3) + 1 / (1 + 1 / Math.log2(3))) / 3);
    // AP@2: u1 (P@2 = 1/2) / min(1,2) = 1/2; u2 (P@1 = 1) / min(2,2) = 1/2; u4 0 -> MAP 1/3
    close(m.map, 1 / 3);
    // items recommended to evaluated users {3,4,2,1} of 5 training items
    close(m.coverage, 4 / 5);
    assert.ok(r.results[0]!.trainMs >= 0);
  } finally {
    await wh.close();
    cleanup();
  }
});

test('splits: leave-last-out and a global time cut', async () => {
  const { dir, cleanup } = tempDir();
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const file = writeCsv(dir, 'i.csv', [
      'user_id,item_id,timestamp,weight',
      '1,1,2020-01-01,1', '1,2,2020-01-03,1', '1,3,2020-01-02,1', // u1: the last is item 2 (by time, not file order)
      '2,1,2020-01-04,1', // u2: one interaction: training only
      '3,4,1577836800,1', '3,4,2020-01-05 00:00:00,4', // u3 (Unix seconds = 2020-01-01): the last repeats item 4
    ]);
    const loo = await evaluateFiles(wh, { interactions: file, split: parseSplit('leave-last-out') }, { k: 5, algorithms: ['popular'] });
    assert.deepEqual(
      [loo.data.trainInteractions, loo.data.testInteractions, loo.data.testUsers, loo.data.repeatOnlyTestUsers, loo.data.evaluatedUsers],
      [4, 2, 2, 1, 1],
    );
    // u1's recommendations: the only unseen training item is 4 -> no hit on item 2 (item 2 is in nobody else's training)
    assert.equal(loo.results[0]!.metrics.hitRate, 0);
    // time:0.5 -> cut at the 3rd of 6 sorted times (0-based position floor(0.5 * 5) = 2): 2020-01-02
    const t = await evaluateFiles(wh, { interactions: file, split: parseSplit('time:0.5') }, { k: 5, algorithms: ['popular'] });
    assert.equal(t.data.timeCut, '2020-01-02 00:00:00');
    assert.deepEqual([t.data.trainInteractions, t.data.testInteractions, t.data.coldTestUsers, t.data.repeatOnlyTestUsers, t.data.evaluatedUsers], [3, 3, 1, 1, 1]);
    // u1 trained on {1,3}; popular unseen: item 4 (1 user) -> item 2 not recommended... a miss
    assert.equal(t.results[0]!.metrics.users, 1);
    assert.throws(() => parseSplit('time:1.5'), PortraitError);
    assert.throws(() => parseSplit('random'), PortraitError);
  } finally {
    await wh.close();
    cleanup();
  }
});

test('bad interaction files: errors name the file, line and field', async () => {
  const { dir, cleanup } = tempDir();
  const wh = await DuckDBWarehouse.open(':memory:');
  const run = (file: string) => evaluateFiles(wh, { interactions: file, split: { kind: 'leave-last-out' } }, { k: 5, algorithms: ['popular'] });
  try {
    const noTs = writeCsv(dir, 'a.csv', ['user_id,item_id', '1,2']);
    await assert.rejects(run(noTs), (e: Error) => e instanceof PortraitError && e.message.includes('a.csv: line 1 (header): missing column timestamp'));
    const badTs = writeCsv(dir, 'b.csv', ['user_id,item_id,timestamp', '1,2,2020-01-01', '1,3,yesterday']);
    await assert.rejects(run(badTs), (e: Error) => e instanceof PortraitError && e.message.includes('b.csv: 1 bad line') && e.message.includes('line 3: field timestamp') && e.message.includes('"yesterday"'));
    const badItem = writeCsv(dir, 'c.csv', ['user_id,item_id,timestamp,weight', '1,x9,2020-01-01,1', '2,3,2020-01-01,-1']);
    await assert.rejects(run(badItem), (e: Error) =>
      e instanceof PortraitError && e.message.includes('2 bad lines') && e.message.includes('line 2: field item_id: expected a whole number, got "x9"') && e.message.includes('line 3: field weight'));
    const short = writeCsv(dir, 'd.csv', ['user_id,item_id,timestamp', '1,2']);
    await assert.rejects(run(short), (e: Error) => e instanceof PortraitError && e.message.includes('line 2: expected 3 fields'));
    await assert.rejects(run(join(dir, 'missing.csv')), /interaction file not found/);
  } finally {
    await wh.close();
    cleanup();
  }
});

async function runRecs(args: string[]): Promise<{ out: string; error: unknown }> {
  const program = new Command('portrait').exitOverride();
  const recs = program.command('recs');
  registerRecsEvaluateCommand(recs);
  program.commands.forEach(function quiet(c: Command) {
    c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    c.commands.forEach(quiet);
  });
  let out = '';
  const saved = io.out;
  io.out = (text: string) => {
    out += text;
  };
  try {
    await program.parseAsync(['node', 'portrait', 'recs', 'evaluate', ...args]);
    return { out, error: null };
  } catch (error) {
    return { out, error };
  } finally {
    io.out = saved;
  }
}

test('portrait recs evaluate: JSON and readable output, option errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const train = writeCsv(dir, 'train.csv', ['user_id,item_id,timestamp', '1,1,2020-01-01', '1,2,2020-01-02', '2,1,2020-01-01', '2,3,2020-01-02', '3,1,2020-01-01', '3,2,2020-01-02', '3,4,2020-01-03', '4,2,2020-01-01', '4,5,2020-01-02']);
    const testFile = writeCsv(dir, 'test.csv', ['user_id,item_id,timestamp', '1,4,2020-02-01', '2,2,2020-02-01', '2,5,2020-02-02', '4,4,2020-02-01']);
    const json = await runRecs(['--train', train, '--test', testFile, '--k', '2', '--algorithms', 'popular,itemcf', '--json']);
    assert.equal(json.error, null);
    const report = JSON.parse(json.out) as EvaluationReport;
    assert.deepEqual(report.results.map((r) => r.algorithm), ['popular', 'itemcf']);
    close(report.results[0]!.metrics.hitRate, 2 / 3);
    const text = await runRecs(['--interactions', train, '--split', 'leave-last-out']);
    assert.equal(text.error, null);
    assert.match(text.out, /hit@10/);
    assert.match(text.out, /usercf/);
    const both = await runRecs(['--interactions', train, '--train', train, '--test', testFile]);
    assert.ok(both.error instanceof PortraitError);
    const badAlgo = await runRecs(['--interactions', train, '--algorithms', 'popular,magic']);
    assert.match(String((badAlgo.error as Error).message), /unknown algorithm "magic"/);
    const badSplit = await runRecs(['--interactions', train, '--split', 'time:2']);
    assert.match(String((badSplit.error as Error).message), /unknown split/);
  } finally {
    cleanup();
  }
});

test('synthetic world: item-CF beats popular on hit rate at 10', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'ws'));
  const file = join(dir, 'interactions.csv');
  try {
    await synthesize(ws, resolveSynthOptions({ users: 3000, seed: 11 }));
    await ws.wh.run(
      `COPY (SELECT user_id, item_id, strftime(ts, '%Y-%m-%d %H:%M:%S') AS timestamp,
         CASE CAST(type AS VARCHAR) WHEN 'pv' THEN 1 WHEN 'fav' THEN 2 WHEN 'cart' THEN 3 ELSE 4 END AS weight
       FROM events WHERE CAST(type AS VARCHAR) IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL ORDER BY ts, user_id, item_id)
       TO '${file.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`,
    );
  } finally {
    await ws.close();
  }
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const r = await evaluateFiles(wh, { interactions: file, split: { kind: 'leave-last-out' } }, { k: 10, algorithms: ['popular', 'itemcf'] });
    const [pop, icf] = r.results;
    assert.ok(r.data.evaluatedUsers > 500, `evaluated ${r.data.evaluatedUsers}`);
    assert.ok(pop!.metrics.hitRate > 0 || icf!.metrics.hitRate > 0);
    assert.ok(icf!.metrics.hitRate > 1.5 * pop!.metrics.hitRate, `item-CF ${icf!.metrics.hitRate} vs popular ${pop!.metrics.hitRate}`);
  } finally {
    await wh.close();
    cleanup();
  }
});

/**
 * The reference: the textbook neighbour step written straight in SQL over the model's capped history
 * (every co-occurring pair i < j counted by a self-join, mirrored, ranked by a window), which is what
 * item-CF and user-CF computed before their neighbour step moved to typed arrays.
 */
async function referenceNeighbours(
  wh: DuckDBWarehouse,
  prefix: string,
  o: { entity: 'item_id' | 'user_id'; k: number; shrinkage: number; inverse: boolean; maxContext?: number },
): Promise<{ e: number; n: number; sim: number; common: number }[]> {
  const ent = o.entity;
  const ctx = ent === 'item_id' ? 'user_id' : 'item_id';
  const f = o.inverse ? `1.0 / ln(1 + count(*) OVER (PARTITION BY ${ctx}))` : '1.0';
  const limit = o.maxContext !== undefined ? `QUALIFY count(*) OVER (PARTITION BY ${ctx}) <= ${o.maxContext}` : '';
  const shrink = o.shrinkage > 0 ? ` * p.n / (p.n + ${o.shrinkage})` : '';
  return wh.query(
    `WITH hist AS (SELECT * FROM "${prefix}_history"),
     norms AS (SELECT ${ent} AS id, sum(v * v) AS n2 FROM hist GROUP BY 1),
     h AS (SELECT ${ctx} AS c, ${ent} AS id, v, ${f} AS f FROM hist ${limit}),
     p AS (SELECT a.id AS i, b.id AS j, sum(a.v * b.v * a.f) AS dot, count(*) AS n FROM h a JOIN h b ON a.c = b.c AND a.id < b.id GROUP BY 1, 2),
     s AS (SELECT p.i, p.j, p.n, p.dot / sqrt(ni.n2 * nj.n2)${shrink} AS sim FROM p JOIN norms ni ON ni.id = p.i JOIN norms nj ON nj.id = p.j),
     both_ways AS (SELECT i AS e, j AS n, sim, n AS common FROM s UNION ALL SELECT j, i, sim, n FROM s)
     SELECT CAST(e AS INTEGER) AS e, CAST(n AS INTEGER) AS n, sim, CAST(common AS INTEGER) AS common FROM both_ways WHERE sim > 0
     QUALIFY row_number() OVER (PARTITION BY e ORDER BY round(sim, 9) DESC, n ASC) <= ${o.k}
     ORDER BY e, round(sim, 9) DESC, n`,
  );
}

test('item-CF and user-CF neighbours equal the straightforward SQL reference on a seeded random fixture', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    // 300 users, 120 items with skewed popularity, 1 to 40 events each, integer weights 1-4, a seeded generator.
    let seed = 20240607;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const rows: string[] = [];
    for (let u = 1; u <= 300; u++) {
      const n = 1 + Math.floor(rnd() * 40);
      for (let e = 0; e < n; e++) rows.push(`(${u}, ${1 + Math.floor(120 * rnd() ** 2)}, ${Math.floor(rnd() * 1000)}, ${1 + Math.floor(rnd() * 4)})`);
    }
    await wh.run(`CREATE TABLE ev AS SELECT * FROM (VALUES ${rows.join(', ')}) t(user_id, item_id, minute, weight)`);
    const rel = {
      sql: `SELECT CAST(user_id AS BIGINT) AS user_id, CAST(item_id AS BIGINT) AS item_id,
              TIMESTAMP '2020-01-01' + to_minutes(CAST(minute AS BIGINT)) AS ts, CAST(weight AS DOUBLE) AS weight FROM ev`,
      params: [],
    };
    const cases: { name: string; exact: boolean; options: Record<string, number | boolean>; maxContext?: number }[] = [
      { name: 'defaults', exact: true, options: {} },
      { name: 'K 3, cap 7', exact: true, options: { neighbours: 3, historyCap: 7 } },
      { name: 'no cap', exact: true, options: { historyCap: 0 } },
      { name: 'weighted', exact: true, options: { useWeights: true, neighbours: 5 } },
      { name: 'shrinkage', exact: false, options: { shrinkage: 2.5 } },
      { name: 'inverse frequency', exact: false, options: { iuf: true, iif: true, useWeights: true } },
      { name: 'inverse frequency, binary', exact: false, options: { iuf: true, iif: true } },
      { name: 'max item users', exact: true, options: { maxItemUsers: 30 }, maxContext: 30 },
    ];
    for (const c of cases) {
      for (const [alg, entity] of [[itemcf, 'item_id'], [usercf, 'user_id']] as const) {
        if (c.maxContext !== undefined && alg === itemcf) continue;
        const prefix = `r_${alg.name}`;
        const m = await alg.train(wh, rel, { prefix, temporary: true, ...c.options });
        const got = await wh.query<{ e: number; n: number; sim: number; common: number }>(
          `SELECT CAST(${entity} AS INTEGER) AS e, CAST(neighbour_id AS INTEGER) AS n, sim, CAST(common AS INTEGER) AS common
           FROM "${prefix}_neighbours" ORDER BY e, round(sim, 9) DESC, n`,
        );
        const want = await referenceNeighbours(wh, prefix, {
          entity,
          k: Number(m.options.neighbours),
          shrinkage: Number(c.options.shrinkage ?? 0),
          inverse: c.options.iuf === true,
          maxContext: c.maxContext,
        });
        const what = `${alg.name} ${c.name}`;
        assert.ok(want.length > 100, `${what}: ${want.length} reference rows`);
        assert.equal(got.length, want.length, `${what}: rows`);
        assert.equal(m.stats.modelRows, want.length, `${what}: modelRows`);
        if (c.exact) assert.deepEqual(got, want, what);
        else {
          assert.deepEqual(got.map((r) => [r.e, r.n, r.common]), want.map((r) => [r.e, r.n, r.common]), what);
          got.forEach((r, i) => close(r.sim, want[i]!.sim, 1e-12));
        }
      }
    }
  } finally {
    await wh.close();
  }
});

test('neighbours: worker threads give the same rows as one thread', async () => {
  const { neighboursParallel } = await import('../src/recommend/algorithms/cooccurrence.js');
  const { prepare, sharedInt32, sharedFloat64 } = await import('../src/recommend/algorithms/cooccurrence-kernel.js');
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  // 400 contexts, each with up to 30 distinct entities of 900 (skewed), in increasing order.
  const lists: number[][] = [];
  for (let c = 0; c < 400; c++) lists.push([...new Set(Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => Math.floor(900 * rnd() ** 2)))].sort((a, b) => a - b));
  const total = lists.reduce((a, l) => a + l.length, 0);
  const start = sharedInt32(lists.length + 1);
  const ents = sharedInt32(total);
  const vals = sharedFloat64(total);
  let at = 0;
  lists.forEach((l, c) => {
    start[c] = at;
    for (const e of l) vals[at] = 1 + Math.floor(rnd() * 4), ents[at++] = e;
  });
  start[lists.length] = at;
  const rowsOf = (r: Awaited<ReturnType<typeof neighboursParallel>>) =>
    Array.from({ length: r.rows }, (_, i) => [r.ent[i]!, r.nbr[i]!, r.sim[i]!, r.common[i]!]).sort((a, b) => a[0]! - b[0]! || b[2]! - a[2]! || a[1]! - b[1]!);
  for (const [values, job] of [
    [null, { k: 20, shrinkage: 0, inverseFrequency: false, maxContextSize: Infinity }],
    [vals, { k: 5, shrinkage: 1.5, inverseFrequency: true, maxContextSize: 25 }],
  ] as const) {
    const prep = prepare(start, ents, values, 900, job);
    const one = rowsOf(await neighboursParallel(prep, 1));
    assert.ok(one.length > 1000, `${one.length} rows`);
    assert.deepEqual(rowsOf(await neighboursParallel(prep, 2)), one);
  }
});

test('sortContexts: each context\'s entities in increasing order, values moved with them, short and long contexts', async () => {
  const { sortContexts } = await import('../src/recommend/algorithms/cooccurrence.js');
  // Context 0: empty; 1: one entity; 2: five (insertion sort); 3: forty (index sort); 4: two.
  const long = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
  const ents = [9, 7, 3, 8, 1, 0, ...long, 6, 2];
  const ctxStart = Int32Array.of(0, 0, 1, 6, 46, 48);
  const e1 = Int32Array.from(ents);
  const v1 = Float64Array.from(ents, (e, i) => e * 10 + (i >= 6 && i < 46 ? 0.5 : 0));
  sortContexts(ctxStart, e1, v1);
  const sortedLong = Array.from({ length: 40 }, (_, i) => i);
  assert.deepEqual([...e1], [9, 0, 1, 3, 7, 8, ...sortedLong, 2, 6]);
  assert.deepEqual([...v1], [90, 0, 10, 30, 70, 80, ...sortedLong.map((e) => e * 10 + 0.5), 20, 60]);
  const e2 = Int32Array.from(ents);
  sortContexts(ctxStart, e2, null);
  assert.deepEqual([...e2], [...e1]);
});
