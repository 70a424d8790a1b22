import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addMonthsToDay,
  buildPoints,
  builtinRules,
  expiresAt,
  parseIncentiveRules,
  pointsSummary,
  POINTS_LEDGER_TABLE,
  POINTS_TABLE,
  runLedger,
  userPoints,
  type IncentiveRules,
  type LedgerEntry,
  type RawPointsEntry,
} from '../src/operations/points/index.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const at = (s: string) => new Date(`${s.replace(' ', 'T')}Z`);
const iso = (d: Date | null) => (d ? d.toISOString().slice(0, 19).replace('T', ' ') : null);

test('expiry dates: months after the day (month ends clamp), year ends, never', () => {
  assert.equal(iso(addMonthsToDay(at('2017-01-31 15:00:00'), 1)), '2017-02-28 00:00:00');
  assert.equal(iso(addMonthsToDay(at('2016-01-31 15:00:00'), 1)), '2016-02-29 00:00:00');
  assert.equal(iso(addMonthsToDay(at('2017-11-15 08:00:00'), 3)), '2018-02-15 00:00:00');
  assert.equal(iso(addMonthsToDay(at('2017-12-31 23:59:59'), 2)), '2018-02-28 00:00:00');
  // Earned on 2017-01-15: spendable through 2018-01-15, gone when 2018-01-16 starts.
  assert.equal(iso(expiresAt(at('2017-01-15 10:00:00'), { kind: 'after_months', months: 12 })), '2018-01-16 00:00:00');
  assert.equal(iso(expiresAt(at('2017-01-31 10:00:00'), { kind: 'after_months', months: 1 })), '2017-03-01 00:00:00');
  assert.equal(iso(expiresAt(at('2017-06-01 10:00:00'), { kind: 'year_end', yearsAfter: 1 })), '2019-01-01 00:00:00');
  assert.equal(iso(expiresAt(at('2017-12-31 23:59:59'), { kind: 'year_end', yearsAfter: 0 })), '2018-01-01 00:00:00');
  assert.equal(expiresAt(at('2017-06-01 10:00:00'), { kind: 'never' }), null);
});

// A ledger by hand, one month's validity:
//   A earn 100 on 01-10 12:00 (expires 02-11 00:00)   B earn 50 on 01-20 (expires 02-21 00:00)
//   C redeem 30 on 02-01: from A (A 70 left)
//   D redeem 80 at 02-11 00:00:00, the instant A expires: A's 70 expire first, then D gets B's 50; 30 unfunded
//   E earn 40 (order) and F earn 20 (review) and G redeem 10, all at 02-12 09:00: earnings first, G takes from E
//   At 03-13 00:00 E's 30 and F's 20 expire together: one entry of 50.
const RAW: RawPointsEntry[] = [
  { ts: at('2017-02-12 09:00:00'), kind: 'redeem', source: 'event', ref: 'G', points: 10 },
  { ts: at('2017-01-10 12:00:00'), kind: 'earn', source: 'order', ref: 'A', points: 100 },
  { ts: at('2017-02-11 00:00:00'), kind: 'redeem', source: 'event', ref: 'D', points: 80 },
  { ts: at('2017-01-20 08:00:00'), kind: 'earn', source: 'order', ref: 'B', points: 50 },
  { ts: at('2017-02-01 10:00:00'), kind: 'redeem', source: 'event', ref: 'C', points: 30 },
  { ts: at('2017-02-12 09:00:00'), kind: 'earn', source: 'review', ref: 'F', points: 20 },
  { ts: at('2017-02-12 09:00:00'), kind: 'earn', source: 'order', ref: 'E', points: 40 },
];

const row = (e: LedgerEntry) => [iso(e.ts), e.kind, e.ref, e.points, e.balance, e.unfunded, iso(e.expiresAt)];

