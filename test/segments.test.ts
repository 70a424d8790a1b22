import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildRfm } from '../src/segments/rfm.js';
import { buildLifecycle } from '../src/analytics/lifecycle/index.js';
import { compileSegment, segmentSize, exportSegment, parseSegment, SegmentRegistry } from '../src/segments/index.js';
import { segmentGrouping } from '../src/segments/grouping.js';
import { buildTags } from '../src/tags/values/build.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, SAMPLE, tempDir } from './helpers.js';

const AS_OF = new Date('2017-07-31T23:59:59Z');

/** [user, type, 'YYYY-MM-DD HH:MM:SS', category, amount, geohash] */
type Ev = [number, string, string, number | null, number | null, string | null];
const day = (d: number, h = 10) => `2017-07-${String(d).padStart(2, '0')} ${String(h).padStart(2, '0')}:00:00`;
const EVENTS: Ev[] = [
  // User 1 went to the airport (wtw3s...) three times between July 1 and 15, and buys big.
  [1, 'login', day(2), null, null, 'wtw3sz1'],
  [1, 'login', day(9), null, null, 'wtw3sz2'],
  [1, 'login', day(15, 23), null, null, 'wtw3sy0'],
  [1, 'buy', day(30), 10, 1500, null],
  [1, 'buy', day(20), 10, 500, null],
  // User 2 went there twice only, and carted shoes (10) twice this week without buying.
  [2, 'login', day(3), null, null, 'wtw3sz1'],
  [2, 'login', day(16), null, null, 'wtw3sz1'], // July 16: outside the range
  [2, 'login', day(5), null, null, 'wtw3sz9'],
  [2, 'cart', day(28), 10, null, null],
  [2, 'cart', day(29), 10, null, null],
  [2, 'buy', day(1), 11, 50, null],
  // User 3 (first seen four days ago: new) carted shoes twice and bought them: not an abandoner.
  [3, 'cart', day(27), 10, null, null],
  [3, 'cart', day(28), 10, null, null],
  [3, 'buy', day(29), 10, 80, null],
  // User 4: first seen three days ago (new). User 5: last seen in May (dormant). User 6: last seen in March (churned).
  [4, 'pv', day(29), 12, null, null],
  [5, 'pv', '2017-05-20 10:00:00', 12, null, null],
  [5, 'buy', '2017-05-20 11:00:00', 12, 20, null],
  [6, 'pv', '2017-03-01 10:00:00', 12, null, null],
  // User 7 was away from early May to mid July and came back: won back.
  [7, 'pv', '2017-04-20 10:00:00', 12, null, null],
  [7, 'pv', day(25), 12, null, null],
];

async function seed(ws: Workspace): Promise<void> {
  let id = 1;
  for (const [user, type, ts, category, amount, geohash] of EVENTS) {
    await ws.wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, category_id, amount, geohash) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7)',
      [id++, user, ts, type, category, amount, geohash],
    );
  }
  await ws.wh.run("INSERT INTO users (user_id, gender, city) VALUES (1, 'female', 'Shanghai'), (2, 'female', 'Beijing'), (3, 'male', 'Shanghai'), (4, 'female', 'Shanghai')");
  await ws.wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (3, 'targeting', false), (4, 'targeting', true)");
}

async function members(ws: Workspace, condition: unknown): Promise<number[]> {
  const compiled = await compileSegment(ws, parseSegment({ name: 'probe', condition }, 'probe'));
  const rows = await ws.wh.query<{ user_id: number }>(`SELECT user_id FROM (${compiled.sql}) ORDER BY user_id`, compiled.params);
  return rows.map((r) => Number(r.user_id));
}

