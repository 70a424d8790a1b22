import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { listCampaigns, spreadTree, spreadTreeText, type SpreadTree } from '../src/social/index.js';
import { spreadLevelsOption, spreadTreeOption } from '../src/social/charts.js';
import { renderSvg } from '../src/report/svg.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempWorkspace } from './helpers.js';

// ---- the hand-computed campaign ----
//
// Times are minutes after 2017-11-25 00:00 (local wall clock). Campaign C1:
//   seed 1 invites 11 (t10) and 12 (t20); seed 2 invites 13 (t30) and 12 again (t40: 12 keeps parent 1);
//   user 3 invites 31 (t5) before 31 sends a referral back to 3 (t60): 3 started spreading on their own,
//   so 3 is a seed and 31 hangs below 3;
//   11 brings 21 (t100) through an invite_click event only (no edge); 13 shares with 22 (t50, a share edge).
//   A self-referral (1 -> 1) and campaign C2 (1 -> 99, t70) stay out of C1; an edge after as-of too.
// Tree: level 0 = {1, 2, 3}; level 1 = {11 <- 1, 12 <- 1, 13 <- 2, 31 <- 3}; level 2 = {21 <- 11, 22 <- 13}.
// New (registered within 1 day of being reached): 11 (t11), 13 (no registered_at; first event t30), 31 (t6),
//   21 (t101). Not new: the seeds and 12 (registered in 2016), 22 (registered 3 days after t50).
// Orders from when each entered (seeds: their first referral): 1 one order of 100 (t500); 11 one of 50;
//   12 one of 30 at t300 (its order at t5, before it was reached, does not count); 21 two orders: 10 + 5
//   (two lines of one order) at t150 and 20 at t160.
// Levels:  users new buyers orders  GMV | invitations brought    i     c     K
//   0        3    0    1      1     100 |      5         3       5/3   3/5   1
//   1        4    3    2      2      80 |      3         1       3/4   1/3   1/4
//   2        2    1    1      2      35 |      0         0       0     -     0
// Overall: 9 users, 8 invitations, 4 new users brought: i = 8/9, c = 1/2, K = 4/9.
// Reached (levels 1+): 6 users, 4 new, 3 buyers, 4 orders, GMV 115. Spend 200: 50 per new user, 50 per
//   order, 200/3 per buyer, GMV per unit spent 0.575.
// Sharers by downstream users: 1 (3: 11, 12, 21; direct 11, 12), 2 (2), then 3, 11, 13 (1 each, by id), 31 (0).

const BASE = Date.parse('2017-11-25T00:00:00Z');
const at = (minute: number) => new Date(BASE + minute * 60_000);
const AS_OF = at(10_000);

