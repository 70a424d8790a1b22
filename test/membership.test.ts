import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildMembership, memberCard, membershipDistribution, MEMBERSHIP_TABLE } from '../src/operations/membership/index.js';
import { builtinRules, parseIncentiveRules, type IncentiveRules } from '../src/operations/points/rules.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const AS_OF = new Date('2017-12-03T23:59:59Z');

// ---- the hand-computed story (default rules: 0.2 a yuan, 100 an order, 200 a day, caps 1500 / 300 / 200 / 300) ----
//
// Window: the 12 months before as-of, ts > 2016-12-03 23:59:59 and ts <= 2017-12-03 23:59:59.
//
// User 1
//   orders   2017-06-01: o101 (300 + 400 = 700 -> min(100, 140) = 100), o102 (150 -> 30): day 130
//            2017-07-01: o103 600 -> 100, o104 600 -> 100, o105 100 -> 20: day 220, capped at 200
//            2017-08-02: o108 33.30 -> 6.66
//            left out: o106 (2016-12-03 23:00, before the window), o107 (refunded), o109 (after as-of)
//            spending = floor(130 + 200 + 6.66) = 336; spend 2,183.30 yuan in 6 orders
//   events   pv on 06-01, 07-01, 08-02, 11-30; comment on 10-10: 5 active days -> 10
//            (a login at exactly 2016-12-03 23:59:59 is not after the window's start; a pv on 2017-12-04 is after as-of)
//            interactions: 11-30 share x2 (3 each) + like x5 (1 each) = 11, capped at 10 a day; 10-10 comment 2
//            -> 8 events, 12 points
//   reviews  r1 80 characters of text; r2 10 characters with an image; r5 no text, a video: quality (3 x 15 = 45)
//            r3 10 characters of text and r6 no text: not quality; r4 (2016-11-01) before the window
//   naughty value = 336 + 10 + 12 + 45 = 403 -> 88VIP at 888
// User 2: 200 active days (pv every day from 2017-05-01) -> 400, capped at 300; 20 days of two 500-yuan orders
//   (100 each, 200 a day) -> 4,000, capped at 1,500: 1,800 -> 88
// User 3: orders only (no events): 5 days of two 1,000-yuan orders -> 5 x 200 = 1,000: exactly the threshold -> 88
// User 4: orders only: 5 days of two 499.50-yuan orders -> 99.9 each, 199.8 a day -> 999 -> 888, 1 short
// User 5: a users row only (registered 2017-01-01): 0 -> 888
// User 6: registered after as-of, nothing else: not known

type Line = [order: number, user: number, ts: string, amount: number, status?: string];

function story(): { events: [number, string, string][]; lines: Line[]; reviews: [number, number, string, string, number | null][] } {
  const events: [number, string, string][] = [
    [1, 'pv', '2017-06-01 09:00:00'], [1, 'pv', '2017-07-01 09:00:00'], [1, 'pv', '2017-08-02 09:00:00'], [1, 'pv', '2017-11-30 09:00:00'],
    [1, 'comment', '2017-10-10 09:00:00'],
    [1, 'share', '2017-11-30 10:00:00'], [1, 'share', '2017-11-30 10:01:00'],
    ...[0, 1, 2, 3, 4].map((i): [number, string, string] => [1, 'like', `2017-11-30 11:0${i}:00`]),
    [1, 'login', '2016-12-03 23:59:59'], [1, 'pv', '2016-12-01 09:00:00'], [1, 'pv', '2017-12-04 09:00:00'],
  ];
  for (let d = 0; d < 200; d++) {
    const day = new Date(Date.UTC(2017, 4, 1) + d * 86_400_000).toISOString().slice(0, 10);
    events.push([2, 'pv', `${day} 08:00:00`]);
  }
  const lines: Line[] = [
    [101, 1, '2017-06-01 10:00:00', 300], [101, 1, '2017-06-01 10:00:00', 400], [102, 1, '2017-06-01 15:00:00', 150],
    [103, 1, '2017-07-01 10:00:00', 600], [104, 1, '2017-07-01 11:00:00', 600], [105, 1, '2017-07-01 12:00:00', 100],
    [106, 1, '2016-12-03 23:00:00', 500], [107, 1, '2017-08-01 10:00:00', 100, 'refunded'], [108, 1, '2017-08-02 10:00:00', 33.3],
    [109, 1, '2017-12-04 10:00:00', 1000],
  ];
  let order = 200;
  for (let d = 1; d <= 20; d++) for (const h of [10, 20]) lines.push([order++, 2, `2017-11-${String(d).padStart(2, '0')} ${h}:00:00`, 500]);
  for (let d = 1; d <= 5; d++) for (const h of [10, 20]) lines.push([order++, 3, `2017-10-0${d} ${h}:00:00`, 1000]);
  for (let d = 1; d <= 5; d++) for (const h of [10, 20]) lines.push([order++, 4, `2017-09-0${d} ${h}:00:00`, 499.5]);
  const reviews: [number, number, string, string, number | null][] = [
    [1, 1, '2017-09-01 10:00:00', 'text', 80], [2, 1, '2017-09-02 10:00:00', 'image', 10], [3, 1, '2017-09-03 10:00:00', 'text', 10],
    [4, 1, '2016-11-01 10:00:00', 'text', 100], [5, 1, '2017-09-04 10:00:00', 'video', null], [6, 1, '2017-09-05 10:00:00', 'text', null],
  ];
  return { events, lines, reviews };
}

