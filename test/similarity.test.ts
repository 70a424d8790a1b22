import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { runBuild } from '../src/build.js';
import { registerSimilarityCommands } from '../src/cli/commands/similar.js';
import { io } from '../src/cli/context.js';
import {
  clusterUsers,
  evaluateLookalike,
  fromDense,
  kmeans,
  lookalike,
  pairwiseDistances,
  silhouette,
  similarUsers,
  type FeatureSpecInput,
} from '../src/segments/similarity/index.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { tempDir, tempWorkspace } from './helpers.js';

async function fixtureTables(ws: Workspace): Promise<void> {
  await ws.wh.run('CREATE OR REPLACE TABLE interest_scores (user_id BIGINT, dimension VARCHAR, tag VARCHAR, weight DOUBLE, score DOUBLE, interactions BIGINT, as_of TIMESTAMP)');
  await ws.wh.run('CREATE OR REPLACE TABLE tag_values (tag VARCHAR, user_id BIGINT, num DOUBLE, txt VARCHAR, ts TIMESTAMP, lst VARCHAR[])');
}

async function interest(ws: Workspace, rows: [number, string, number][]): Promise<void> {
  await ws.wh.append('interest_scores', rows.map(([u, tag, score]) => [u, 'category', tag, score, score, 1, null]));
}

async function textTags(ws: Workspace, rows: [number, string, string][]): Promise<void> {
  for (const [u, tag, txt] of rows) await ws.wh.run('INSERT INTO tag_values (tag, user_id, txt) VALUES ($1, $2, $3)', [tag, u, txt]);
}

/** Categories and gender, each weighing 1: cosine = (cos_category + cos_gender) / (|u| |v|), |u| = sqrt(blocks held). */
const HAND_SPEC: FeatureSpecInput = {
  interest: [{ dimension: 'category', top: 100, minScore: 0, weight: 1 }],
  numeric: [],
  numericWeight: 0,
  categorical: [{ tag: 'gender' }],
  categoricalWeight: 1,
};

const CATEGORY_ONLY: FeatureSpecInput = {
  interest: [{ dimension: 'category', top: 100, minScore: 0, weight: 1 }],
  numeric: [],
  numericWeight: 0,
  categorical: [],
  categoricalWeight: 0,
};

describe('similar users: hand-computed cosine', () => {
  let fx: Awaited<ReturnType<typeof tempWorkspace>>;
  before(async () => {
    fx = await tempWorkspace();
    await fixtureTables(fx.ws);
    await interest(fx.ws, [
      [1, 'a', 8], [1, 'b', 6],
      [2, 'a', 4], [2, 'b', 3],
      [3, 'a', 6], [3, 'c', 8],
      [4, 'b', 5],
      [6, 'a', 4], [6, 'b', 3],
    ]);
    await textTags(fx.ws, [[1, 'gender', 'female'], [2, 'gender', 'female'], [3, 'gender', 'male'], [5, 'gender', 'female'], [6, 'gender', 'female']]);
  });
  after(async () => fx.done());

  test('cosine over blocks, the user excluded, ties by smaller id', async () => {
    const r = await similarUsers(fx.ws, 1, { k: 5, spec: HAND_SPEC });
    assert.deepEqual(r.similar.map((s) => s.user_id), [2, 6, 5, 4, 3]);
    const sim = Object.fromEntries(r.similar.map((s) => [s.user_id, s.similarity]));
    // 2 and 6: same direction in both blocks -> (1 + 1) / (sqrt2 sqrt2) = 1.
    assert.ok(Math.abs(sim[2]! - 1) < 1e-6);
    assert.ok(Math.abs(sim[6]! - 1) < 1e-6);
    // 5: gender only -> 1 / (sqrt2 x 1).
    assert.ok(Math.abs(sim[5]! - 1 / Math.SQRT2) < 1e-6);
    // 4: b only -> cos_category = 6 / 10 = 0.6, no gender -> 0.6 / sqrt2.
    assert.ok(Math.abs(sim[4]! - 0.6 / Math.SQRT2) < 1e-6);
    // 3: cos_category = 8 x 6 / (10 x 10) = 0.48, other gender -> 0.48 / 2.
    assert.ok(Math.abs(sim[3]! - 0.24) < 1e-6);
    // Contributions to user 2: gender (1/sqrt2)^2 = 0.5, a 0.8 x 0.8 / 2 = 0.32, b 0.6 x 0.6 / 2 = 0.18.
    assert.deepEqual(r.similar[0]!.shared, ['gender=female', 'category:a', 'category:b']);
  });

  test('k limits the list; an unknown user is refused', async () => {
    const r = await similarUsers(fx.ws, 1, { k: 2, spec: HAND_SPEC });
    assert.deepEqual(r.similar.map((s) => s.user_id), [2, 6]);
    await assert.rejects(similarUsers(fx.ws, 999, { spec: HAND_SPEC }), /user 999 has no portrait/);
  });
});

