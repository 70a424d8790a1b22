import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPurchaseCycles, dueWithin, evaluateCycles } from '../src/analytics/cycles/index.js';
import { PortraitError } from '../src/errors.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir, tempWorkspace } from './helpers.js';

const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const AS_OF = new Date('2017-12-25T23:59:59Z'); // end of 2017-12-25, local wall clock

/** [user, 'YYYY-MM-DD HH:MM:SS', category, item] buys. */
type Buy = [number, string, number, number];
const BUYS: Buy[] = [
  // user 1, tissues (11) on "days 1, 31, 60, 92" = Sep 1, Oct 1, Oct 30, Dec 1: gaps 30, 29, 32 -> median 30
  [1, '2017-09-01 09:00:00', 11, 101],
  [1, '2017-10-01 20:00:00', 11, 101],
  [1, '2017-10-30 08:00:00', 11, 101],
  [1, '2017-10-30 21:00:00', 11, 102], // same day again: counts once
  [1, '2017-12-01 10:00:00', 11, 101],
  [1, '2017-12-28 10:00:00', 11, 101], // after as-of: ignored
  [1, '2017-11-11 11:11:00', 99, 901], // a gift, once
  [1, '2017-10-05 10:00:00', 12, 121], // bought twice only
  [1, '2017-11-05 10:00:00', 12, 121],
  // user 2, interval 10, due Dec 1: 24 days overdue (more than one interval) -> not due
  [2, '2017-11-01 10:00:00', 11, 101],
  [2, '2017-11-11 10:00:00', 11, 101],
  [2, '2017-11-21 10:00:00', 11, 101],
  // user 3, interval 20, due Dec 20: 5 days overdue -> due
  [3, '2017-10-21 10:00:00', 13, 131],
  [3, '2017-11-10 10:00:00', 13, 131],
  [3, '2017-11-30 10:00:00', 13, 131],
  // user 5, interval 10, due Jan 1: in 7 days -> due within 7d
  [5, '2017-12-02 10:00:00', 15, 151],
  [5, '2017-12-12 10:00:00', 15, 151],
  [5, '2017-12-22 10:00:00', 15, 151],
  // user 6, interval 10, due Jan 2: in 8 days -> not within 7d
  [6, '2017-12-03 10:00:00', 15, 151],
  [6, '2017-12-13 10:00:00', 15, 151],
  [6, '2017-12-23 10:00:00', 15, 151],
  // user 7, interval 10, due Dec 15: exactly one interval overdue -> still due
  [7, '2017-11-15 10:00:00', 16, 161],
  [7, '2017-11-25 10:00:00', 16, 161],
  [7, '2017-12-05 10:00:00', 16, 161],
  // user 8, gaps 9 and 12 and 12 and 9 (even count): median 10.5 -> due date rounds to last + 11
  [8, '2017-10-01 10:00:00', 17, 171],
  [8, '2017-10-10 10:00:00', 17, 171],
  [8, '2017-10-22 10:00:00', 17, 171],
  [8, '2017-11-03 10:00:00', 17, 171],
  [8, '2017-11-12 10:00:00', 17, 171],
];

interface CycleRow {
  user_id: number;
  category_id: number;
  purchases: number;
  interval_days: number;
  interval_spread_days: number;
  last_purchase: Date;
  next_due: Date;
  days_until_due: number;
  as_of: Date;
}

