import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { buildPurchaseCycles } from '../src/analytics/cycles/index.js';
import { profileCard } from '../src/profile/profile.js';
import { runBuild } from '../src/build.js';
import { registerRecsCommands } from '../src/cli/commands/recs.js';
import { io } from '../src/cli/context.js';
import { PortraitError } from '../src/errors.js';
import {
  blendSql,
  exportRecommendations,
  interactionsSql,
  prepareSources,
  recommendationsFor,
  resolveRecsConfig,
  SOURCES,
  trainModels,
  trainRecommendations,
  workspaceInteractions,
  type RecsConfigInput,
  type SourceContext,
} from '../src/recommend/index.js';
import { contentSource, replenishmentSource, socialSource, popularSource } from '../src/recommend/sources/index.js';
import type { Relation } from '../src/recommend/algorithms/types.js';
import { itemcf, usercf } from '../src/recommend/algorithms/index.js';
import { scoreCollaborative } from '../src/recommend/sources/cfscore.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { evaluateWorkspace, runConfig } from '../src/recommend/evaluate/index.js';
import { listAudit } from '../src/privacy/audit.js';
import { Workspace } from '../src/workspace/workspace.js';
import { readdirSync } from 'node:fs';
import { runCli, tempDir } from './helpers.js';

const AS_OF = new Date('2017-12-03T23:59:59Z'); // end of 2017-12-03, local wall clock

/** [user, type, item, category, 'YYYY-MM-DD HH:MM:SS'] */
type Ev = [number, string, number, number, string];
const EVENTS: Ev[] = [
  // user 1: tissues (10) bought on 09-08, 10-08, 11-07: intervals 30, 30 -> cycle 30 days, due 12-07 (in 4 days)
  [1, 'buy', 101, 10, '2017-09-08 10:00:00'],
  [1, 'buy', 102, 10, '2017-10-08 10:00:00'],
  [1, 'buy', 101, 10, '2017-11-07 10:00:00'],
  [1, 'buy', 202, 20, '2017-11-20 10:00:00'], // a lipstick bought: not a consumable, never recommended again
  [1, 'pv', 201, 20, '2017-12-01 10:00:00'],
  [1, 'pv', 501, 50, '2017-11-15 11:50:00'], // the gift: looked at and bought the same day
  [1, 'buy', 501, 50, '2017-11-15 12:00:00'],
  // user 1's friends 2, 3, 4 (and 5, a follower; 6, a friend only after as-of)
  [2, 'buy', 301, 30, '2017-11-30 10:00:00'],
  [2, 'buy', 302, 30, '2017-11-30 10:05:00'],
  [2, 'buy', 501, 50, '2017-11-29 10:00:00'],
  [3, 'buy', 301, 30, '2017-12-01 10:00:00'],
  [4, 'pv', 203, 20, '2017-12-02 10:00:00'],
  [5, 'buy', 302, 30, '2017-12-01 10:00:00'],
  [6, 'buy', 301, 30, '2017-12-01 10:00:00'],
  // women 25-34 (users 7, 8): 601 viewed at as-of (decay 1); 602 7 days before (0.5) and at as-of (1)
  [7, 'pv', 601, 60, '2017-12-03 23:59:59'],
  [7, 'pv', 602, 60, '2017-11-26 23:59:59'],
  [8, 'pv', 602, 60, '2017-12-03 23:59:59'],
  // user 10 refused personalisation; user 11 refused targeting
  [10, 'pv', 601, 60, '2017-12-02 10:00:00'],
  [10, 'buy', 101, 10, '2017-12-02 10:00:00'],
  [11, 'pv', 203, 20, '2017-12-02 10:00:00'],
  [12, 'pv', 999, 99, '2017-12-05 10:00:00'], // after as-of: not an interaction
];