test('the ledger: oldest lots spent first, expiry at the exact instant, unfunded redemptions, simultaneous entries', () => {
  const month = { kind: 'after_months', months: 1 } as const;
  const { entries, totals, open } = runLedger(RAW, at('2017-03-31 23:59:59'), month);
  assert.deepEqual(entries.map(row), [
    ['2017-01-10 12:00:00', 'earn', 'A', 100, 100, 0, '2017-02-11 00:00:00'],
    ['2017-01-20 08:00:00', 'earn', 'B', 50, 150, 0, '2017-02-21 00:00:00'],
    ['2017-02-01 10:00:00', 'redeem', 'C', -30, 120, 0, null],
    ['2017-02-11 00:00:00', 'expire', null, -70, 50, 0, null],
    ['2017-02-11 00:00:00', 'redeem', 'D', -50, 0, 30, null],
    ['2017-02-12 09:00:00', 'earn', 'E', 40, 40, 0, '2017-03-13 00:00:00'],
    ['2017-02-12 09:00:00', 'earn', 'F', 20, 60, 0, '2017-03-13 00:00:00'],
    ['2017-02-12 09:00:00', 'redeem', 'G', -10, 50, 0, null],
    ['2017-03-13 00:00:00', 'expire', null, -50, 0, 0, null],
  ]);
  assert.equal(entries[4]!.requested, 80);
  assert.deepEqual(totals, { earned: 210, redeemed: 90, unfunded: 30, expired: 120, balance: 0, nextExpiry: null });
  assert.deepEqual(open, []);

  // A day before the last expiry: it is still to come.
  const before = runLedger(RAW, at('2017-03-12 23:59:59'), month);
  assert.equal(before.entries.length, 8);
  assert.deepEqual(before.totals.nextExpiry, { at: at('2017-03-13 00:00:00'), points: 50 });
  assert.deepEqual(before.open, [{ expiresAt: at('2017-03-13 00:00:00'), points: 50 }]);
  // Entries after as-of do not exist yet.
  assert.equal(runLedger(RAW, at('2017-01-31 00:00:00'), month).totals.balance, 150);
  // Never expiring: nothing expires, D is fully funded (120 + ... = balance 120 before D).
  const forever = runLedger(RAW, at('2017-03-31 23:59:59'), { kind: 'never' });
  assert.deepEqual(forever.totals, { earned: 210, redeemed: 120, unfunded: 0, expired: 0, balance: 90, nextExpiry: null });
  assert.deepEqual(forever.open, [{ expiresAt: null, points: 90 }]);
});

// ---- a workspace story (user 1; user 2 has one order) ----
//   o1 2017-01-15 99.90 yuan -> 99       o2 2017-02-10, lines 0.57 + 100 = 100.57 -> 100 (rounded down per order)
//   o3 2017-03-01 refunded -> nothing     r1 2017-03-05 image review (quality) -> 20; r2 2017-03-06 5 characters -> 0, no entry
//   e1 coupon_use 2017-03-10 {"points": 150}; e2 coupon_use 2017-03-11 without points: not a redemption
//   e3 coupon_use 2017-05-20 {"points": "30.7"} -> asks 30; o4 2017-05-25 58.60 -> 58; e4 2017-07-05 after as-of
//   user 2: o5 2017-04-01 10 yuan -> 10
// With expiry 3 months after the day:
//   o1 99 (expires 04-16), o2 100 (05-11), r1 20 (06-06); e1 spends o1's 99 and 51 of o2 -> 69
//   at 2017-05-11 00:00 o2's 49 expire -> 20; e3 asks 30, gets r1's 20 (10 unfunded) -> 0; o4 58 (expires 08-26)
const AS_OF = at('2017-06-30 23:59:59');
const threeMonths: IncentiveRules = parseIncentiveRules({ name: 'three-months', points: { expiry: { kind: 'after_months', months: 3 } } }, 'test');

async function seed(ws: Workspace): Promise<void> {
  const lines: [number, number, string, number, string][] = [
    [1, 1, '2017-01-15 10:00:00', 99.9, 'delivered'], [2, 1, '2017-02-10 10:00:00', 0.57, 'delivered'], [2, 1, '2017-02-10 10:00:00', 100, 'delivered'],
    [3, 1, '2017-03-01 10:00:00', 500, 'refunded'], [4, 1, '2017-05-25 10:00:00', 58.6, 'delivered'], [5, 2, '2017-04-01 10:00:00', 10, 'delivered'],
  ];
  let item = 1;
  for (const [order, user, ts, amount, status] of lines) {
    await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), $5, $6)', [order, user, item++, ts, amount, status]);
  }
  await ws.wh.run(`INSERT INTO reviews (review_id, user_id, item_id, ts, media, text_length) VALUES
    (1, 1, 1, TIMESTAMP '2017-03-05 10:00:00', 'image', 12), (2, 1, 2, TIMESTAMP '2017-03-06 10:00:00', 'text', 5)`);
  const events: [number, number, string, string, string | null][] = [
    [11, 1, '2017-03-10 10:00:00', 'coupon_use', '{"points": 150}'],
    [12, 1, '2017-03-11 10:00:00', 'coupon_use', '{"coupon_id": "X"}'],
    [13, 1, '2017-05-20 10:00:00', 'coupon_use', '{"points": "30.7"}'],
    [14, 1, '2017-07-05 10:00:00', 'coupon_use', '{"points": 10}'],
    [15, 2, '2017-04-01 10:00:00', 'buy', null],
  ];
  for (const [id, user, ts, type, props] of events) {
    await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, properties) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5)', [id, user, ts, type, props]);
  }
}