describe('purchase cycles on a hand-computed fixture', () => {
  let ws: Workspace;
  let wsDir: string;
  let cleanup: () => void;

  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    wsDir = join(t.dir, 'ws');
    ws = await Workspace.init(wsDir);
    let id = 1;
    for (const [user, ts, category, item] of BUYS) {
      await ws.wh.run(
        "INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, amount) VALUES ($1, $2, CAST($3 AS TIMESTAMP), 'buy', $4, $5, 9.9)",
        [id++, user, ts, item, category],
      );
    }
    // a view is not a purchase
    await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type, item_id, category_id) VALUES (999, 2, TIMESTAMP '2017-12-20 10:00:00', 'pv', 101, 11)");
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('intervals, spread, next due and days until due', async () => {
    const report = await buildPurchaseCycles(ws, { asOf: AS_OF });
    assert.equal(report.rows, 7);
    const rows = await ws.wh.query<CycleRow>('SELECT * FROM purchase_cycles ORDER BY user_id, category_id');
    const u1 = rows.filter((r) => Number(r.user_id) === 1);
    assert.deepEqual(u1.map((r) => Number(r.category_id)), [11], 'the gift (99) and the twice-bought 12 are left out');
    const t = u1[0]!;
    assert.equal(Number(t.purchases), 4); // 4 distinct days; the same-day repeat and the buy after as-of do not count
    assert.equal(t.interval_days, 30); // median of 30, 29, 32
    assert.equal(t.interval_spread_days, 1); // median of |0|, |-1|, |2|
    assert.equal(day(t.last_purchase), '2017-12-01'); // not Dec 28 (after as-of)
    assert.equal(day(t.next_due), '2017-12-31'); // day 92 + 30 = day 122
    assert.equal(Number(t.days_until_due), 6); // Dec 31 - Dec 25
    assert.equal(day(t.as_of), '2017-12-25');
    const u8 = rows.find((r) => Number(r.user_id) === 8)!;
    assert.equal(u8.interval_days, 10.5);
    assert.equal(u8.interval_spread_days, 1.5);
    assert.equal(day(u8.next_due), '2017-11-23'); // Nov 12 + round(10.5) = + 11
    const u2 = rows.find((r) => Number(r.user_id) === 2)!;
    assert.equal(Number(u2.days_until_due), -24);
  });

  test('minPurchases 2 admits the twice-bought category; below 2 is refused', async () => {
    await buildPurchaseCycles(ws, { asOf: AS_OF, minPurchases: 2 });
    const r = await ws.wh.query<CycleRow>('SELECT * FROM purchase_cycles WHERE user_id = 1 AND category_id = 12');
    assert.equal(r.length, 1);
    assert.equal(r[0]!.interval_days, 31);
    await assert.rejects(buildPurchaseCycles(ws, { minPurchases: 1 }), PortraitError);
  });

  test('as-of moves with the build: events after it are ignored', async () => {
    await buildPurchaseCycles(ws, { asOf: new Date('2017-11-30T23:59:59Z') });
    const r = await ws.wh.query<CycleRow>('SELECT * FROM purchase_cycles WHERE user_id = 1 AND category_id = 11');
    assert.equal(Number(r[0]!.purchases), 3); // Sep 1, Oct 1, Oct 30
    assert.equal(r[0]!.interval_days, 29.5); // median of 30, 29
    assert.equal(day(r[0]!.next_due), '2017-11-29'); // Oct 30 + 30 (29.5 rounds half away from zero)
    assert.equal(Number(r[0]!.days_until_due), -1);
    // default as-of: the newest event (Dec 28): the late buy counts
    await buildPurchaseCycles(ws);
    const d = await ws.wh.query<CycleRow>('SELECT * FROM purchase_cycles WHERE user_id = 1 AND category_id = 11');
    assert.equal(Number(d[0]!.purchases), 5);
    assert.equal(day(d[0]!.last_purchase), '2017-12-28');
  });

  test('dueWithin: due in the next N days or overdue by at most one interval, by due date', async () => {
    await buildPurchaseCycles(ws, { asOf: AS_OF });
    const due = await dueWithin(ws, { within: 7 });
    const got = due.rows.map((r) => [r.user_id, r.category_id, day(r.next_due), r.days_until_due, r.interval_days]);
    assert.deepEqual(got, [
      [7, 16, '2017-12-15', -10, 10],
      [3, 13, '2017-12-20', -5, 20],
      [1, 11, '2017-12-31', 6, 30],
      [5, 15, '2018-01-01', 7, 10],
    ]);
    assert.equal(due.total, 4);
    assert.equal(day(due.asOf), '2017-12-25');
    const later = await dueWithin(ws, { within: 0, asOf: new Date('2018-01-02T12:00:00Z'), categoryId: 15 });
    assert.deepEqual(later.rows.map((r) => [r.user_id, r.days_until_due]), [[5, -1], [6, 0]]);
    const limited = await dueWithin(ws, { within: 7, limit: 2 });
    assert.equal(limited.rows.length, 2);
    assert.equal(limited.total, 4);
  });

  test('portrait due --within 7d lists the hand-expected rows; bad --within exits 2', async () => {
    await buildPurchaseCycles(ws, { asOf: AS_OF });
    await ws.close();
    const r = await runCli(['--workspace', wsDir, 'due', '--within', '7d', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: { user_id: number; category_id: number; next_due: string; days_until_due: number }[] };
    assert.deepEqual(out.rows.map((x) => [x.user_id, x.category_id, day(x.next_due), x.days_until_due]), [
      [7, 16, '2017-12-15', -10],
      [3, 13, '2017-12-20', -5],
      [1, 11, '2017-12-31', 6],
      [5, 15, '2018-01-01', 7],
    ]);
    const weeks = JSON.parse((await runCli(['--workspace', wsDir, 'due', '--within', '1w', '--json'])).stdout) as { rows: unknown[] };
    assert.equal(weeks.rows.length, 4);
    const readable = await runCli(['--workspace', wsDir, 'due', '--within', '7', '--as-of', '2017-12-25', '--limit', '1']);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /due within 7 day\(s\) of 2017-12-25/);
    assert.match(readable.stdout, /2017-12-15/);
    assert.match(readable.stdout, /3 more/);
    const bad = await runCli(['--workspace', wsDir, 'due', '--within', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /7, 7d or 2w/);
    const noTruth = await runCli(['--workspace', wsDir, 'due', 'evaluate']);
    assert.equal(noTruth.code, 1);
    assert.match(noTruth.stderr, /no ground truth/);
    ws = await Workspace.open(wsDir);
  });
});

test('portrait due without a build says to run portrait build', async () => {
  const { ws, dir, done } = await tempWorkspace();
  await ws.close();
  const r = await runCli(['--workspace', join(dir, 'ws'), 'due']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not been built/);
  assert.match(r.stderr, /portrait build/);
  await done().catch(() => undefined);
});

test('evaluateCycles on a synthetic world (500 users, default preset)', async () => {
  const { ws, dir, done } = await tempWorkspace();
  try {
    await synthesize(ws, resolveSynthOptions({ users: 500, seed: 7 }));
    const e = await evaluateCycles(ws);
    console.log(JSON.stringify(e));
    assert.ok(e.matched >= 10, `matched ${e.matched}`);
    assert.ok(e.interval.mae !== null && e.interval.mae < 5, `interval MAE ${e.interval.mae}`);
    assert.ok(e.nextDate.count > 0);
    assert.ok(e.interval.within3 !== null && e.interval.within3 > 0.8, `interval within 3 days ${e.interval.within3}`);
    assert.ok(e.nextDate.mae !== null && e.nextDate.mae < 6, `next-date MAE ${e.nextDate.mae}`);
    await ws.close();
    const cli = await runCli(['--workspace', join(dir, 'ws'), 'due', 'evaluate', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal((JSON.parse(cli.stdout) as { matched: number }).matched, e.matched);
  } finally {
    await done().catch(() => undefined);
  }
});
