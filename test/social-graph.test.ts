import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { renderSvg } from '../src/report/svg.js';
import {
  buildSocialGraph,
  communitySummaries,
  evaluateSocial,
  friendsSql,
  kolGraph,
  kolRanking,
  socialBenchStages,
  socialBuildInfo,
  type SocialBuildReport,
} from '../src/social/index.js';
import { kolGraphOption } from '../src/social/charts.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempWorkspace } from './helpers.js';

// ---- the hand-computed fixture ----
//
// Times are minutes after 2017-11-25 00:00; the newest event (t10000) is the as-of.
//
// Influence graph (follows and shares; a -> b = a gives attention to b), as of t10000:
//   follows 1 -> 2, 3 -> 2, 2 -> 1; 1 shared with 4 twice and 2 with 4 once: edges 4 -> 1 (weight 2), 4 -> 2 (1).
//   Left out: a self-follow (5), a follow after as-of (6 -> 2), an invite (9 -> 10: not a default kind).
//   PageRank, alpha 0.85, 4 nodes, teleport 0.15 / 4 = 0.0375, no dangling node:
//     pr3 = pr4 = 0.0375
//     pr1 = 0.0375 + 0.85 (pr2 + 2/3 pr4) = 0.05875 + 0.85 pr2
//     pr2 = 0.0375 + 0.85 (pr1 + pr3 + 1/3 pr4) = 0.08 + 0.85 pr1
//     => pr1 = 0.12675 / 0.2775, pr2 = 0.08 + 0.85 pr1 (they sum to 1 with pr3 and pr4); reach = 4 x pr.
// Conversions (buy events): 2 is referrer of 10 (20) and 11 (30, 40); 2's own buy through its own link
//   does not count; 16 only viewed through 2. User 1 made content 500 and live stream 600: 12 bought
//   through both (15, 25), 13 through the stream (35), 14 through the stream with 1 as referrer too (45,
//   one buy credited once); 1's own buy in its stream does not count. 7 referred 15 (50) and 17 (no
//   amount: item 900 at 12.5 x 2 = 25).
//   1: buyers {12, 13, 14} = 3 (referred 1, content 3), GMV 120;  2: buyers 2, GMV 90;  7: buyers 2, GMV 75.
// Score (weight 0.5; max reach = reach2, max buyers = 3):
//   1: 0.5 pr1/pr2 + 0.5;  2: 0.5 + 0.5 x 2/3;  7: 0.5 x 2/3;  3 and 4: 0.5 x 0.0375 / pr2.
//   Ranks: 1, 2, 7, 3, 4. Tiers with kolReach 1.85 and kocReach 1: 2 is a KOL (reach 1.873), 1 a KOC
//   (reach 1.827, 3 buyers), 7 has no reach.
//
// Friend graph: triangles {101, 102, 103} and {104, 105, 106} joined by 103 - 104, and the pair {107, 108}
//   (101 - 102 stored both ways counts once; a self-loop and an edge after as-of are left out).
//   m = 8: Louvain finds the three groups, modularity 2 (3/8 - (7/16)^2) + 1/8 - (2/16)^2 = 0.4765625.
//   Numbered by size, then smallest user: {101..103} = 1, {104..106} = 2, {107, 108} = 3.
// Community portraits (declared attributes, as-of day 2017-12-01):
//   1: 101 F 27 (25-34), 102 F 22 (18-24), 103 M no birthday: women 2/3; interests top 1 (3 interactions) 75%,
//      top 2 (1) 25%; orders 70 + 10 + 20: 2 buyers, 3 orders, spend 100.
//   2: 104 M 37 (35-44), 105 no gender 47 (45-54), 106 F 17 (<18): women 1/2; interest top 2 100%; an order
//      after as-of does not count.
//   3: 107, 108 not in users: nothing known.