describe('segments on a hand-made story', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
    await buildRfm(ws, { asOf: AS_OF });
    await buildLifecycle(ws, { asOf: AS_OF });
    await buildTags(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('"went to place X 3 or more times between 2017-07-01 and 2017-07-15"', async () => {
    const condition = { behaviour: { place: 'wtw3s' }, window: { from: '2017-07-01', to: '2017-07-15' }, op: '>=', value: 3 };
    assert.deepEqual(await members(ws, condition), [1]);
  });

  test('"carted shoes at least twice in the last 7 days and did not buy"', async () => {
    const condition = {
      and: [
        { behaviour: { event: 'cart', category: 10 }, window: { last: '7d' }, op: '>=', value: 2 },
        { not: { behaviour: { event: 'buy' }, window: { last: '7d' } } },
      ],
    };
    assert.deepEqual(await members(ws, condition), [2]);
  });

  test('lifecycle stages by recency, and the lifecycle shorthand', async () => {
    const rows = await ws.wh.query<{ user_id: number; txt: string }>("SELECT user_id, txt FROM tag_values WHERE tag = 'lifecycle_stage' ORDER BY user_id");
    assert.deepEqual(
      rows.map((r) => [Number(r.user_id), r.txt]),
      [[1, 'active'], [2, 'active'], [3, 'new'], [4, 'new'], [5, 'dormant'], [6, 'churned'], [7, 'won_back']],
    );
    assert.deepEqual(await members(ws, { lifecycle: ['dormant', 'churned'] }), [5, 6]);
  });

  test('RFM: recency, frequency and monetary scored against the buyers\' quintile edges; groups by high/low', async () => {
    const rows = await ws.wh.query<{ user_id: number; recency_days: number; frequency: number; monetary: number; r: number; f: number; m: number; rfm_group: string; value_tier: string }>(
      'SELECT * FROM user_rfm ORDER BY user_id',
    );
    // Buyers: 1 (last Jul 30: 1 day; 2 days; 2000), 2 (Jul 1: 30 days; 1; 50), 3 (Jul 29: 2 days; 1; 80), 5 (May 20: 72 days; 1; 20).
    assert.deepEqual(rows.map((r) => [Number(r.user_id), Number(r.recency_days), Number(r.frequency), r.monetary]), [
      [1, 1, 2, 2000],
      [2, 30, 1, 50],
      [3, 2, 1, 80],
      [5, 72, 1, 20],
    ]);
    // Edges: the values at 0-based index floor(q x 4) of the sorted values, q = 0.2, 0.4, 0.6, 0.8.
    // recency 1, 2, 30, 72 -> edges 1, 2, 30, 72; R = 1 + #{edges above}: user 1 -> 4, 2 -> 2, 3 -> 3, 5 -> 1.
    // frequency 1, 1, 1, 2 -> edges 1, 1, 1, 2; F = 1 + #{edges below}: 2 -> 4, 1 -> 1.
    // monetary 20, 50, 80, 2000 -> edges 20, 50, 80, 2000: 2000 -> 4, 50 -> 2, 80 -> 3, 20 -> 1.
    assert.deepEqual(rows.map((r) => [Number(r.user_id), r.r, r.f, r.m]), [
      [1, 4, 4, 4],
      [2, 2, 1, 2],
      [3, 3, 1, 3],
      [5, 1, 1, 1],
    ]);
    assert.deepEqual(rows.map((r) => r.rfm_group), ['important value', 'general win-back', 'important development', 'general win-back']);
    assert.deepEqual(await members(ws, { rfm: ['重要价值', 'important development'] }), [1, 3]);
    // Value tiers by spend (no CLV here): top 20% of 4 buyers is user 1, the next 30% user 3.
    assert.deepEqual(rows.map((r) => r.value_tier), ['high', 'low', 'middle', 'low']);
  });

  test('segments read tags, other segments and roles; cycles and unknown names are refused with their path', async () => {
    await ws.close();
    const women = join(dir, 'women.json');
    writeFileSync(women, JSON.stringify({ name: 'women', condition: { tag: 'gender', op: '=', value: 'female' } }));
    const defined = await runCli(['-w', dir, 'segment', 'define', women]);
    assert.equal(defined.code, 0, defined.stderr);
    const shoppers = join(dir, 'shoppers.json');
    writeFileSync(shoppers, JSON.stringify({ name: 'women-shoppers', condition: { and: [{ segment: 'women' }, { tag: 'role_shopper', op: '=', value: true }] } }));
    assert.equal((await runCli(['-w', dir, 'segment', 'define', shoppers])).code, 0);
    const size = await runCli(['-w', dir, 'segment', 'size', 'women-shoppers', '--json']);
    assert.equal(size.code, 0, size.stderr);
    const parsed = JSON.parse(size.stdout);
    assert.equal(parsed.users, 2); // users 1 and 2 (user 4 is a woman who bought nothing)
    // Gender among members: 2 of 2 female; among all users with a gender, 3 of 4 -> TGI 100 x 1 / 0.75.
    assert.equal(parsed.profile.gender[0].value, 'female');
    assert.ok(Math.abs(parsed.profile.gender[0].tgi - 400 / 3) < 1e-9);

    writeFileSync(women, JSON.stringify({ name: 'women', condition: { segment: 'women-shoppers' } }));
    const cycle = await runCli(['-w', dir, 'segment', 'define', women]);
    assert.equal(cycle.code, 1);
    assert.match(cycle.stderr, /women\.json: .*segment: segments read each other in a cycle: women -> women-shoppers -> women/);
    const cases: [unknown, RegExp][] = [
      [{ name: 'x', condition: { segment: 'nope' } }, /condition\.segment: unknown segment "nope"/],
      [{ name: 'x', condition: { and: [{ tag: 'gender', op: '>', value: 'female' }] } }, /condition\.and\[0\]\.op: a text tag compares with = or !=/],
      [{ name: 'x', condition: { behaviour: { event: 'cart' }, window: { last: '7d', from: '2017-01-01' } } }, /condition\.window: a window is relative .* or absolute/],
      [{ name: 'x', condition: { rfm: 'big spenders' } }, /condition\.rfm: unknown RFM group "big spenders"/],
      [{ name: 'Bad Name', condition: { tag: 'gender', exists: true } }, /name: expected a segment name/],
    ];
    for (const [definition, message] of cases) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(definition));
      const r = await runCli(['-w', dir, 'segment', 'define', file]);
      assert.equal(r.code, 1, JSON.stringify(definition));
      assert.match(r.stderr, message);
    }
    assert.ok(!existsSync(join(dir, 'definitions', 'segments', 'x.json')), 'a refused segment is not stored');
    const list = JSON.parse((await runCli(['-w', dir, 'segment', 'list', '--json'])).stdout);
    assert.deepEqual(list.map((s: { name: string }) => s.name), ['women', 'women-shoppers']);
    ws = await Workspace.open(dir);
  });

  test('exports leave out opted-out users and refuse audiences below the minimum size', async () => {
    const registry = SegmentRegistry.load(ws);
    registry.define(ws, { name: 'shanghai', condition: { tag: 'city', op: '=', value: 'Shanghai' } }, 'inline');
    const out = join(dir, 'shanghai.csv');
    await assert.rejects(exportSegment(ws, 'shanghai', out), /has 2 users who allow targeting \(1 opted out\); an exported audience needs at least 50/);
    assert.ok(!existsSync(out));
    const done = await exportSegment(ws, 'shanghai', out, { minSize: 2 });
    assert.deepEqual([done.users, done.optedOut], [2, 1]);
    assert.equal(readFileSync(out, 'utf8'), 'user_id\n1\n4\n'); // user 3 opted out of targeting
    const grouping = await segmentGrouping(ws, 'shanghai');
    const groups = await ws.wh.query<{ grp: string; n: number }>(`SELECT grp, count(*) AS n FROM (${grouping.sql}) GROUP BY 1 ORDER BY 1`, grouping.params);
    assert.deepEqual(groups.map((g) => [g.grp, Number(g.n)]), [['in', 3], ['out', 4]]);
    const size = await segmentSize(ws, 'shanghai');
    assert.equal(size.users, 3);
  });
});