async function fixture(ws: Workspace): Promise<void> {
  const wh = ws.wh;
  let id = 1;
  for (const [user, type, item, category, ts] of EVENTS) {
    await wh.run('INSERT INTO events (event_id, user_id, ts, type, item_id, category_id) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6)', [
      id++, user, ts, type, item, category,
    ]);
  }
  await wh.run(`INSERT INTO categories (category_id, name) VALUES (10, 'Tissues'), (20, 'Lipstick'), (30, NULL), (50, 'Toys'), (60, 'Snacks')`);
  await wh.run(`INSERT INTO items (item_id, category_id, brand, price, consumable, title) VALUES
    (101, 10, 'Soft', 10, true, 'Tissue pack'), (102, 10, 'Soft', 20, true, NULL),
    (201, 20, 'Acme', 50, false, NULL), (202, 20, 'Bolt', 100, false, NULL), (203, 20, 'Acme', 200, false, NULL),
    (301, 30, NULL, 30, false, NULL), (302, 30, NULL, 40, false, NULL), (501, 50, NULL, 99, false, 'Toy car')`);
  await wh.run(`INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts) VALUES
    (1, 2, 'friend', '2017-10-01'), (2, 1, 'friend', '2017-10-02'), (3, 1, 'friend', '2017-10-01'), (1, 4, 'friend', '2017-10-01'),
    (1, 5, 'follow', '2017-10-01'), (1, 6, 'friend', '2017-12-10')`);
  await wh.run(`INSERT INTO users (user_id, gender) VALUES (9, 'female')`);
  await wh.run(`INSERT INTO consents (user_id, purpose, allowed) VALUES (10, 'personalisation', false), (11, 'targeting', false), (1, 'targeting', true)`);
  // What the build stages would write, made by hand so every number below is known.
  await wh.run(`CREATE TABLE interest_scores (user_id BIGINT, dimension VARCHAR, tag VARCHAR, weight DOUBLE, score DOUBLE, interactions BIGINT, as_of TIMESTAMP)`);
  await wh.run(`INSERT INTO interest_scores VALUES (1, 'category', '20', 10, 8, 3, NULL), (1, 'category', '30', 1, 0.5, 1, NULL), (1, 'brand', 'Acme', 8, 6, 2, NULL)`);
  await wh.run(`CREATE TABLE tag_values (tag VARCHAR, user_id BIGINT, num DOUBLE, txt VARCHAR, ts TIMESTAMP, lst VARCHAR[])`);
  await wh.run(`INSERT INTO tag_values (tag, user_id, txt) VALUES ('price_level', 1, 'high'),
    ('gender', 7, 'female'), ('age_band', 7, '25-34'), ('gender', 8, 'female'), ('age_band', 8, '25-34'),
    ('gender', 9, 'female'), ('age_band', 9, '25-34')`);
  await wh.run(`CREATE TABLE gift_purchases (user_id BIGINT, event_id UBIGINT, item_id BIGINT, category_id BIGINT, ts TIMESTAMP)`);
  await wh.run(`INSERT INTO gift_purchases VALUES (1, 7, 501, 50, '2017-11-15 12:00:00')`);
  await buildPurchaseCycles(ws, { asOf: AS_OF });
}

const ONLY = (weights: Partial<Record<(typeof SOURCES)[number], number>>): RecsConfigInput => ({
  weights: { replenishment: 0, itemcf: 0, usercf: 0, social: 0, content: 0, popular: 0, ...weights },
});

async function context(ws: Workspace, input: RecsConfigInput = {}): Promise<SourceContext> {
  const config = resolveRecsConfig(input);
  const raw = await workspaceInteractions(ws.wh, { asOf: AS_OF, weights: config.behaviour });
  const prepared = await prepareSources(ws.wh, raw, AS_OF, config);
  const models = await trainModels(ws, { sql: 'SELECT user_id, item_id, ts, weight FROM rec_interactions', params: [] }, AS_OF, config);
  return { wh: ws.wh, asOf: AS_OF, config, has: prepared.has, models };
}

const usersRel = (...ids: number[]): Relation => ({ sql: 'SELECT CAST(unnest($1::BIGINT[]) AS BIGINT) AS user_id', params: [`[${ids.join(',')}]`] });

interface Cand { user_id: number; item_id: number; score: number; ev_item: number | null; ev_cat: number | null; ev_n: number | null; ev_m: number | null; ev_text: string | null; ev_text2: string | null }
async function run(ws: Workspace, rel: Relation | null): Promise<Cand[]> {
  assert.ok(rel);
  const rows = await ws.wh.query<Cand>(`SELECT * FROM (${rel.sql}) ORDER BY user_id, score DESC, item_id`, rel.params);
  return rows.map((r) => ({ ...r, user_id: Number(r.user_id), item_id: Number(r.item_id) }));
}