describe('k-means and silhouette', () => {
  test('silhouette of two tight pairs, by hand', () => {
    const x = fromDense([[0], [1], [10], [11]]);
    const s = silhouette(pairwiseDistances(x), [0, 0, 1, 1], 2);
    const expected = (9.5 / 10.5 + 8.5 / 9.5 + 8.5 / 9.5 + 9.5 / 10.5) / 4;
    assert.ok(Math.abs(s - expected) < 1e-6, `${s} vs ${expected}`);
  });

  test('k-means recovers well-separated groups, the same with the same seed', () => {
    const rows: number[][] = [];
    for (let g = 0; g < 3; g++) for (let i = 0; i < 10; i++) rows.push([g === 0 ? 5 + (i % 3) : 0.1, g === 1 ? 5 + (i % 2) : 0.1, g === 2 ? 6 - (i % 4) : 0.1]);
    const x = fromDense(rows);
    const a = kmeans(x, 3, { seed: 7 });
    const b = kmeans(x, 3, { seed: 7 });
    assert.deepEqual([...a.labels], [...b.labels]);
    for (let g = 0; g < 3; g++) {
      const labels = new Set([...a.labels].slice(g * 10, g * 10 + 10));
      assert.equal(labels.size, 1, `group ${g} split`);
    }
    assert.equal(new Set(a.labels).size, 3);
  });
});

/** Three groups of 30 users with their own categories (a little of the others), and their ids. */
async function groupsFixture(ws: Workspace): Promise<void> {
  await fixtureTables(ws);
  const rows: [number, string, number][] = [];
  const cats = [['a1', 'a2', 'a3'], ['b1', 'b2', 'b3'], ['c1', 'c2', 'c3']];
  for (let g = 0; g < 3; g++) {
    for (let i = 0; i < 30; i++) {
      const u = 100 * (g + 1) + i;
      cats[g]!.forEach((c, k) => rows.push([u, c, 4 + ((i + k) % 5)]));
      rows.push([u, cats[(g + 1) % 3]![i % 3]!, 0.5]);
    }
  }
  await interest(ws, rows);
}

describe('clusters and lookalike on separated groups', () => {
  let fx: Awaited<ReturnType<typeof tempWorkspace>>;
  before(async () => {
    fx = await tempWorkspace();
    await groupsFixture(fx.ws);
  });
  after(async () => fx.done());

  test('silhouette picks k = 3 and the clusters are the groups, described by their categories', async () => {
    const r = await clusterUsers(fx.ws, { kMin: 2, kMax: 6, spec: CATEGORY_ONLY });
    assert.equal(r.k, 3);
    const best = r.scores.find((s) => s.k === 3)!.silhouette;
    for (const s of r.scores) if (s.k !== 3) assert.ok(s.silhouette < best, `k=${s.k}: ${s.silhouette} vs ${best}`);
    const rows = await fx.ws.wh.query<{ g: number; n: number; clusters: number }>(
      'SELECT user_id // 100 AS g, count(*) AS n, count(DISTINCT cluster) AS clusters FROM user_clusters GROUP BY 1 ORDER BY 1',
    );
    assert.deepEqual(rows.map((x) => [Number(x.g), Number(x.n), Number(x.clusters)]), [[1, 30, 1], [2, 30, 1], [3, 30, 1]]);
    const distinct = await fx.ws.wh.query<{ n: number }>('SELECT count(DISTINCT cluster) AS n FROM user_clusters');
    assert.equal(Number(distinct[0]!.n), 3);
    for (const c of r.clusters) {
      assert.equal(c.users, 30);
      // Every member holds its 3 categories; a third of the previous group holds each weakly: 40 of 90 users.
      const top = c.distinctive[0]!;
      assert.ok(Math.abs(top.tgi - 100 / (40 / 90)) < 1e-6, `${top.feature}: TGI ${top.tgi}`);
      assert.equal(top.share, 1);
      const prefixes = new Set(c.distinctive.filter((d) => d.tgi > 224).map((d) => d.feature.slice('category:'.length, 'category:'.length + 1)));
      assert.equal(prefixes.size, 1);
    }
  });

  for (const method of ['contrast', 'centroid', 'logistic'] as const) {
    test(`lookalike (${method}) ranks the seed's group first`, async () => {
      const r = await lookalike(fx.ws, {
        seedUsers: { sql: 'SELECT user_id FROM range($1, $2) t(user_id)', params: [200, 210] },
        top: 20,
        method,
        spec: CATEGORY_ONLY,
      });
      assert.equal(r.seeds, 10);
      assert.equal(r.candidates, 80);
      assert.equal(r.users.length, 20);
      assert.deepEqual(r.users.map((u) => u.user_id).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 210 + i));
      assert.deepEqual(r.users.map((u) => u.rank), Array.from({ length: 20 }, (_, i) => i + 1));
    });
  }

  test('seed users without a portrait are counted, not used', async () => {
    const r = await lookalike(fx.ws, { seedUsers: { sql: 'SELECT unnest([100, 101, 999999]) AS user_id', params: [] }, top: 5, spec: CATEGORY_ONLY });
    assert.equal(r.seeds, 2);
    assert.equal(r.seedsWithoutPortrait, 1);
    assert.ok(r.users.every((u) => u.user_id >= 102 && u.user_id < 130));
  });
});