describe('RFM inputs on the real Taobao sample', () => {
  test('frequency and recency equal direct counts of buy days', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await importTaobao(ws, [SAMPLE]);
      await buildRfm(ws);
      const mismatches = await ws.wh.query<{ n: number; buyers: number }>(
        `WITH d AS (SELECT user_id, count(DISTINCT CAST(ts AS DATE)) AS days,
             date_diff('day', CAST(max(ts) AS DATE), (SELECT CAST(max(ts) AS DATE) FROM events)) AS recency
           FROM events WHERE type = 'buy' GROUP BY user_id)
         SELECT count(*) FILTER (WHERE r.user_id IS NULL OR r.frequency <> d.days OR r.recency_days <> d.recency) AS n, count(*) AS buyers
         FROM d LEFT JOIN user_rfm r USING (user_id)`,
      );
      assert.equal(Number(mismatches[0]!.n), 0);
      const rows = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM user_rfm');
      assert.equal(Number(rows[0]!.n), Number(mismatches[0]!.buyers));
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

describe('lifecycle thresholds come from portrait.json', () => {
  test('a longer "new" period in the config makes the build call more users new', async () => {
    const t = tempDir();
    const dir = join(t.dir, 'ws');
    let ws = await Workspace.init(dir);
    try {
      await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type) VALUES (1, 1, TIMESTAMP '2017-07-01 10:00:00', 'pv'), (2, 1, TIMESTAMP '2017-07-20 10:00:00', 'pv'), (3, 2, TIMESTAMP '2017-07-25 10:00:00', 'pv')");
      const stages = async () => {
        await buildLifecycle(ws, { asOf: AS_OF, thresholds: ws.config.lifecycle });
        const rows = await ws.wh.query<{ user_id: number; stage: string }>('SELECT user_id, stage FROM user_lifecycle ORDER BY user_id');
        return rows.map((r) => [Number(r.user_id), r.stage]);
      };
      assert.deepEqual(await stages(), [[1, 'active'], [2, 'new']]); // user 1 first seen 30 days before: not new
      await ws.close();
      const configFile = join(dir, 'portrait.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      writeFileSync(configFile, JSON.stringify({ ...config, lifecycle: { newDays: 31 } }));
      ws = await Workspace.open(dir);
      assert.deepEqual(await stages(), [[1, 'new'], [2, 'new']]);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});