describe('the points ledger of a workspace', () => {
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

  test('earn, redeem and expire on exact dates, from orders, reviews and coupon_use events', async () => {
    const p = await userPoints(ws, 1, { asOf: AS_OF, rules: threeMonths });
    assert.deepEqual(
      p.entries.map((e) => [iso(e.ts), e.kind, e.source, e.ref, e.points, e.balance, e.unfunded, iso(e.expiresAt)]),
      [
        ['2017-01-15 10:00:00', 'earn', 'order', '1', 99, 99, 0, '2017-04-16 00:00:00'],
        ['2017-02-10 10:00:00', 'earn', 'order', '2', 100, 199, 0, '2017-05-11 00:00:00'],
        ['2017-03-05 10:00:00', 'earn', 'review', '1', 20, 219, 0, '2017-06-06 00:00:00'],
        ['2017-03-10 10:00:00', 'redeem', 'event', '11', -150, 69, 0, null],
        ['2017-05-11 00:00:00', 'expire', 'expiry', null, -49, 20, 0, null],
        ['2017-05-20 10:00:00', 'redeem', 'event', '13', -20, 0, 10, null],
        ['2017-05-25 10:00:00', 'earn', 'order', '4', 58, 58, 0, '2017-08-26 00:00:00'],
      ],
    );
    assert.deepEqual(p.totals, { earned: 277, redeemed: 170, unfunded: 10, expired: 49, balance: 58, nextExpiry: { at: at('2017-08-26 00:00:00'), points: 58 } });
    assert.equal(p.valueYuan, 0.58);
    assert.equal(p.orderSource, 'orders');
  });

  test('the built-in rules: points last until the end of the next year', async () => {
    const p = await userPoints(ws, 1, { asOf: AS_OF, rules: builtinRules() });
    // 99 + 100 + 20 - 150 = 69; -30 -> 39; +58 -> 97; nothing expires before 2019.
    assert.deepEqual(p.totals, { earned: 277, redeemed: 180, unfunded: 0, expired: 0, balance: 97, nextExpiry: { at: at('2019-01-01 00:00:00'), points: 97 } });
    // At the end of the same year instead, as of 2018-01-05 (e4 on 2017-07-05 spends 10 first): 87 expire on 2018-01-01.
    const sameYear = parseIncentiveRules({ name: 'same-year', points: { expiry: { kind: 'year_end', yearsAfter: 0 } } }, 'test');
    const later = await userPoints(ws, 1, { asOf: at('2018-01-05 00:00:00'), rules: sameYear });
    assert.deepEqual(later.entries.slice(-2).map((e) => [iso(e.ts), e.kind, e.points, e.balance]), [
      ['2017-07-05 10:00:00', 'redeem', -10, 87],
      ['2018-01-01 00:00:00', 'expire', -87, 0],
    ]);
  });

  test('the rules decide what is earned and what redeems', async () => {
    const rules = parseIncentiveRules(
      { name: 'other', points: { earn: { pointsPerYuan: 2, perReview: 5, perQualityReview: 0 }, redeem: { property: 'bonus' }, expiry: { kind: 'never' } } },
      'test',
    );
    const p = await userPoints(ws, 1, { asOf: AS_OF, rules });
    // 2 a yuan: 199 (199.8), 201 (201.14), 117 (117.2); 5 for each of the two reviews; no event carries "bonus".
    assert.deepEqual(p.entries.map((e) => [e.kind, e.points]), [['earn', 199], ['earn', 201], ['earn', 5], ['earn', 5], ['earn', 117]]);
    assert.equal(p.totals.balance, 527);
  });

  test('every user: totals, balances and what expires soon; replayed in parts, the same', async () => {
    const s = await pointsSummary(ws, { asOf: AS_OF, rules: threeMonths });
    // User 2's 10 points expire on 2017-07-02, within 30 days; user 1's 58 on 08-26.
    assert.deepEqual(
      [s.users, s.earned, s.redeemed, s.unfunded, s.expired, s.balance, s.valueYuan, s.usersWithBalance],
      [2, 287, 170, 10, 49, 68, 0.68, 2],
    );
    assert.deepEqual(s.entries, { earn: 5, redeem: 2, expire: 1 });
    assert.deepEqual(s.expiringSoon, { days: 30, points: 10, users: 1 });
    assert.deepEqual(s.balances, { p50: 58, p90: 58, p99: 58, max: 58 });
    const longer = await pointsSummary(ws, { asOf: AS_OF, rules: threeMonths, expiringWithinDays: 60 });
    assert.deepEqual(longer.expiringSoon, { days: 60, points: 68, users: 2 });
    const inParts = await pointsSummary(ws, { asOf: AS_OF, rules: threeMonths, rowsPerPart: 3 });
    assert.deepEqual(inParts, s);
  });

  test('the build stage stores the ledger and the balances, reproducibly', async () => {
    const report = await buildPoints(ws, { asOf: AS_OF, rules: threeMonths, rowsPerPart: 4 });
    assert.deepEqual([report.rows, report.entries, report.balance], [2, 8, 68]);
    const users = await ws.wh.query<Record<string, unknown>>(`SELECT * FROM ${POINTS_TABLE} ORDER BY user_id`);
    assert.deepEqual(
      users.map((u) => [u.user_id, u.earned, u.redeemed, u.unfunded, u.expired, u.balance, u.value_yuan, iso(u.next_expiry_at as Date), u.next_expiry_points]),
      [
        [1, 277, 170, 10, 49, 58, 0.58, '2017-08-26 00:00:00', 58],
        [2, 10, 0, 0, 0, 10, 0.1, '2017-07-02 00:00:00', 10],
      ],
    );
    const ledger = await ws.wh.query<{ seq: number; ts: Date; kind: string; ref: string | null; points: number; balance: number }>(
      `SELECT seq, ts, kind, ref, points, balance FROM ${POINTS_LEDGER_TABLE} WHERE user_id = 1 ORDER BY seq`,
    );
    const direct = await userPoints(ws, 1, { asOf: AS_OF, rules: threeMonths });
    assert.deepEqual(ledger.map((l) => [l.seq, iso(l.ts), l.kind, l.ref, l.points, l.balance]), direct.entries.map((e, i) => [i + 1, iso(e.ts), e.kind, e.ref, e.points, e.balance]));
    const first = await ws.wh.query(`SELECT * FROM ${POINTS_LEDGER_TABLE} ORDER BY user_id, seq`);
    await buildPoints(ws, { asOf: AS_OF, rules: threeMonths });
    assert.deepEqual(await ws.wh.query(`SELECT * FROM ${POINTS_LEDGER_TABLE} ORDER BY user_id, seq`), first);
    assert.equal(existsSync(join(dir, 'tmp', 'points-ledger.csv')), false);
  });

  test('CLI: a user\'s ledger, the totals, stored rules, and bad input', async () => {
    await ws.close();
    const rulesFile = join(dir, '..', 'three-months.json');
    writeFileSync(rulesFile, JSON.stringify({ name: 'three-months', points: { expiry: { kind: 'after_months', months: 3 } } }));
    const one = await runCli(['-w', dir, 'points', '1', '--as-of', '2017-06-30', '--rules', rulesFile, '--json']);
    assert.equal(one.code, 0, one.stderr);
    const p = JSON.parse(one.stdout);
    assert.deepEqual([p.totals.balance, p.totals.expired, p.entries.length], [58, 49, 7]);
    const readable = await runCli(['-w', dir, 'points', '1', '--as-of', '2017-06-30', '--rules', rulesFile]);
    assert.match(readable.stdout, /user 1: 58 points \(0\.58 yuan at 0\.01 yuan a point\), as of 2017-06-30 23:59:59/);
    assert.match(readable.stdout, /points expire 3 months after the day they are earned/);
    assert.match(readable.stdout, /2017-05-20 10:00:00\s+redeem\s+event\s+13\s+-20 \(asked 30\)\s+0/);
    assert.match(readable.stdout, /2017-05-11 00:00:00\s+expire\s+expiry\s+-\s+-49\s+20/);

    // Stored rules: by name, and "default" replaces the built-in ones.
    assert.match((await runCli(['-w', dir, 'points', 'define', rulesFile])).stdout, /defined rules three-months/);
    const byName = JSON.parse((await runCli(['-w', dir, 'points', '1', '--as-of', '2017-06-30', '--rules', 'three-months', '--json'])).stdout);
    assert.equal(byName.totals.balance, 58);
    assert.equal(JSON.parse((await runCli(['-w', dir, 'points', '1', '--as-of', '2017-06-30', '--json'])).stdout).totals.balance, 97);
    const defaultFile = join(dir, '..', 'default.json');
    writeFileSync(defaultFile, JSON.stringify({ name: 'default', points: { expiry: { kind: 'after_months', months: 3 } } }));
    assert.match((await runCli(['-w', dir, 'points', 'define', defaultFile])).stdout, /defined rules default \(used when no --rules is given\)/);
    assert.equal(JSON.parse((await runCli(['-w', dir, 'points', '1', '--as-of', '2017-06-30', '--json'])).stdout).totals.balance, 58);
    const list = JSON.parse((await runCli(['-w', dir, 'points', 'rules', '--json'])).stdout);
    assert.deepEqual(list.map((r: { name: string }) => r.name), ['default', 'three-months']);

    const all = await runCli(['-w', dir, 'points', '--as-of', '2017-06-30', '--json']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual([JSON.parse(all.stdout).balance, JSON.parse(all.stdout).expiringSoon.points], [68, 10]);
    const table = await runCli(['-w', dir, 'points', '--as-of', '2017-06-30']);
    assert.match(table.stdout, /outstanding\s+68 points = 0\.68 yuan/);
    assert.match(table.stdout, /expiring within 30 days\s+10 points held by 1 users/);

    const bad = join(dir, '..', 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'bad', points: { expiry: { kind: 'after_months', months: 0 } } }));
    const refused = await runCli(['-w', dir, 'points', 'define', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad\.json: points\.expiry\.months: /);
    writeFileSync(bad, JSON.stringify({ name: 'bad', points: { redeem: { property: 'a b' } } }));
    assert.match((await runCli(['-w', dir, 'points', '1', '--rules', bad])).stderr, /bad\.json: points\.redeem\.property: expected a property name/);
    writeFileSync(bad, '{"name": "bad",');
    assert.match((await runCli(['-w', dir, 'points', 'define', bad])).stderr, /bad\.json: not valid JSON/);
    assert.equal(existsSync(join(dir, 'definitions', 'points', 'bad.json')), false);
    assert.match((await runCli(['-w', dir, 'points', '99'])).stderr, /user 99 is not known/);
    assert.equal((await runCli(['-w', dir, 'points', 'x1'])).code, 2);
    assert.equal((await runCli(['-w', dir, 'points', '--expiring-days', '0'])).code, 2);
  });
});