describe('lookalike on a synthetic world', () => {
  const fx = { ws: null as unknown as Workspace, dir: '', cleanup: () => {} };
  before(async () => {
    const t = tempDir();
    fx.dir = t.dir;
    fx.cleanup = t.cleanup;
    fx.ws = await Workspace.init(join(t.dir, 'ws'));
    await synthesize(fx.ws, resolveSynthOptions({ users: 3000, seed: 11 }));
    await runBuild(fx.ws);
  });
  after(async () => {
    await fx.ws.close();
    fx.cleanup();
  });

  test('recall of hidden taste groups beats a random ranking by a clear factor', async () => {
    const e = await evaluateLookalike(fx.ws, { seedShare: 0.2, methods: ['contrast', 'centroid'] });
    assert.ok(e.groups.length >= 5, `${e.groups.length} groups`);
    for (const g of e.groups) assert.ok(Math.abs(g.baseline - g.rest / g.candidates) < 1e-12);
    assert.ok(e.meanRecall.contrast! > 4 * e.meanBaseline, `contrast recall ${e.meanRecall.contrast} vs random ${e.meanBaseline}`);
    assert.ok(e.meanRecall.centroid! > 2 * e.meanBaseline, `centroid recall ${e.meanRecall.centroid} vs random ${e.meanBaseline}`);
    assert.ok(e.meanPrecision.contrast! > 4 * e.meanBaseline);
  });

  test('the command module: similar, lookalike with a seed file and CSV, evaluate', async () => {
    const ids = await fx.ws.wh.query<{ user_id: number }>(
      "SELECT user_id FROM interest_scores WHERE dimension = 'category' GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 30",
    );
    const seedFile = join(fx.dir, 'seed.txt');
    writeFileSync(seedFile, `# seed\n${ids.map((r) => r.user_id).join('\n')}\n\n`);
    const csv = join(fx.dir, 'out.csv');
    const dir = fx.ws.paths.dir;
    await fx.ws.close();
    const run = async (args: string[]): Promise<string> => {
      let out = '';
      const saved = io.out;
      io.out = (t) => void (out += t);
      try {
        const program = new Command().option('--workspace <dir>').exitOverride();
        registerSimilarityCommands(program);
        await program.parseAsync(['node', 'portrait', '--workspace', dir, ...args]);
      } finally {
        io.out = saved;
      }
      return out;
    };
    const similar = JSON.parse(await run(['similar', String(ids[0]!.user_id), '--k', '3', '--json'])) as { similar: { user_id: number; similarity: number }[] };
    assert.equal(similar.similar.length, 3);
    assert.ok(similar.similar.every((s, i) => s.user_id !== Number(ids[0]!.user_id) && (i === 0 || s.similarity <= similar.similar[i - 1]!.similarity)));
    const look = JSON.parse(await run(['lookalike', '--seed-file', seedFile, '--top', '60', '--out', csv, '--json'])) as {
      seeds: number;
      users: { user_id: number }[];
      exported: { users: number; optedOut: number };
    };
    assert.equal(look.seeds, 30);
    assert.equal(look.users.length, 60);
    const seedSet = new Set(ids.map((r) => Number(r.user_id)));
    assert.ok(look.users.every((u) => !seedSet.has(u.user_id)));
    // The file is an audience: the kept users minus those who refused targeting, in rank order.
    const check = await Workspace.open(dir);
    const refused = new Set((await check.wh.query<{ user_id: number }>("SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed")).map((r) => Number(r.user_id)));
    await check.close();
    const allowed = look.users.filter((u) => !refused.has(u.user_id));
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'user_id,rank,score');
    assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), allowed.map((u) => u.user_id));
    assert.deepEqual(look.exported, { ...look.exported, users: allowed.length, optedOut: 60 - allowed.length });
    assert.ok(allowed.length < 60, 'the world has users who refused targeting among the kept');
    const text = await run(['lookalike', 'evaluate', '--seed-share', '0.3']);
    assert.match(text, /recall@R/);
    assert.match(text, /random/);
    // Reopened so `after` can close and remove it.
    fx.ws = await Workspace.open(dir);
  });
});