async function seed(ws: Workspace): Promise<void> {
  const { events, lines, reviews } = story();
  let id = 1;
  for (const [user, type, ts] of events) {
    await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4)', [id++, user, ts, type]);
  }
  let item = 1;
  for (const [order, user, ts, amount, status] of lines) {
    await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, quantity, amount, status) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), 1, $5, $6)', [
      order, user, item++, ts, amount, status ?? 'delivered',
    ]);
  }
  for (const [review, user, ts, media, length] of reviews) {
    await ws.wh.run('INSERT INTO reviews (review_id, user_id, item_id, ts, media, text_length) VALUES ($1, $2, 1, CAST($3 AS TIMESTAMP), $4, $5)', [review, user, ts, media, length]);
  }
  await ws.wh.run("INSERT INTO users (user_id, registered_at) VALUES (5, TIMESTAMP '2017-01-01 00:00:00'), (6, TIMESTAMP '2017-12-05 00:00:00')");
}

const rules = builtinRules();
const withRules = (over: object): IncentiveRules => parseIncentiveRules({ name: 'custom', ...over }, 'test');

describe('naughty value and 88VIP on a hand-made story', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('user 1: every component with its caps, the window, refunds and quality reviews', async () => {
    const card = await memberCard(ws, 1, { asOf: AS_OF, rules });
    assert.equal(card.orderSource, 'orders');
    assert.equal(card.since.toISOString(), '2016-12-03T23:59:59.000Z');
    assert.deepEqual(
      card.components.map((c) => [c.component, c.measure, c.score, c.cap]),
      [
        ['spending', 2183.3, 336, 1500],
        ['activeDays', 5, 10, 300],
        ['interactions', 8, 12, 200],
        ['reviews', 3, 45, 300],
      ],
    );
    assert.equal(card.orders, 6);
    assert.equal(card.naughtyValue, 403);
    assert.deepEqual(card.vip, { threshold: 1000, eligible: false, price: 888, memberPrice: 88, regularPrice: 888, short: 597 });
  });

  test('caps per component; the threshold is inclusive; a fraction below it is not enough', async () => {
    const two = await memberCard(ws, 2, { asOf: AS_OF, rules });
    assert.deepEqual(two.components.map((c) => c.score), [1500, 300, 0, 0]);
    assert.equal(two.components[0]!.measure, 20000);
    assert.deepEqual([two.naughtyValue, two.vip.price, two.vip.eligible], [1800, 88, true]);
    const three = await memberCard(ws, 3, { asOf: AS_OF, rules });
    assert.deepEqual([three.naughtyValue, three.vip.price, three.vip.short], [1000, 88, 0]);
    const four = await memberCard(ws, 4, { asOf: AS_OF, rules });
    assert.deepEqual([four.components[0]!.score, four.naughtyValue, four.vip.price, four.vip.short], [999, 999, 888, 1]);
    const five = await memberCard(ws, 5, { asOf: AS_OF, rules });
    assert.deepEqual([five.naughtyValue, five.vip.price], [0, 888]);
    await assert.rejects(memberCard(ws, 6, { asOf: AS_OF, rules }), /user 6 is not known as of 2017-12-03 23:59:59/);
  });

  test('the distribution over every known user', async () => {
    const d = await membershipDistribution(ws, { asOf: AS_OF, rules });
    assert.equal(d.users, 5);
    assert.deepEqual(d.vip, { threshold: 1000, eligible: 2, eligibleShare: 0.4, memberPrice: 88, regularPrice: 888 });
    // Values 0, 403, 999, 1000, 1800; quantile_disc takes the value at index floor(q x n) of the sorted five... as the engine does.
    assert.equal(d.naughtyValue.mean, (0 + 403 + 999 + 1000 + 1800) / 5);
    assert.equal(d.naughtyValue.max, 1800);
    assert.equal(d.naughtyValue.p50, 999);
    assert.deepEqual(
      d.bins.filter((b) => b.users > 0).map((b) => [b.from, b.to, b.users]),
      [[0, 200, 1], [400, 600, 1], [800, 1000, 1], [1000, 1200, 1], [1800, 2000, 1]],
    );
    assert.equal(d.bins.length, 11);
    assert.deepEqual(d.bins.at(-1), { from: 2000, to: null, users: 0, share: 0 });
    assert.deepEqual(
      d.components.map((c) => [c.component, c.mean, c.atCap]),
      [
        ['spending', (336 + 1500 + 1000 + 999) / 5, 1],
        ['activeDays', (10 + 300) / 5, 1],
        ['interactions', 12 / 5, 0],
        ['reviews', 45 / 5, 0],
      ],
    );
  });

  test('every constant comes from the rules: a 6-month window, "all" quality reviews, other weights and prices', async () => {
    // Since 2017-06-03 23:59:59: the June orders and pv drop out: spending floor(200 + 6.66) = 206, 4 active days.
    const six = await memberCard(ws, 1, { asOf: AS_OF, rules: withRules({ naughty: { windowMonths: 6 } }) });
    assert.deepEqual(six.components.map((c) => c.score), [206, 8, 12, 45]);
    assert.equal(six.since.toISOString(), '2017-06-03T23:59:59.000Z');
    // Both criteria: only r2 (10 characters >= 5, an image); r5 has a video but no text.
    const all = await memberCard(ws, 1, { asOf: AS_OF, rules: withRules({ qualityReview: { match: 'all', minTextLength: 5 } }) });
    assert.deepEqual(all.components[3], { component: 'reviews', measure: 1, score: 15, cap: 300 });
    // Likes only, 4 a day at most, and a lower threshold (reached exactly: 336 + 10 + 4 + 45) with other prices.
    const custom = withRules({ naughty: { interactions: { weights: { like: 1 }, maxPerDay: 4 } }, vip: { threshold: 395, memberPrice: 99, regularPrice: 999 } });
    const c = await memberCard(ws, 1, { asOf: AS_OF, rules: custom });
    assert.deepEqual(c.components[2], { component: 'interactions', measure: 5, score: 4, cap: 200 });
    assert.equal(c.naughtyValue, 336 + 10 + 4 + 45);
    assert.deepEqual([c.vip.eligible, c.vip.price], [true, 99]);
  });

  test('as of an earlier time, only what happened by then counts', async () => {
    const card = await memberCard(ws, 1, { asOf: new Date('2017-07-01T10:30:00Z'), rules });
    // The window now starts 2016-07-01 10:30, so o106 (500 -> 100) and r4 (100 characters) count; o101 and o102
    // (130) and o103 (100) by then: 330 from 1,950 yuan. Active on 2016-12-01, 2016-12-03, 06-01, 07-01.
    assert.deepEqual(card.components.map((c) => [c.measure, c.score]), [[1950, 330], [4, 8], [0, 0], [1, 15]]);
  });

  test('the build stage stores every known user in user_membership, swapped in whole', async () => {
    const report = await buildMembership(ws, { asOf: AS_OF, rules });
    assert.deepEqual([report.rows, report.eligible], [5, 2]);
    const rows = await ws.wh.query<{ user_id: number; naughty_value: number; spending_score: number; vip_price: number; as_of: Date }>(
      `SELECT user_id, naughty_value, spending_score, vip_price, as_of FROM ${MEMBERSHIP_TABLE} ORDER BY user_id`,
    );
    assert.deepEqual(rows.map((r) => [r.user_id, r.naughty_value, r.spending_score, r.vip_price]), [
      [1, 403, 336, 888], [2, 1800, 1500, 88], [3, 1000, 1000, 88], [4, 999, 999, 888], [5, 0, 0, 888],
    ]);
    assert.equal(rows[0]!.as_of.toISOString(), AS_OF.toISOString());
    // A second build as of another time replaces the table; no staging table is left behind.
    await buildMembership(ws, { asOf: new Date('2017-07-01T23:59:59Z'), rules });
    const again = await ws.wh.query<{ user_id: number; naughty_value: number }>(`SELECT user_id, naughty_value FROM ${MEMBERSHIP_TABLE} ORDER BY user_id`);
    // By 2017-07-01 users 3 and 4 had not ordered yet (orders alone make them known): users 1, 2 and 5.
    assert.deepEqual(again.map((r) => r.user_id), [1, 2, 5]);
    // User 1 then: spending 100 (o106) + 130 + 200, 4 active days, r4: 430 + 8 + 15.
    assert.equal(again[0]!.naughty_value, 453);
    const staging = await ws.wh.query<{ n: number }>("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '%staging%'");
    assert.equal(Number(staging[0]!.n), 0);
    const builds = await ws.wh.query<{ users: number; order_source: string }>('SELECT users, order_source FROM membership_builds');
    assert.deepEqual(builds.map((b) => [Number(b.users), b.order_source]), [[3, 'orders']]);
  });

  test('CLI: one user, the distribution, and bad input', async () => {
    await ws.close();
    const one = await runCli(['-w', dir, 'member', '1', '--as-of', '2017-12-03 23:59:59', '--json']);
    assert.equal(one.code, 0, one.stderr);
    const card = JSON.parse(one.stdout);
    assert.equal(card.naughtyValue, 403);
    assert.equal(card.vip.price, 888);
    const readable = await runCli(['-w', dir, 'member', '2', '--as-of', '2017-12-03']);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /user 2: naughty value 1,800/);
    assert.match(readable.stdout, /spending\s+20,000\.00 yuan in 40 orders\s+1,500\s+1,500/);
    assert.match(readable.stdout, /88VIP: 88 yuan a year \(naughty value 1,800 >= 1,000\)/);
    const short = await runCli(['-w', dir, 'member', '4', '--as-of', '2017-12-03']);
    assert.match(short.stdout, /88VIP: 888 yuan a year \(naughty value 999 < 1,000: 1 short of the 88 yuan price\)/);

    const dist = await runCli(['-w', dir, 'member', '--as-of', '2017-12-03', '--json']);
    assert.equal(dist.code, 0, dist.stderr);
    assert.deepEqual(JSON.parse(dist.stdout).vip.eligible, 2);
    const table = await runCli(['-w', dir, 'member', '--as-of', '2017-12-03']);
    assert.match(table.stdout, /88VIP at 88 yuan: 2 users \(40\.0%\) with 1,000 or more; the other 3 pay 888 yuan/);
    assert.match(table.stdout, /1800-1999\s+1\s+20\.0%/);

    // Rules from a file change the answer; a bad file names itself and the JSON path.
    const file = join(dir, '..', 'rules.json');
    writeFileSync(file, JSON.stringify({ name: 'strict', vip: { threshold: 400 } }));
    const strict = JSON.parse((await runCli(['-w', dir, 'member', '1', '--as-of', '2017-12-03', '--rules', file, '--json'])).stdout);
    assert.deepEqual([strict.vip.price, strict.rules], [88, 'strict']);
    const bad = join(dir, '..', 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', naughty: { spending: { cap: -1 } } }));
    const refused = await runCli(['-w', dir, 'member', '1', '--rules', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.json: naughty\.spending\.cap: /);
    writeFileSync(bad, JSON.stringify({ name: 'bad', naughty: { spending: { perYuan: 1 } } }));
    assert.match((await runCli(['-w', dir, 'member', '1', '--rules', bad])).stderr, /bad\.json: naughty\.spending: .*perYuan/);
    const unknownRules = await runCli(['-w', dir, 'member', '1', '--rules', 'nope']);
    assert.match(unknownRules.stderr, /unknown rules "nope"/);
    const unknownUser = await runCli(['-w', dir, 'member', '42']);
    assert.equal(unknownUser.code, 1);
    assert.match(unknownUser.stderr, /user 42 is not known/);
    assert.equal((await runCli(['-w', dir, 'member', 'abc'])).code, 2);
    assert.equal((await runCli(['-w', dir, 'member', '--as-of', '2017-13-01'])).code, 2);
  });
});