interface Out { user_id: number; rank: number; item_id: number; score: number; source: string; reason_en: string; reason_zh: string }
async function blend(ws: Workspace, ctx: SourceContext, personalised: number[], optedOut: number[] = []): Promise<Out[]> {
  const rel = blendSql(ctx, usersRel(...personalised), optedOut.length ? usersRel(...optedOut) : null);
  const rows = await ws.wh.query<Out>(rel.sql, rel.params);
  return rows.map((r) => ({ ...r, user_id: Number(r.user_id), item_id: Number(r.item_id), rank: Number(r.rank) }));
}

describe('recommendations on a hand-made fixture', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = t.dir;
    ws = await Workspace.init(join(dir, 'ws'));
    await fixture(ws);
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('interactions: behaviour weights, as-of, gifts left out', async () => {
    const rel = await workspaceInteractions(ws.wh, { asOf: AS_OF, weights: { pv: 1, fav: 2, cart: 3, buy: 5 } });
    const rows = await ws.wh.query<{ user_id: number; item_id: number; weight: number }>(`SELECT user_id, item_id, weight FROM (${rel.sql}) ORDER BY ALL`, rel.params);
    // user 1's gift (501: the view and the buy of 11-15) is gone; user 2's purchase of 501 stays; user 12's event is after as-of.
    assert.equal(rows.filter((r) => Number(r.user_id) === 1 && Number(r.item_id) === 501).length, 0);
    assert.deepEqual(rows.filter((r) => Number(r.item_id) === 501).map((r) => [Number(r.user_id), r.weight]), [[2, 5]]);
    assert.equal(rows.filter((r) => Number(r.user_id) === 12).length, 0);
    assert.equal(rows.length, EVENTS.length - 2 - 1);
    assert.deepEqual(rows.filter((r) => Number(r.user_id) === 1 && Number(r.item_id) === 201).map((r) => r.weight), [1]);
    // Without the exclusion the gift is an interaction again.
    const all = interactionsSql({ asOf: AS_OF, weights: { pv: 1, fav: 2, cart: 3, buy: 4 }, excludeGifts: false });
    const gift = await ws.wh.query(`SELECT * FROM (${all.sql}) WHERE user_id = 1 AND item_id = 501`, all.params);
    assert.equal(gift.length, 2);
    await assert.rejects(workspaceInteractions(ws.wh, { asOf: AS_OF, weights: { pv: -1 } }), PortraitError);
  });

  test('content-based: category, brand and price band scores', async () => {
    const ctx = await context(ws);
    const rows = await run(ws, contentSource.candidates(ctx, usersRel(1), 10));
    // Category 20 scores 8 (category 30's 0.5 is under minScore 1). Prices in 20: 50, 100, 200 -> mid-rank
    // percentiles 1/6, 1/2, 5/6 -> bands low, middle, high; user 1's price_level is high; brand Acme scores 6.
    //   203 (Acme, high):   8/10 + 0.5 x 6/10 + 0.25 x 1   = 1.35
    //   201 (Acme, low):    8/10 + 0.5 x 6/10 + 0.25 x 0   = 1.10
    //   202 (Bolt, middle): 8/10 + 0                + 0.25 x 0.5 = 0.925
    assert.deepEqual(rows.map((r) => [r.item_id, Number(r.score.toFixed(9))]), [[203, 1.35], [201, 1.1], [202, 0.925]]);
    assert.deepEqual(rows.map((r) => [r.ev_cat, r.ev_text2, r.ev_m]), [[20, 'Acme', 1], [20, 'Acme', 0], [20, null, 0]]);
  });

  test('social proof: distinct friends in either direction who bought, at or before as-of', async () => {
    const ctx = await context(ws);
    const rows = await run(ws, socialSource.candidates(ctx, usersRel(1), 10));
    // Friends 2, 3, 4 (2 both ways counts once; 5 only follows; 6 became a friend after as-of): 3 friends.
    //   301: bought by 2 and 3 -> 2;  302: by 2 (5 is not a friend) -> 1;  501: by 2 -> 1.
    assert.deepEqual(rows.map((r) => [r.item_id, r.score, r.ev_n, r.ev_m]), [[301, 2, 2, 3], [302, 1, 1, 3], [501, 1, 1, 3]]);
  });

  test('replenishment: the usual item of a due cycle, score 1 / (1 + |days until due|)', async () => {
    const ctx = await context(ws);
    const rows = await run(ws, replenishmentSource.candidates(ctx, usersRel(1, 2, 10), 10));
    // Cycle 30 days, last bought 11-07, due 12-07: 4 days after 12-03 -> 1 / (1 + 4) = 0.2; the latest item bought in 10 is 101.
    assert.deepEqual(rows.map((r) => [r.user_id, r.item_id, r.score, r.ev_n, r.ev_m, r.ev_cat]), [[1, 101, 0.2, 30, 4, 10]]);
  });

  test('popular within the predicted segment, time-decayed; everyone else reads the global list', async () => {
    const ctx = await context(ws);
    const rows = await run(ws, popularSource.candidates(ctx, usersRel(9), 10));
    // Women 25-34 (users 7, 8): 602 = 0.5 (user 7, 7 days old, half-life 7) + 1 (user 8) = 1.5; 601 = 1 (user 7).
    assert.deepEqual(rows.map((r) => [r.item_id, Number(r.score.toFixed(9)), r.ev_text, r.ev_text2]), [[602, 1.5, 'female', '25-34'], [601, 1, 'female', '25-34']]);
    const global = await run(ws, popularSource.candidates(ctx, usersRel(3), 50));
    assert.ok(global.length > 2 && global.every((r) => r.ev_text === null && r.ev_text2 === null));
  });

  test('blend: weights, source of each item, filters for bought and gift categories, reasons', async () => {
    const ctx = await context(ws, ONLY({ replenishment: 1.5, social: 0.5, content: 0.4 }));
    const rows = await blend(ws, ctx, [1]);
    // Each source divided by the user's best from it, times its weight:
    //   101 replenishment 0.2/0.2 x 1.5 = 1.5 (bought before, but a consumable due again)
    //   301 social 2/2 x 0.5 = 0.5;  302 social 1/2 x 0.5 = 0.25;  501 social: category 50 of the gift -> dropped
    //   203 content 1.35/1.35 x 0.4 = 0.4;  201 content 1.1/1.35 x 0.4 = 0.325926;  202: bought, not consumable -> dropped
    assert.deepEqual(rows.map((r) => [r.rank, r.item_id, Number(r.score.toFixed(6)), r.source]), [
      [1, 101, 1.5, 'replenishment'],
      [2, 301, 0.5, 'social'],
      [3, 203, 0.4, 'content'],
      [4, 201, 0.325926, 'content'],
      [5, 302, 0.25, 'social'],
    ]);
    assert.deepEqual(rows.map((r) => r.reason_en), [
      'you buy this about every 30 days; due in 4 days',
      '2 of your 3 friends bought this',
      'matches your interest in Lipstick and Acme, in your price range',
      'matches your interest in Lipstick and Acme',
      '1 of your 3 friends bought this',
    ]);
    assert.deepEqual(rows.map((r) => r.reason_zh), [
      '你大约每30天买一次；4天后该补货了',
      '你的3位好友中有2位买过',
      '符合你对Lipstick和Acme的兴趣，价位合适',
      '符合你对Lipstick和Acme的兴趣',
      '你的3位好友中有1位买过',
    ]);
    // One source switched off: its items leave, the others keep their scores.
    const noSocial = await blend(ws, await context(ws, ONLY({ replenishment: 1.5, content: 0.4 })), [1]);
    assert.deepEqual(noSocial.map((r) => r.item_id), [101, 203, 201]);
  });

  test('blend: an item proposed by two sources sums their contributions', async () => {
    // 301 is bought by friends (social 2/2 x 0.5 = 0.5) and is popular for user 1 (no segment: the global list).
    const ctx = await context(ws, ONLY({ social: 0.5, popular: 1 }));
    const rows = await blend(ws, ctx, [1]);
    const pop = await run(ws, popularSource.candidates(ctx, usersRel(1), 100));
    const best = Math.max(...pop.map((r) => r.score));
    const p301 = pop.find((r) => r.item_id === 301)!.score / best;
    const r301 = rows.find((r) => r.item_id === 301)!;
    assert.ok(Math.abs(r301.score - (0.5 + p301)) < 1e-9);
    assert.equal(r301.source, p301 > 0.5 ? 'popular' : 'social');
  });

  test('diversity: at most maxPerCategory items of a category before the next round', async () => {
    // content 1: 203 = 1, 201 = 1.1/1.35 = 0.814815; social 0.5: 301 = 0.5, 302 = 0.25; replenishment 101 = 1.5.
    const free = await blend(ws, await context(ws, ONLY({ replenishment: 1.5, social: 0.5, content: 1, }) ), [1]);
    assert.deepEqual(free.map((r) => r.item_id), [101, 203, 201, 301, 302]);
    // One per category per round: round 1 = 101 (10), 203 (20), 301 (30); round 2 = 201, 302.
    const diverse = await blend(ws, await context(ws, { ...ONLY({ replenishment: 1.5, social: 0.5, content: 1 }), maxPerCategory: 1 }), [1]);
    assert.deepEqual(diverse.map((r) => r.item_id), [101, 203, 301, 201, 302]);
  });

  test('cold start: a user without history gets the popular items of the predicted segment', async () => {
    const ctx = await context(ws);
    const rows = await blend(ws, ctx, [9]);
    // 602: 0.1 x 1.5/1.5 = 0.1;  601: 0.1 x 1/1.5 = 0.066667
    assert.deepEqual(rows.map((r) => [r.item_id, Number(r.score.toFixed(6)), r.source]), [[602, 0.1, 'popular'], [601, 0.066667, 'popular']]);
    assert.equal(rows[0]!.reason_en, 'popular with women aged 25-34');
    assert.equal(rows[0]!.reason_zh, '25-34岁女性用户中的热门');
  });

  test('opt-out of personalisation: the global popular list only, no history read', async () => {
    const ctx = await context(ws);
    const rows = await blend(ws, ctx, [], [10]);
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.source === 'popular' && r.reason_en === 'popular right now' && r.reason_zh === '当下热门'));
    // Not filtered by their own purchases (that would read their history): 101, which user 10 bought, is there.
    assert.ok(rows.some((r) => r.item_id === 101));
    // The same list as another opted-out user with a different history.
    const other = await blend(ws, ctx, [], [3]);
    assert.deepEqual(other.map((r) => r.item_id), rows.map((r) => r.item_id));
  });

  test('config: defaults, merging and refusals', () => {
    const c = resolveRecsConfig({ weights: { social: 2 }, content: { brand: 1 } });
    assert.equal(c.weights.social, 2);
    assert.equal(c.weights.itemcf, 1);
    assert.equal(c.content.brand, 1);
    assert.equal(c.content.topCategories, 5);
    assert.equal(c.topN, 50);
    assert.equal(c.maxPerCategory, 3);
    assert.throws(() => resolveRecsConfig({ weights: { social: -1 } }), /weights\.social/);
    assert.throws(() => resolveRecsConfig({ nope: 1 } as unknown as RecsConfigInput), PortraitError);
  });

  test('serving: train, point read, unknown user, export without users who refused targeting', async () => {
    const { ws: fresh, done } = await (async () => {
      const t = tempDir();
      const w = await Workspace.init(join(t.dir, 'ws'));
      return { ws: w, done: async () => { await w.close(); t.cleanup(); } };
    })();
    try {
      await assert.rejects(recommendationsFor(fresh, 1, 5), /not been trained/);
      await fixture(fresh);
      const report = await trainRecommendations(fresh, { asOf: AS_OF });
      assert.ok(report.users >= 10);
      const stored = await fresh.wh.query<{ user_id: number; rank: number; item_id: number }>('SELECT user_id, rank, item_id FROM user_recommendations');
      // Stored in user order, ranks 1..n with no gap.
      const keys = stored.map((r) => Number(r.user_id) * 1000 + Number(r.rank));
      assert.deepEqual(keys, [...keys].sort((a, b) => a - b));
      const one = await recommendationsFor(fresh, 1, 3);
      assert.equal(one.recommendations.length, 3);
      assert.deepEqual(one.recommendations.map((r) => r.rank), [1, 2, 3]);
      assert.deepEqual(one.recommendations.map((r) => r.item_id), stored.filter((r) => Number(r.user_id) === 1).slice(0, 3).map((r) => Number(r.item_id)));
      const due = (await recommendationsFor(fresh, 1, 50)).recommendations.find((r) => r.item_id === 101);
      assert.equal(due?.source, 'replenishment');
      assert.equal(due?.reason_en, 'you buy this about every 30 days; due in 4 days');
      assert.equal((await recommendationsFor(fresh, 424242, 5)).recommendations.length, 0);
      // Nothing user 1 bought that is not a consumable, nothing in the gift's category.
      const forOne = (await recommendationsFor(fresh, 1, 50)).recommendations.map((r) => r.item_id);
      assert.ok(!forOne.includes(202) && !forOne.includes(501));

      const out = join(dir, 'recs.csv');
      const members = { sql: 'SELECT CAST(unnest([1, 9, 10, 11]) AS BIGINT) AS user_id', params: [] };
      const exported = await exportRecommendations(fresh, members, out, { n: 2, minSize: 1 });
      assert.equal(exported.optedOut, 1);
      assert.equal(exported.users, 3);
      const lines = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(lines[0], 'user_id,rank,item_id,score,source,reason_en,reason_zh');
      const users = new Set(lines.slice(1).map((l) => Number(l.split(',')[0])));
      assert.deepEqual([...users].sort((a, b) => a - b), [1, 9, 10]);
      assert.equal(lines.length - 1, exported.rows);
      const audit = await listAudit(fresh, { action: 'export' });
      assert.deepEqual(
        audit.map((a) => [a.subject, a.rows, a.file, a.details.users, a.details.opted_out]),
        [['recommendations: audience', exported.rows, out, 3, 1]],
      );
      await assert.rejects(exportRecommendations(fresh, members, join(dir, 'small.csv'), { minSize: 4 }), /at least 4/);
      assert.equal((await listAudit(fresh, { action: 'export' })).length, 1);

      // The command: portrait recs for 1 --n 2 --json
      let printed = '';
      const saved = io.out;
      io.out = (text) => void (printed += text);
      try {
        const program = new Command().exitOverride().option('--workspace <dir>');
        registerRecsCommands(program);
        await fresh.close();
        await program.parseAsync(['node', 'portrait', '--workspace', join(fresh.paths.dir), 'recs', 'for', '1', '--n', '2', '--json']);
      } finally {
        io.out = saved;
      }
      const json = JSON.parse(printed) as { userId: number; recommendations: { item_id: number; source: string }[] };
      assert.equal(json.userId, 1);
      assert.deepEqual(json.recommendations.map((r) => r.item_id), one.recommendations.slice(0, 2).map((r) => r.item_id));
    } finally {
      await done().catch(() => undefined);
    }
  });
});