async function seedCampaign(ws: Workspace): Promise<void> {
  const { wh } = ws;
  const user = (id: number, registered: Date | null) => wh.run('INSERT INTO users (user_id, registered_at) VALUES ($1, $2)', [id, registered]);
  for (const id of [1, 2, 3]) await user(id, new Date('2017-01-01T00:00:00Z'));
  await user(11, at(11));
  await user(12, new Date('2016-05-01T00:00:00Z'));
  await user(13, null);
  await user(31, at(6));
  await user(21, at(101));
  await user(22, at(50 + 3 * 1440));
  await user(99, at(71));
  const edge = (src: number, dst: number, kind: string, minute: number, campaign: string | null) =>
    wh.run('INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts, campaign_id) VALUES ($1, $2, $3, $4, $5)', [src, dst, kind, at(minute), campaign]);
  await edge(1, 11, 'invite', 10, 'C1');
  await edge(1, 12, 'invite', 20, 'C1');
  await edge(2, 13, 'invite', 30, 'C1');
  await edge(2, 12, 'invite', 40, 'C1');
  await edge(3, 31, 'invite', 5, 'C1');
  await edge(31, 3, 'share', 60, 'C1');
  await edge(13, 22, 'share', 50, 'C1');
  await edge(1, 99, 'invite', 70, 'C2');
  await edge(12, 23, 'invite', 20_000, 'C1'); // after as-of
  await edge(1, 2, 'friend', 1, null); // not a referral
  let id = 1;
  const event = (userId: number, minute: number, type: string, referrer: number | null, campaign: string | null, amount: number | null = null) =>
    wh.run('INSERT INTO events (event_id, user_id, ts, type, referrer_user_id, properties, amount) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      id++,
      userId,
      at(minute),
      type,
      referrer,
      campaign === null ? null : JSON.stringify({ campaign_id: campaign }),
      amount,
    ]);
  await event(11, 10, 'invite_click', 1, 'C1'); // the same referral as the edge
  await event(13, 30, 'invite_click', 2, 'C1'); // 13's first event
  await event(21, 100, 'invite_click', 11, 'C1'); // the only evidence 11 brought 21
  await event(1, 12, 'pv', 1, 'C1'); // a self-referral
  await event(1, 9, 'share', null, 'C1');
  await event(1, 19, 'share', null, 'C1');
  await event(11, 95, 'share', null, 'C1');
  await event(12, 8, 'pv', null, null);
  const order = (orderId: number, userId: number, item: number, minute: number, amount: number) =>
    wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount) VALUES ($1, $2, $3, $4, $5)', [orderId, userId, item, at(minute), amount]);
  await order(1, 1, 500, 500, 100);
  await order(2, 11, 501, 200, 50);
  await order(3, 12, 502, 5, 99);
  await order(4, 12, 503, 300, 30);
  await order(5, 21, 504, 150, 10);
  await order(5, 21, 505, 150, 5);
  await order(6, 21, 506, 160, 20);
  // The same purchases as buy events (one event per order line), for the orders-less test.
  await event(1, 500, 'buy', null, null, 100);
  await event(11, 200, 'buy', null, null, 50);
  await event(12, 5, 'buy', null, null, 99);
  await event(12, 300, 'buy', null, null, 30);
  await event(21, 150, 'buy', null, null, 10);
  await event(21, 150, 'buy', null, null, 5);
  await event(21, 160, 'buy', null, null, 20);
  await event(2, 10_000, 'pv', null, null); // the newest event: the default as-of
}

const close = (a: number | null, b: number | null, msg?: string) => {
  if (a === null || b === null) return assert.equal(a, b, msg);
  assert.ok(Math.abs(a - b) < 1e-9, `${msg ?? ''} ${a} != ${b}`);
};