describe('naughty value without an orders table', () => {
  test('spending comes from buy events: their amount, else the list price times the quantity', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await ws.wh.run("INSERT INTO items (item_id, price) VALUES (7, 12.5)");
      await ws.wh.run(`INSERT INTO events (event_id, user_id, ts, type, item_id, amount, quantity) VALUES
        (1, 1, TIMESTAMP '2017-11-01 10:00:00', 'buy', 8, 250, 1),
        (2, 1, TIMESTAMP '2017-11-02 10:00:00', 'buy', 7, NULL, 2),
        (3, 1, TIMESTAMP '2017-11-03 10:00:00', 'buy', 9, NULL, 1)`);
      const card = await memberCard(ws, 1, { asOf: AS_OF, rules });
      // 250 -> 50; 12.5 x 2 = 25 -> 5; the third has no price: left out. Three active days.
      assert.equal(card.orderSource, 'buy events');
      assert.deepEqual([card.orders, card.components[0]!.measure, card.components[0]!.score, card.components[1]!.score], [2, 275, 55, 6]);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

describe('naughty value on a synthetic world', () => {
  test('the stored table agrees with the cards, the caps hold, and spending matches the orders', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await synthesize(ws, resolveSynthOptions({ users: 600, days: 30, seed: 9 }));
      const report = await buildMembership(ws); // no stored rules: the built-in ones
      const [agg] = await ws.wh.query<Record<string, number>>(
        `SELECT count(*) AS n, max(spending_score) AS s, max(activity_score) AS a, max(interaction_score) AS i, max(review_score) AS r,
           count(*) FILTER (WHERE naughty_value <> spending_score + activity_score + interaction_score + review_score) AS bad_sum,
           count(*) FILTER (WHERE vip_eligible <> (naughty_value >= 1000) OR vip_price <> CASE WHEN naughty_value >= 1000 THEN 88 ELSE 888 END) AS bad_vip,
           sum(spend) AS spend, sum(orders) AS orders
         FROM ${MEMBERSHIP_TABLE}`,
      );
      assert.equal(Number(agg!.n), report.rows);
      // Every user of the world is known (each has events).
      const [users] = await ws.wh.query<{ n: number }>('SELECT count(DISTINCT user_id) AS n FROM users');
      assert.equal(report.rows, Number(users!.n));
      assert.ok(Number(agg!.s) <= 1500 && Number(agg!.a) <= 300 && Number(agg!.i) <= 200 && Number(agg!.r) <= 300);
      assert.equal(Number(agg!.bad_sum), 0);
      assert.equal(Number(agg!.bad_vip), 0);
      // A 30-day world lies inside the 12-month window: spend is every non-refunded order line.
      const [paid] = await ws.wh.query<{ amount: number; orders: number }>(
        "SELECT sum(amount) AS amount, count(DISTINCT order_id) AS orders FROM orders WHERE status <> 'refunded'",
      );
      assert.ok(Math.abs(Number(agg!.spend) - Number(paid!.amount)) < 0.01 * Number(agg!.orders));
      assert.equal(Number(agg!.orders), Number(paid!.orders));
      // The table and a card say the same for the highest value.
      const [top] = await ws.wh.query<{ user_id: number; naughty_value: number }>(`SELECT user_id, naughty_value FROM ${MEMBERSHIP_TABLE} ORDER BY naughty_value DESC, user_id LIMIT 1`);
      const card = await memberCard(ws, Number(top!.user_id), { rules });
      assert.equal(card.naughtyValue, Number(top!.naughty_value));
      assert.ok(card.naughtyValue > 0);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});