describe('points on a synthetic world', () => {
  test('earned points equal the orders\' and reviews\' points computed apart; nothing is redeemed', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await synthesize(ws, resolveSynthOptions({ users: 600, days: 30, seed: 4 }));
      const rules = builtinRules();
      const s = await pointsSummary(ws, { rules });
      const [expected] = await ws.wh.query<{ orders: number; reviews: number }>(
        `SELECT (SELECT sum(floor(round(a, 6))) FROM (SELECT sum(amount) AS a FROM orders WHERE status <> 'refunded' GROUP BY order_id)) AS orders,
           (SELECT 20 * count(*) FROM reviews WHERE text_length >= 50 OR media IN ('image', 'video')) AS reviews`,
      );
      assert.equal(s.earned, Number(expected!.orders) + Number(expected!.reviews));
      // The synthetic coupon_use events carry no points: only earning and expiry apply, and nothing expires before 2019.
      assert.deepEqual([s.redeemed, s.expired, s.entries.redeem, s.balance], [0, 0, 0, s.earned]);
      const build = await buildPoints(ws); // no stored rules: the built-in ones
      assert.equal(build.balance, s.balance);
      assert.equal(build.rows, s.users);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

test('replayed in parts, users with negative ids are counted like the others', async () => {
  const { dir, cleanup } = tempDir();
  const ws = await Workspace.init(join(dir, 'ws'));
  try {
    // Ids -7, -3, 4, 9: in SQL -7 % 3 is -1, which no part 0-2 matched before the remainder was made non-negative.
    let order = 1;
    for (const user of [-7, -3, 4, 9]) {
      await ws.wh.run("INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, 1, TIMESTAMP '2017-05-01 10:00:00', 10, 'delivered')", [order++, user]);
    }
    const whole = await pointsSummary(ws, { asOf: AS_OF, rules: threeMonths });
    const parts = await pointsSummary(ws, { asOf: AS_OF, rules: threeMonths, rowsPerPart: 1 });
    assert.deepEqual([whole.users, whole.earned], [4, 40]);
    assert.deepEqual(parts, whole);
  } finally {
    await ws.close();
    cleanup();
  }
});