describe('spread tree of a hand-computed campaign', () => {
  let ws: Workspace;
  let dir: string;
  let done: () => Promise<void>;
  let tree: SpreadTree;
  before(async () => {
    ({ ws, dir, done } = await tempWorkspace());
    await seedCampaign(ws);
    tree = await spreadTree(ws, { campaign: 'C1', spend: 200 });
  });
  after(async () => done());

  test('as-of defaults to the newest event', () => {
    assert.deepEqual(tree.asOf, AS_OF);
    assert.equal(tree.orderSource, 'orders');
  });

  test('parents, levels, roots and who is new', () => {
    const nodes = new Map(tree.nodes.map((n) => [n.userId, n]));
    const expected: [number, number | null, number, number, boolean][] = [
      // user, parent, level, root, new
      [1, null, 0, 1, false], [2, null, 0, 2, false], [3, null, 0, 3, false],
      [11, 1, 1, 1, true], [12, 1, 1, 1, false], [13, 2, 1, 2, true], [31, 3, 1, 3, true],
      [21, 11, 2, 1, true], [22, 13, 2, 2, false],
    ];
    assert.equal(tree.nodes.length, expected.length);
    for (const [u, parent, level, root, isNew] of expected) {
      const n = nodes.get(u);
      assert.ok(n, `user ${u} in the tree`);
      assert.deepEqual([n.parent, n.level, n.root, n.isNew], [parent, level, root, isNew], `user ${u}`);
    }
    assert.equal(nodes.get(3)!.enteredAt.getTime(), at(5).getTime(), 'a seed enters with its first referral');
    assert.equal(nodes.get(12)!.enteredAt.getTime(), at(20).getTime(), 'reached by the earliest referral');
    assert.deepEqual([nodes.get(12)!.orders, nodes.get(12)!.gmv], [1, 30], 'the order before being reached does not count');
    assert.deepEqual([nodes.get(21)!.orders, nodes.get(21)!.gmv], [2, 35]);
    assert.deepEqual([nodes.get(2)!.invitations, nodes.get(31)!.invitations, nodes.get(12)!.invitations], [2, 1, 0]);
    assert.equal(nodes.get(1)!.shares, 2);
    assert.equal(nodes.get(11)!.shares, 1);
  });

  test('levels: users, new, buyers, orders, GMV, invitations and K = i x c', () => {
    const rows = tree.levels.map((l) => [l.level, l.users, l.newUsers, l.buyers, l.orders, l.gmv, l.invitations, l.newUsersBrought]);
    assert.deepEqual(rows, [
      [0, 3, 0, 1, 1, 100, 5, 3],
      [1, 4, 3, 2, 2, 80, 3, 1],
      [2, 2, 1, 1, 2, 35, 0, 0],
    ]);
    const [l0, l1, l2] = tree.levels;
    close(l0!.invitationsPerUser, 5 / 3);
    close(l0!.conversion, 3 / 5);
    close(l0!.kFactor, 1);
    close(l1!.invitationsPerUser, 3 / 4);
    close(l1!.conversion, 1 / 3);
    close(l1!.kFactor, 1 / 4);
    close(l2!.invitationsPerUser, 0);
    assert.equal(l2!.conversion, null);
    close(l2!.kFactor, 0);
    for (const l of tree.levels) if (l.invitationsPerUser !== null && l.conversion !== null) close(l.kFactor, l.invitationsPerUser * l.conversion, 'K = i x c');
  });

  test('overall K-factor, reach and costs', () => {
    assert.deepEqual([tree.seeds, tree.depth], [3, 2]);
    assert.deepEqual(tree.reached, { users: 6, newUsers: 4, buyers: 3, orders: 4, gmv: 115 });
    assert.deepEqual([tree.overall.users, tree.overall.invitations, tree.overall.newUsersBrought], [9, 8, 4]);
    close(tree.overall.invitationsPerUser, 8 / 9);
    close(tree.overall.conversion, 1 / 2);
    close(tree.overall.kFactor, 4 / 9);
    assert.ok(tree.costs);
    close(tree.costs.perNewUser, 50);
    close(tree.costs.perOrder, 50);
    close(tree.costs.perBuyer, 200 / 3);
    close(tree.costs.gmvPerSpend, 0.575);
    assert.equal(tree.firstReferral.getTime(), at(5).getTime());
    assert.equal(tree.lastReferral.getTime(), at(100).getTime());
  });

  test('sharers: direct and downstream contribution, by downstream users', () => {
    assert.deepEqual(tree.sharers.map((s) => s.userId), [1, 2, 3, 11, 13, 31]);
    assert.equal(tree.sharerCount, 6);
    const one = tree.sharers[0]!;
    assert.deepEqual(one.direct, { users: 2, newUsers: 1, buyers: 2, orders: 2, gmv: 80 });
    assert.deepEqual(one.downstream, { users: 3, newUsers: 2, buyers: 3, orders: 4, gmv: 115 });
    assert.deepEqual(tree.sharers[1]!.downstream, { users: 2, newUsers: 1, buyers: 0, orders: 0, gmv: 0 });
    assert.deepEqual(tree.sharers.find((s) => s.userId === 11)!.direct, { users: 1, newUsers: 1, buyers: 1, orders: 2, gmv: 35 });
    assert.deepEqual(tree.sharers.at(-1)!.downstream, { users: 0, newUsers: 0, buyers: 0, orders: 0, gmv: 0 });
  });

  test('--new-days widens who counts as new; --as-of cuts the tree', async () => {
    const wide = await spreadTree(ws, { campaign: 'C1', newWithinDays: 5 });
    assert.deepEqual(wide.levels.map((l) => l.newUsers), [0, 3, 2], '22 registered 3 days after being reached');
    const early = await spreadTree(ws, { campaign: 'C1', asOf: at(45) });
    assert.deepEqual(early.levels.map((l) => l.users), [3, 4]);
    assert.deepEqual(early.nodes.find((n) => n.userId === 31)!.invitations, 0, "31's referral back came at t60");
    assert.equal(early.reached.orders, 0, 'no order before t45 after being reached');
  });

  test('without orders, every buy event is an order', async () => {
    await ws.wh.run('CREATE TEMP TABLE saved_orders AS SELECT * FROM orders');
    await ws.wh.run('DELETE FROM orders');
    try {
      const t = await spreadTree(ws, { campaign: 'C1' });
      assert.equal(t.orderSource, 'buy events');
      assert.deepEqual(t.levels.map((l) => [l.orders, l.gmv]), [[1, 100], [2, 80], [3, 35]]);
    } finally {
      await ws.wh.run('INSERT INTO orders SELECT * FROM saved_orders');
      await ws.wh.run('DROP TABLE saved_orders');
    }
  });

  test('the campaign list', async () => {
    const list = await listCampaigns(ws);
    assert.deepEqual(
      list.campaigns.map((c) => [c.campaign, c.seeds, c.reached, c.newUsers, c.buyers, c.gmv, c.depth, c.invitations]),
      [
        ['C1', 3, 6, 4, 3, 115, 2, 8],
        ['C2', 1, 1, 1, 0, 0, 1, 1],
      ],
    );
    close(list.campaigns[0]!.kFactor, 4 / 9);
    close(list.campaigns[1]!.kFactor, 1 / 2);
  });

  test('the tree as CSV and JSON', () => {
    const csv = spreadTreeText(tree, 'csv').trim().split('\n');
    assert.equal(csv[0], 'user_id,parent,level,root,entered_at,new,bought,orders,gmv,invitations,shares,children,downstream_users,downstream_new,downstream_buyers,downstream_gmv');
    assert.equal(csv.length, 10);
    assert.ok(csv.includes('21,11,2,1,2017-11-25 01:40:00,true,true,2,35,0,0,0,0,0,0,0'), csv.join('\n'));
    assert.ok(csv.includes('1,,0,1,2017-11-25 00:10:00,false,true,1,100,2,2,2,3,2,3,115'));
    const json = JSON.parse(spreadTreeText(tree, 'json')) as { campaign: string; nodes: Record<string, unknown>[] };
    assert.equal(json.campaign, 'C1');
    assert.deepEqual(json.nodes.find((n) => n.user_id === 22), {
      user_id: 22, parent: 13, level: 2, root: 2, entered_at: '2017-11-25 00:50:00', new: false, bought: false, orders: 0, gmv: 0,
      invitations: 0, shares: 0, children: 0, downstream_users: 0, downstream_new: 0, downstream_buyers: 0, downstream_gmv: 0,
    });
  });

  test('charts: levels and tree options render to SVG', () => {
    const levels = spreadLevelsOption(tree, 'en');
    const series = levels.series as { name: string; data: (number | null)[] }[];
    assert.deepEqual(series.map((s) => s.name), ['Users', 'New users', 'Buyers', 'K-factor']);
    assert.deepEqual(series[0]!.data, [3, 4, 2]);
    assert.deepEqual(series[3]!.data, [1, 0.25, 0]);
    assert.match(renderSvg(levels, 600, 300), /^<svg/);
    const small = spreadTreeOption(tree, 'en', 4);
    const root = (small.series as { data: { name: string; children: { name: string; children?: { name: string }[] }[] }[] }[])[0]!.data[0]!;
    // Four users fit: the three seeds (largest subtree first: 1, 2, 3) and the largest level-1 subtree (11, under 1).
    assert.deepEqual(root.children.map((c) => c.name), ['1', '2', '3']);
    assert.deepEqual(root.children[0]!.children!.map((c) => c.name), ['11', '+1 more']);
    assert.deepEqual(root.children[1]!.children!.map((c) => c.name), ['+2 more']);
    assert.match(renderSvg(spreadTreeOption(tree, 'zh'), 600, 400), /^<svg/);
  });

  test('bad input is a clear error', async () => {
    await assert.rejects(spreadTree(ws, { campaign: 'nope' }), (e: unknown) => e instanceof PortraitError && /no referrals of campaign "nope"/.test(e.message));
    await assert.rejects(spreadTree(ws, { campaign: 'C1', spend: -1 }), (e: unknown) => e instanceof PortraitError && /spread: spend/.test(e.message));
    await assert.rejects(spreadTree(ws, { campaign: '' }), (e: unknown) => e instanceof PortraitError && /spread: campaign/.test(e.message));
  });

  test('CLI: list, one campaign with --spend and --out, and its errors', async () => {
    const w = ['-w', join(dir, 'ws')];
    const list = await runCli([...w, 'spread']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /C1\s+2017-11-25 00:05:00\s+2017-11-25 01:40:00\s+3\s+6\s+4\s+3\s+115\.00\s+2\s+0\.444/);
    const out = join(dir, 'tree.csv');
    const one = await runCli([...w, 'spread', '--campaign', 'C1', '--spend', '200', '--out', out]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /K-factor\s+0\.444 = 0\.889 invitations per user x 50\.0% of invitations bringing a new user/);
    assert.match(one.stdout, /per new user\s+50\.00/);
    assert.match(one.stdout, /wrote 9 nodes to /);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 10);
    // The tree names users: an export, in the audit log with its file.
    const audit = JSON.parse((await runCli([...w, 'audit', '--action', 'export', '--json'])).stdout) as { subject: string; rows: number; file: string }[];
    assert.deepEqual(audit.map((a) => [a.subject, a.rows, a.file]), [['spread tree C1', 9, out]]);
    assert.ok(!existsSync(`${out}.partial`));
    const json = await runCli([...w, 'spread', '--campaign', 'C1', '--json']);
    const parsed = JSON.parse(json.stdout) as { nodeCount: number; overall: { kFactor: number }; levels: unknown[] };
    assert.equal(parsed.nodeCount, 9);
    assert.equal(parsed.levels.length, 3);
    close(parsed.overall.kFactor, 4 / 9);
    const bad = await runCli([...w, 'spread', '--campaign', 'C1', '--out', join(dir, 'tree.txt')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--out .*tree\.txt: expected a file ending in \.json or \.csv/);
    const noCampaign = await runCli([...w, 'spread', '--spend', '10']);
    assert.equal(noCampaign.code, 1);
    assert.match(noCampaign.stderr, /--spend and --out need --campaign/);
    const badSpend = await runCli([...w, 'spread', '--campaign', 'C1', '--spend', 'lots']);
    assert.equal(badSpend.code, 2);
    assert.match(badSpend.stderr, /--spend <amount>.*expected an amount of money/);
  });
});