const BASE = Date.parse('2017-11-25T00:00:00Z');
const at = (minute: number) => new Date(BASE + minute * 60_000);
const PR1 = 0.12675 / 0.2775;
const PR2 = 0.08 + 0.85 * PR1;
const OPTIONS = { influence: { kolReach: 1.85, kocReach: 1 } };

async function seed(ws: Workspace): Promise<void> {
  const { wh } = ws;
  const edge = (src: number, dst: number, kind: string, minute: number) =>
    wh.run('INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts) VALUES ($1, $2, $3, $4)', [src, dst, kind, at(minute)]);
  await edge(1, 2, 'follow', 1);
  await edge(3, 2, 'follow', 1);
  await edge(2, 1, 'follow', 1);
  await edge(1, 4, 'share', 2);
  await edge(1, 4, 'share', 3);
  await edge(2, 4, 'share', 2);
  await edge(5, 5, 'follow', 1);
  await edge(6, 2, 'follow', 20_000);
  await edge(9, 10, 'invite', 1);
  for (const [a, b, minute] of [[101, 102, 1], [102, 101, 2], [101, 103, 1], [102, 103, 1], [103, 104, 1], [104, 105, 1], [104, 106, 1], [105, 106, 1], [107, 108, 1], [105, 105, 1], [101, 106, 20_000]] as const) {
    await edge(a, b, 'friend', minute);
  }
  await wh.run("INSERT INTO content (content_id, creator_id, kind) VALUES (500, 1, 'graphic')");
  await wh.run('INSERT INTO live_streams (live_id, creator_id, started_at) VALUES (600, 1, $1)', [at(0)]);
  await wh.run('INSERT INTO items (item_id, category_id, price) VALUES (900, 21, 12.5), (800, 111, 3)');
  await wh.run(`INSERT INTO categories (category_id, parent_id, name, level) VALUES
    (1, NULL, 'Womenswear', 1), (11, 1, 'Dresses', 2), (111, 11, 'Summer dresses', 3), (2, NULL, 'Digital', 1), (21, 2, 'Phones', 2)`);
  let id = 1;
  const event = (user: number, minute: number, type: string, f: { referrer?: number; content?: number; live?: number; amount?: number; item?: number; quantity?: number; category?: number } = {}) =>
    wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, referrer_user_id, content_id, live_id, amount, item_id, quantity, category_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [id++, user, at(minute), type, f.referrer ?? null, f.content ?? null, f.live ?? null, f.amount ?? null, f.item ?? null, f.quantity ?? null, f.category ?? null],
    );
  await event(10, 100, 'buy', { referrer: 2, amount: 20 });
  await event(11, 110, 'buy', { referrer: 2, amount: 30 });
  await event(11, 120, 'buy', { referrer: 2, amount: 40 });
  await event(2, 125, 'buy', { referrer: 2, amount: 999 });
  await event(16, 130, 'pv', { referrer: 2 });
  await event(12, 140, 'buy', { content: 500, amount: 15 });
  await event(12, 150, 'buy', { live: 600, amount: 25 });
  await event(13, 160, 'buy', { live: 600, amount: 35 });
  await event(14, 170, 'buy', { referrer: 1, live: 600, amount: 45 });
  await event(1, 175, 'buy', { live: 600, amount: 500 });
  await event(15, 180, 'buy', { referrer: 7, amount: 50 });
  await event(17, 190, 'buy', { referrer: 7, item: 900, quantity: 2 });
  await event(101, 200, 'pv', { category: 111 });
  await event(101, 201, 'pv', { category: 111 });
  await event(102, 202, 'pv', { category: 21 });
  await event(103, 203, 'cart', { item: 800 });
  await event(104, 204, 'pv', { category: 2 });
  await event(999, 10_000, 'login');
  await wh.run(`INSERT INTO users (user_id, gender, birth_date) VALUES
    (101, 'female', DATE '1990-06-01'), (102, 'female', DATE '1995-01-01'), (103, 'male', NULL),
    (104, 'male', DATE '1980-01-01'), (105, NULL, DATE '1970-01-01'), (106, 'female', DATE '2000-01-01')`);
  const order = (orderId: number, user: number, minute: number, amount: number) =>
    wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount) VALUES ($1, $2, 1, $3, $4)', [orderId, user, at(minute), amount]);
  await order(1, 101, 200, 70);
  await order(2, 102, 210, 10);
  await order(3, 102, 220, 20);
  await order(4, 104, 20_000, 5);
}