describe('recommendations on a synthetic world', () => {
  let ws: Workspace;
  let cleanup: () => void;

  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    ws = await Workspace.init(join(t.dir, 'ws'));
    await synthesize(ws, resolveSynthOptions({ users: 500, seed: 7 }));
    await runBuild(ws);
    // Chunks of 150 users (4 chunks): the chunked training must give every user the same as one statement would.
    await trainRecommendations(ws, { config: { chunkUsers: 150 } });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('every user with history gets recommendations with a source and reasons in both languages', async () => {
    const [missing] = await ws.wh.query<{ n: number }>(`SELECT count(DISTINCT user_id) AS n FROM events
      WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL AND user_id NOT IN (SELECT user_id FROM user_recommendations)`);
    assert.equal(Number(missing!.n), 0);
    const bad = await ws.wh.query(`SELECT * FROM user_recommendations
      WHERE reason_en IS NULL OR reason_zh IS NULL OR length(reason_en) < 5 OR source NOT IN ('replenishment', 'itemcf', 'usercf', 'social', 'content', 'popular')`);
    assert.equal(bad.length, 0);
    const sources = await ws.wh.query<{ source: string }>('SELECT DISTINCT source FROM user_recommendations');
    for (const s of ['itemcf', 'usercf', 'popular']) assert.ok(sources.some((r) => r.source === s), s);
    const viewed = await ws.wh.query<{ reason_en: string }>(`SELECT reason_en FROM user_recommendations WHERE source = 'itemcf' LIMIT 1`);
    assert.match(viewed[0]!.reason_en, /^because you viewed /);
  });

  test('training scores item-CF and user-CF in JavaScript exactly as the algorithms\' SQL', async () => {
    // sources/cfscore.ts (training) against recommendSql (the SQL blend): same items, ranks, scores and evidence.
    const config = resolveRecsConfig({});
    const raw = await workspaceInteractions(ws.wh, { asOf: (await ws.wh.query<{ t: Date }>('SELECT max(ts) AS t FROM events'))[0]!.t, weights: config.behaviour });
    await ws.wh.run(`CREATE OR REPLACE TABLE cf_check_interactions AS ${raw.sql}`, raw.params);
    const rel = { sql: 'SELECT user_id, item_id, ts, weight FROM cf_check_interactions', params: [] };
    for (const [name, algorithm] of [['itemcf', itemcf], ['usercf', usercf]] as const) {
      const model = await algorithm.train(ws.wh, rel, { prefix: `cf_check_${name}`, neighbours: 20, historyCap: 100, useWeights: true });
      await ws.wh.run('CREATE OR REPLACE TABLE cf_check_users AS SELECT DISTINCT user_id FROM cf_check_interactions WHERE user_id % 3 = 0');
      await ws.wh.run('CREATE OR REPLACE TABLE cf_check_js (user_id BIGINT, item_id BIGINT, score DOUBLE, ev_item BIGINT, ev_n DOUBLE)');
      const n = await scoreCollaborative(ws.wh, model, 'cf_check_users', 30, 'cf_check_js');
      const sql = algorithm.recommendSql(model, { sql: 'SELECT user_id FROM cf_check_users', params: [] }, 30, 'training');
      const [diff] = await ws.wh.query<{ sql_rows: number; differ: number }>(
        `WITH s AS (SELECT * FROM (${sql.sql})),
         j AS (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY round(score, 9) DESC, item_id) AS rank FROM cf_check_js)
         SELECT (SELECT count(*) FROM s) AS sql_rows, (SELECT count(*) FROM (
           SELECT user_id, item_id, rank, round(score, 9), evidence_item_id, evidence_count FROM s
           EXCEPT ALL SELECT user_id, item_id, rank, round(score, 9), ev_item, ev_n FROM j)) AS differ`,
        sql.params,
      );
      assert.ok(Number(diff!.sql_rows) > 1000, name);
      assert.equal(n, Number(diff!.sql_rows), name);
      assert.equal(Number(diff!.differ), 0, name);
    }
  });

  test('the profile card shows the user\'s top 5 recommendations', async () => {
    const [user] = await ws.wh.query<{ user_id: number }>('SELECT min(user_id) AS user_id FROM user_recommendations');
    const card = await profileCard(ws, Number(user!.user_id));
    const top = (await recommendationsFor(ws, Number(user!.user_id), 5)).recommendations;
    assert.equal(card.recommendations.length, 5);
    assert.deepEqual(card.recommendations, top);
  });

  test('no bought non-consumable, no gift category, diversity in the top 20', async () => {
    const [bought] = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM user_recommendations r
      JOIN items i ON i.item_id = r.item_id AND NOT coalesce(i.consumable, false)
      WHERE r.source <> 'replenishment'
        AND r.user_id NOT IN (SELECT user_id FROM consents WHERE purpose = 'personalisation' AND NOT allowed)
        AND EXISTS (SELECT 1 FROM events e WHERE e.user_id = r.user_id AND e.item_id = r.item_id AND e.type = 'buy')`);
    assert.equal(Number(bought!.n), 0);
    const [gift] = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM user_recommendations r JOIN items i USING (item_id)
      JOIN gift_purchases g ON g.user_id = r.user_id AND g.category_id = i.category_id`);
    assert.equal(Number(gift!.n), 0);
    // The first round (up to 3 per category) is what the stored list holds of each category up to 3; where it
    // reaches 20 items, the top 20 has at most 3 of any category.
    const [over] = await ws.wh.query<{ n: number; users: number }>(`WITH t AS (SELECT r.user_id, r.rank, i.category_id FROM user_recommendations r JOIN items i USING (item_id)),
      per AS (SELECT user_id, category_id, count(*) AS n FROM t GROUP BY ALL),
      wide AS (SELECT user_id FROM per GROUP BY user_id HAVING sum(least(n, 3)) >= 20)
      SELECT (SELECT count(*) FROM wide) AS users, count(*) AS n FROM (SELECT user_id, category_id FROM t WHERE rank <= 20 AND user_id IN (SELECT user_id FROM wide) GROUP BY ALL HAVING count(*) > 3)`);
    assert.ok(Number(over!.users) > 100);
    assert.equal(Number(over!.n), 0);
  });

  test('workspace evaluation: as of the cut in a copy, the workspace untouched, metrics over the new items', async () => {
    const snapshot = async () =>
      (await ws.wh.query<Record<string, unknown>>(`SELECT (SELECT count(*) FROM user_recommendations) AS recs,
        (SELECT sum(hash(user_id, rank, item_id)) FROM user_recommendations) AS recs_hash,
        (SELECT max(as_of) FROM recommendation_builds) AS recs_as_of, (SELECT count(*) FROM tag_values) AS tags`))[0];
    const before = await snapshot();
    const r = await evaluateWorkspace(ws, { fraction: 0.75, k: 10, runs: ['blend', 'itemcf', 'popular'] });
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(readdirSync(ws.paths.tmp).filter((f) => f.startsWith('recs-evaluate')), []);

    // The cut is the interaction timestamp at the 75% quantile; relevant = new (user, item) pairs after it of
    // users with history before it.
    const [d] = await ws.wh.query<Record<string, number>>(
      `WITH i AS (SELECT user_id, item_id, ts FROM events WHERE type IN ('pv', 'fav', 'cart', 'buy') AND item_id IS NOT NULL),
       b AS (SELECT DISTINCT user_id, item_id FROM i WHERE ts <= CAST($1 AS TIMESTAMP)),
       a AS (SELECT DISTINCT user_id, item_id FROM i WHERE ts > CAST($1 AS TIMESTAMP)),
       rel AS (SELECT * FROM a WHERE user_id IN (SELECT user_id FROM b) EXCEPT SELECT * FROM b)
       SELECT (SELECT count(*) FROM i WHERE ts <= CAST($1 AS TIMESTAMP)) AS train, (SELECT count(*) FROM i) AS total,
              (SELECT count(*) FROM rel) AS relevant, (SELECT count(DISTINCT user_id) FROM rel) AS users,
              (SELECT count(DISTINCT item_id) FROM b) AS items`,
      [r.cut],
    );
    assert.ok(Math.abs(Number(d!.train) / Number(d!.total) - 0.75) < 0.01);
    assert.deepEqual(r.data, {
      trainInteractions: Number(d!.train),
      testInteractions: Number(d!.total) - Number(d!.train),
      evaluatedUsers: Number(d!.users),
      relevantItems: Number(d!.relevant),
      trainItems: Number(d!.items),
    });
    assert.deepEqual(r.results.map((x) => x.run), ['blend', 'itemcf', 'popular']);
    for (const x of r.results) {
      assert.equal(x.metrics.users, r.data.evaluatedUsers);
      assert.equal(x.hits, Math.round(x.metrics.hitRate * x.metrics.users));
    }
    const hit = (run: string) => r.results.find((x) => x.run === run)!.metrics.hitRate;
    // Item-CF is personal; popularity within a segment is not: on this world it must do clearly better.
    assert.ok(hit('itemcf') > 1.5 * hit('popular'), `itemcf ${hit('itemcf')} vs popular ${hit('popular')}`);
  });

  test('workspace evaluation: single-source runs switch the other sources off and lift the diversity limit', async () => {
    assert.deepEqual(runConfig('social', { topN: 30 }), {
      topN: 30,
      weights: { replenishment: 0, itemcf: 0, usercf: 0, social: 1, content: 0, popular: 0 },
      maxPerCategory: 20,
    });
    assert.deepEqual(runConfig('blend', { topN: 30 }), { topN: 30 });
    await assert.rejects(evaluateWorkspace(ws, { fraction: 1 }), /fraction between 0 and 1/);
    const cli = await runCli(['-w', ws.paths.dir, 'recs', 'evaluate', '--split', 'leave-last-out']);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /splits by time/);
    const mixed = await runCli(['-w', ws.paths.dir, 'recs', 'evaluate', '--neighbours', '5']);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /--neighbours applies to file evaluations/);
  });
});