describe('spread trees of a synthetic world against truth.invites', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await synthesize(ws, resolveSynthOptions({ users: 3000, days: 40, seed: 9 }));
  });
  after(async () => done());

  test('every invite campaign: level by level, same inviters, same buyers', async () => {
    const campaigns = await ws.wh.query<{ campaign_id: string }>('SELECT DISTINCT campaign_id FROM truth.invites ORDER BY 1');
    assert.ok(campaigns.length >= 2, 'a 40-day world has two invite campaigns');
    for (const { campaign_id: campaign } of campaigns) {
      const truth = await ws.wh.query<{ user_id: number; inviter_user_id: number; level: number; root_user_id: number; bought: boolean }>(
        'SELECT user_id, inviter_user_id, level, root_user_id, bought FROM truth.invites WHERE campaign_id = $1',
        [campaign],
      );
      const tree = await spreadTree(ws, { campaign });
      const byLevel = new Map<number, number>();
      for (const t of truth) byLevel.set(Number(t.level), (byLevel.get(Number(t.level)) ?? 0) + 1);
      assert.deepEqual(
        tree.levels.slice(1).map((l) => [l.level, l.users]),
        [...byLevel.entries()].sort((a, b) => a[0] - b[0]),
        `${campaign}: users per level`,
      );
      const nodes = new Map(tree.nodes.map((n) => [n.userId, n]));
      for (const t of truth) {
        const n = nodes.get(Number(t.user_id));
        assert.ok(n, `${campaign}: invitee ${t.user_id} in the tree`);
        assert.deepEqual([n.parent, n.level, n.root, n.orders > 0, n.isNew], [Number(t.inviter_user_id), Number(t.level), Number(t.root_user_id), t.bought, true], `invitee ${t.user_id}`);
      }
      // The seeds are the roots truth names, none of them a newcomer.
      const roots = new Set(truth.map((t) => Number(t.root_user_id)));
      assert.deepEqual(tree.nodes.filter((n) => n.level === 0).map((n) => n.userId).sort((a, b) => a - b), [...roots].sort((a, b) => a - b));
      assert.equal(tree.levels[0]!.newUsers, 0);
      const bought = truth.filter((t) => t.bought).length;
      assert.equal(tree.reached.buyers, bought);
      close(tree.overall.kFactor, truth.length / (truth.length + roots.size));
    }
  });
});