const close = (a: number | null | undefined, b: number, msg?: string) => assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${msg ?? ''}: ${a} != ${b}`);

describe('social graph of a hand-computed fixture', () => {
  let ws: Workspace;
  let dir: string;
  let done: () => Promise<void>;
  let report: SocialBuildReport;
  before(async () => {
    ({ ws, dir, done } = await tempWorkspace());
    await seed(ws);
    report = await buildSocialGraph(ws, OPTIONS);
  });
  after(async () => done());

  test('the friend relation: both directions, once, without self-loops or later edges', async () => {
    const rows = await ws.wh.query<{ user_id: number; friend_id: number }>(`SELECT * FROM (${friendsSql('$1')}) f ORDER BY 1, 2`, [at(10_000)]);
    const pairs = rows.map((r) => [Number(r.user_id), Number(r.friend_id)]);
    assert.equal(pairs.length, 16, 'eight friendships, both ways');
    assert.deepEqual(pairs.filter(([u]) => u === 101), [[101, 102], [101, 103]]);
    assert.deepEqual(pairs.filter(([u]) => u === 105), [[105, 104], [105, 106]]);
    const some = await ws.wh.query<{ user_id: number; friend_id: number }>(`SELECT * FROM (${friendsSql('$1', 'SELECT 104 AS user_id')}) f ORDER BY 2`, [at(10_000)]);
    assert.deepEqual(some.map((r) => [Number(r.user_id), Number(r.friend_id)]), [[104, 103], [104, 105], [104, 106]]);
  });

  test('the build report', () => {
    assert.deepEqual([report.influence.nodes, report.influence.edges, report.influence.rows], [4, 5, 5]);
    assert.deepEqual([report.communities.nodes, report.communities.edges, report.communities.communities], [8, 8, 3]);
    close(report.communities.modularity, 0.4765625, 'modularity');
    assert.equal(report.asOf.getTime(), at(10_000).getTime());
  });

  test('PageRank reach, conversions, score, rank and tier', async () => {
    const ranking = await kolRanking(ws, { top: 10 });
    assert.deepEqual(ranking.top.map((r) => r.userId), [1, 2, 7, 3, 4]);
    assert.deepEqual([ranking.ranked, ranking.kols, ranking.kocs], [5, 1, 1]);
    const [u1, u2, u7, u3, u4] = ranking.top;
    close(u1!.pagerank, PR1, 'pr1');
    close(u2!.pagerank, PR2, 'pr2');
    close(u3!.pagerank, 0.0375, 'pr3');
    close(u4!.reach, 0.15, 'reach4');
    close(u2!.reach, 4 * PR2, 'reach2');
    close(u1!.score, 0.5 * (PR1 / PR2) + 0.5, 'score1');
    close(u2!.score, 0.5 + 0.5 * (2 / 3), 'score2');
    close(u7!.score, 0.5 * (2 / 3), 'score7');
    close(u3!.score, 0.5 * (0.0375 / PR2), 'score3');
    assert.deepEqual(
      ranking.top.map((r) => [r.userId, r.followers, r.shareRecipients, r.referredUsers, r.buyers, r.referredBuyers, r.contentBuyers, r.gmv, r.tier]),
      [
        [1, 1, 1, 1, 3, 1, 3, 120, 'koc'],
        [2, 2, 1, 3, 2, 2, 0, 90, 'kol'],
        [7, 0, 0, 2, 2, 2, 0, 75, null],
        [3, 0, 0, 0, 0, 0, 0, 0, null],
        [4, 0, 0, 0, 0, 0, 0, 0, null],
      ],
    );
    const top2 = await kolRanking(ws, { top: 2 });
    assert.deepEqual(top2.top.map((r) => r.userId), [1, 2]);
  });

  test('communities: Louvain groups, numbering, degrees', async () => {
    const rows = await ws.wh.query<{ user_id: number; community: number; friends: number }>('SELECT * FROM social_communities ORDER BY user_id');
    assert.deepEqual(
      rows.map((r) => [Number(r.user_id), Number(r.community), Number(r.friends)]),
      [[101, 1, 2], [102, 1, 2], [103, 1, 3], [104, 2, 3], [105, 2, 2], [106, 2, 2], [107, 3, 1], [108, 3, 1]],
    );
  });

  test('community portraits: size, friendships inside, gender, age bands, interests, spend', async () => {
    const r = await communitySummaries(ws);
    assert.deepEqual([r.communities, r.users, r.minSize], [3, 8, 2]);
    assert.deepEqual(r.sources, { demographics: 'declared', interests: 'interactions' });
    const [c1, c2, c3] = r.shown;
    assert.deepEqual([c1!.size, c1!.friendshipsInside, c1!.women, c1!.men, c1!.genderUnknown], [3, 3, 2, 1, 0]);
    close(c1!.insideShare, 6 / 7, 'inside share');
    close(c1!.womenShare, 2 / 3, 'women');
    assert.deepEqual(c1!.ageBands, [{ band: '18-24', users: 1 }, { band: '25-34', users: 1 }, { band: 'unknown', users: 1 }]);
    assert.deepEqual(c1!.topCategories, [{ categoryId: 1, name: 'Womenswear', share: 0.75 }, { categoryId: 2, name: 'Digital', share: 0.25 }]);
    assert.deepEqual([c1!.buyers, c1!.orders, c1!.spend], [2, 3, 100]);
    close(c1!.spendPerMember, 100 / 3, 'spend per member');
    assert.deepEqual([c2!.women, c2!.men, c2!.genderUnknown, c2!.womenShare], [1, 1, 1, 0.5]);
    assert.deepEqual(c2!.ageBands.map((b) => b.band), ['<18', '35-44', '45-54']);
    assert.deepEqual(c2!.topCategories, [{ categoryId: 2, name: 'Digital', share: 1 }]);
    assert.deepEqual([c2!.buyers, c2!.spend], [0, 0]);
    assert.deepEqual([c3!.size, c3!.womenShare, c3!.insideShare, c3!.topCategories.length], [2, null, 1, 0]);
    assert.deepEqual(c3!.ageBands, [{ band: 'unknown', users: 2 }]);
    const big = await communitySummaries(ws, { minSize: 3, top: 1 });
    assert.deepEqual([big.communities, big.users, big.shown.map((c) => c.community)], [2, 6, [1]]);
  });

  test('community portraits use the gender and age_band tags when built', async () => {
    await ws.wh.run('CREATE TABLE tag_values (tag VARCHAR, user_id BIGINT, txt VARCHAR)');
    try {
      await ws.wh.run("INSERT INTO tag_values VALUES ('gender', 105, 'female'), ('age_band', 107, '25-34')");
      const r = await communitySummaries(ws);
      assert.equal(r.sources.demographics, 'tags');
      assert.deepEqual([r.shown[1]!.women, r.shown[1]!.genderUnknown], [2, 0]);
      assert.deepEqual(r.shown[2]!.ageBands, [{ band: '25-34', users: 1 }, { band: 'unknown', users: 1 }]);
    } finally {
      await ws.wh.run('DROP TABLE tag_values');
    }
  });

  test('the KOL graph: who the top users reached, and who bought through them', async () => {
    const g = await kolGraph(ws, { top: 2, perKol: 10 });
    assert.deepEqual(g.kols.map((k) => [k.userId, k.rank, k.tier]), [[1, 1, 'koc'], [2, 2, 'kol']]);
    const links = g.links.map((l) => `${l.kol}>${l.user}:${l.kind}${l.bought ? ':bought' : ''}`).sort();
    assert.deepEqual(links, ['1>14:referred:bought', '1>2:follow', '1>4:share', '2>1:follow', '2>10:referred:bought', '2>11:referred:bought', '2>16:referred', '2>3:follow', '2>4:share'].sort());
    assert.deepEqual(g.users, [{ userId: 3, bought: false }, { userId: 4, bought: false }, { userId: 10, bought: true }, { userId: 11, bought: true }, { userId: 14, bought: true }, { userId: 16, bought: false }]);
    const option = kolGraphOption(g, 'en');
    const series = (option.series as { data: { id: string; category: number }[]; links: unknown[] }[])[0]!;
    assert.equal(series.data.length, 2 + 6, 'the two ranked users and the six they reached');
    assert.deepEqual(series.data.filter((d) => d.category === 3).map((d) => d.id).sort(), ['10', '11', '14']);
    assert.equal(series.links.length, 9);
    assert.match(renderSvg(option, 500, 400), /^<svg/);
  });

  test('the same data and options give the same tables; the build replaces them whole', async () => {
    const snapshot = async () =>
      JSON.stringify([
        await ws.wh.query('SELECT * FROM social_influence ORDER BY rank'),
        await ws.wh.query('SELECT * FROM social_communities ORDER BY user_id'),
      ]);
    const first = await snapshot();
    await buildSocialGraph(ws, OPTIONS);
    assert.equal(await snapshot(), first);
    const leftovers = await ws.wh.query<{ t: string }>("SELECT table_name AS t FROM duckdb_tables() WHERE table_name LIKE 'social%' ORDER BY 1");
    assert.deepEqual(leftovers.map((r) => r.t), ['social_builds', 'social_communities', 'social_edges', 'social_influence']);
    const info = await socialBuildInfo(ws.wh);
    assert.deepEqual(info?.options.influence.kinds, ['follow', 'share']);
    // With invites the graph gains 9 and 10.
    const wider = await buildSocialGraph(ws, { influence: { kinds: ['follow', 'share', 'invite'] } });
    assert.equal(wider.influence.nodes, 6);
    await buildSocialGraph(ws, OPTIONS);
  });

  test('the bench stages run and count what they handled', async () => {
    const results: Record<string, Record<string, number>> = {};
    for (const stage of socialBenchStages) results[stage.name] = await stage.run(ws);
    assert.deepEqual([results['social-build']!.rows, results['social-build']!.friendEdges, results['social-build']!.influenceEdges], [13, 8, 5]);
    assert.deepEqual(results['social-read'], { rows: 5, communities: 0 });
    assert.deepEqual(results.spread, { rows: 0, campaigns: 0, depth: 0 });
    await buildSocialGraph(ws, OPTIONS);
  });

  test('bad options and a missing build are clear errors', async () => {
    await assert.rejects(buildSocialGraph(ws, { influence: { alpha: 1.5 } }), (e: unknown) => e instanceof PortraitError && /social build: influence\.alpha/.test(e.message));
    await assert.rejects(buildSocialGraph(ws, { influence: { kinds: [] } }), (e: unknown) => e instanceof PortraitError && /influence\.kinds/.test(e.message));
    const empty = await tempWorkspace();
    try {
      await assert.rejects(kolRanking(empty.ws), (e: unknown) => e instanceof PortraitError && /has not been built/.test(e.message) && /portrait social build/.test(e.hint ?? ''));
      await assert.rejects(buildSocialGraph(empty.ws), (e: unknown) => e instanceof PortraitError && /there are no events/.test(e.message));
    } finally {
      await empty.done();
    }
  });

  test('CLI: build, kol, communities; usage errors', async () => {
    const w = ['-w', join(dir, 'ws')];
    const build = await runCli([...w, 'social', 'build', '--kol-reach', '1.85', '--koc-reach', '1']);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /influence graph\s+4 users, 5 weighted edges/);
    assert.match(build.stdout, /modularity\s+0\.477/);
    const kol = await runCli([...w, 'social', 'kol', '--top', '3']);
    assert.equal(kol.code, 0, kol.stderr);
    assert.match(kol.stdout, /5 users ranked, 1 KOL, 1 KOC/);
    assert.match(kol.stdout, /\n\s+1\s+1\s+koc\s+0\.988\s+1\.8\s+1\s+1\s+1\s+3\s+1\s+3\s+120\.00/);
    assert.match(kol.stdout, /\n\s+2\s+2\s+kol\s+0\.833\s+1\.9\s+2\s+1\s+3\s+2\s+2\s+0\s+90\.00/);
    const json = JSON.parse((await runCli([...w, 'social', 'kol', '--json'])).stdout) as { top: { userId: number }[] };
    assert.deepEqual(json.top.map((r) => r.userId), [1, 2, 7, 3, 4]);
    const comm = await runCli([...w, 'social', 'communities', '--min-size', '3']);
    assert.equal(comm.code, 0, comm.stderr);
    assert.match(comm.stdout, /2 of at least 3 members, 6 users \(modularity 0\.477\)/);
    assert.match(comm.stdout, /\n\s+1\s+3\s+86%\s+67%\s+18-24 \(50%\)\s+Womenswear 75%, Digital 25%\s+2\s+100\.00\s+33\.33/);
    const bad = await runCli([...w, 'social', 'build', '--alpha', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--alpha.*strictly between 0 and 1/);
    const kinds = await runCli([...w, 'social', 'build', '--kinds', 'follow,likes']);
    assert.equal(kinds.code, 2);
    assert.match(kinds.stderr, /expected edge kinds from follow, share, invite/);
    const noTruth = await runCli([...w, 'social', 'evaluate']);
    assert.equal(noTruth.code, 1);
    assert.match(noTruth.stderr, /needs the ground truth of a synthetic world/);
  });
});

describe('social graph of a synthetic world against its truth', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await synthesize(ws, resolveSynthOptions({ users: 3000, days: 30, seed: 5 }));
    await buildSocialGraph(ws);
  });
  after(async () => done());

  test('the truth KOLs rank first and are labelled KOL; communities follow the homophily; spread trees match', async () => {
    const e = await evaluateSocial(ws);
    assert.ok(e.truth.kol >= 2);
    assert.deepEqual([e.ranking.kol.hits, e.ranking.kol.n], [e.truth.kol, e.truth.kol], 'every truth KOL in the top ranks');
    assert.deepEqual(e.ranking.kolRanks, { best: 1, worst: e.truth.kol, unranked: 0 });
    assert.equal(e.tiers.kol.precision, 1);
    assert.equal(e.tiers.kol.recall, 1);
    assert.equal(e.tiers.either.precision, 1, 'every user labelled KOL or KOC is a creator of those tiers');
    // Friends share city and taste group far more often than chance: so do communities.
    assert.ok(e.communities.blockPurity! > 2 * e.communities.blockPurityRandom!, JSON.stringify(e.communities));
    assert.ok(e.communities.friendshipsInside! > 0.6);
    assert.ok(e.communities.modularity! > 0.5);
    assert.deepEqual([e.spread.found, e.spread.sameParent, e.spread.sameLevel, e.spread.sameBought], [e.spread.invitees, e.spread.invitees, e.spread.invitees, e.spread.invitees]);
    const top = await evaluateSocial(ws, { top: 10 });
    assert.equal(top.ranking.kol.n, 10);
    close(top.ranking.kol.precision, e.truth.kol / 10, 'precision at 10');
  });
});
