import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { resolveGrouping } from '../src/analytics/grouping.js';
import { computeMetrics, type MetricsResult, type MetricsRow } from '../src/analytics/metrics/index.js';
import { lifecycleChart, stageAtSql, stageTransitions } from '../src/analytics/lifecycle/index.js';
import { registerMetricsCommands } from '../src/cli/commands/metrics.js';
import { io } from '../src/cli/context.js';
import { SqlParams } from '../src/conditions/params.js';
import { PortraitError } from '../src/errors.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { Workspace } from '../src/workspace/workspace.js';
import { SAMPLE, tempDir } from './helpers.js';

/**
 * The story (local wall-clock times). 2017-11-06 is a Monday.
 *
 *   u1  pv 11-06; pv + buy 100 on 11-07; pv + buy 50 on 11-09
 *   u2  pv 11-06; fav 11-08 (a fav is activity but not a visit)
 *   u3  pv 09-01; pv + buy 30 on 11-07 (back after 67 days)
 *   u4  content_view + buy 20 + buy 40 on 11-08 (two buys on one day)
 *   u5  pv + buy 10 on 11-10; pv + buy 15 on 11-12 (after the daily range, inside the week)
 *   u6  pv + buy 60 on 2016-11-07 (a year earlier); cart at 23:59:59 on 2017-11-09
 *   u7  pv 11-05 (the day before the range)
 *   u8  pv 10-01 and 10-20
 *   u9  pv 09-15
 *   u10 pv 08-05
 */
type Ev = [user: number, ts: string, type: string, amount?: number];
const EVENTS: Ev[] = [
  [1, '2017-11-06 10:00:00', 'pv'],
  [1, '2017-11-07 09:00:00', 'pv'],
  [1, '2017-11-07 09:30:00', 'buy', 100],
  [1, '2017-11-09 20:00:00', 'pv'],
  [1, '2017-11-09 20:05:00', 'buy', 50],
  [2, '2017-11-06 11:00:00', 'pv'],
  [2, '2017-11-08 12:00:00', 'fav'],
  [3, '2017-09-01 08:00:00', 'pv'],
  [3, '2017-11-07 08:00:00', 'pv'],
  [3, '2017-11-07 08:10:00', 'buy', 30],
  [4, '2017-11-08 13:00:00', 'content_view'],
  [4, '2017-11-08 13:05:00', 'buy', 20],
  [4, '2017-11-08 18:00:00', 'buy', 40],
  [5, '2017-11-10 10:00:00', 'pv'],
  [5, '2017-11-10 10:05:00', 'buy', 10],
  [5, '2017-11-12 09:00:00', 'pv'],
  [5, '2017-11-12 09:10:00', 'buy', 15],
  [6, '2016-11-07 10:00:00', 'pv'],
  [6, '2016-11-07 10:05:00', 'buy', 60],
  [6, '2017-11-09 23:59:59', 'cart'],
  [7, '2017-11-05 22:00:00', 'pv'],
  [8, '2017-10-01 12:00:00', 'pv'],
  [8, '2017-10-20 12:00:00', 'pv'],
  [9, '2017-09-15 12:00:00', 'pv'],
  [10, '2017-08-05 12:00:00', 'pv'],
];
const GENDER: [number, string][] = [[1, 'female'], [2, 'male'], [3, 'female'], [4, 'female'], [5, 'male'], [6, 'male'], [7, 'female']];

async function buildFixture(dir: string): Promise<void> {
  const ws = await Workspace.init(dir);
  let id = 1;
  for (const [user, ts, type, amount] of EVENTS) {
    await ws.wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, amount) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, 7, $6)',
      [id++, user, ts, type, 100 + user, amount ?? null],
    );
  }
  // the shape of tag_values (src/tags/values/build.ts), filled directly: gender for u1..u7; u8..u10 have none
  await ws.wh.run('CREATE TABLE IF NOT EXISTS tag_values (tag VARCHAR, user_id BIGINT, num DOUBLE, txt VARCHAR, ts TIMESTAMP, lst VARCHAR[])');
  for (const [user, g] of GENDER) await ws.wh.run("INSERT INTO tag_values (tag, user_id, txt) VALUES ('gender', $1, $2)", [user, g]);
  await ws.close();
}

const near = (actual: number | null | undefined, expected: number | null, what: string) => {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
};

function row(r: MetricsResult, period: string, group: string | null = null): MetricsRow {
  const found = r.rows.find((x) => x.period === period && x.group === group);
  assert.ok(found, `no row for ${period} ${group}`);
  return found;
}

/** Expected values per day, computed by hand from the story (known = first event on or before the day). */
const DAILY = {
  //            new act dau wau mau known start ratio vis buy ord gmv  aov  conv repur retbuy arpu growth
  '2017-11-06': [2, 2, 2, 3, 4, 8, 6, 2 / 8, 2, 0, 0, 0, null, 0, null, null, 0, 2 / 6],
  '2017-11-07': [0, 2, 2, 4, 5, 8, 8, 2 / 8, 2, 2, 2, 130, 65, 1, 0, 0, 65, 0],
  '2017-11-08': [1, 2, 2, 5, 6, 9, 8, 2 / 9, 1, 1, 2, 60, 30, 1, 0, 0, 30, 1 / 8],
  '2017-11-09': [0, 2, 2, 6, 7, 9, 9, 2 / 9, 1, 1, 1, 50, 50, 1, 0, 1, 25, 0],
} as const;
const NAMES = ['newUsers', 'activeUsers', 'dau', 'wau', 'mau', 'knownUsers', 'knownAtStart', 'activeRatio', 'visitors', 'buyers', 'orders',
  'gmv', 'aov', 'conversionRate', 'repurchaseRate', 'returningBuyerRate', 'arpu', 'userGrowthRate'] as const;

describe('growth metrics and lifecycle on a hand-computed story', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    await buildFixture(dir);
    ws = await Workspace.open(dir);
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('every metric per day, from buy events', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-06', to: '2017-11-09', grain: 'day' });
    assert.equal(r.orderSource, 'buy events');
    assert.deepEqual(r.rows.map((x) => x.period), Object.keys(DAILY));
    for (const [day, expected] of Object.entries(DAILY)) {
      const v = row(r, day).values;
      assert.equal(row(r, day).periodEnd, day);
      NAMES.forEach((name, i) => near(v[name], expected[i]!, `${day} ${name}`));
      near(v.avgDau, 2, `${day} avgDau`);
    }
  });

  test('period-over-period: against the day before, which has data (u7 on 11-05)', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-06', to: '2017-11-07', grain: 'day' });
    const c = row(r, '2017-11-06').change!;
    assert.equal(row(r, '2017-11-06').previousPeriod, '2017-11-05');
    // 11-05: 1 new, 1 active, WAU 1, MAU 2 (u7, u8), known 6 of whom 5 before, no buyer
    near(c.newUsers, 1, 'new 2 vs 1');
    near(c.activeUsers, 1, 'active 2 vs 1');
    near(c.wau, 2, 'WAU 3 vs 1');
    near(c.mau, 1, 'MAU 4 vs 2');
    near(c.knownUsers, 8 / 6 - 1, 'known 8 vs 6');
    near(c.activeRatio, 0.25 / (1 / 6) - 1, 'active ratio');
    near(c.userGrowthRate, 1 / 3 / (1 / 5) - 1, 'growth');
    for (const m of ['buyers', 'orders', 'gmv', 'aov', 'conversionRate', 'arpu', 'repurchaseRate'] as const) near(c[m], null, `${m}: nothing to compare with`);
    const c7 = row(r, '2017-11-07').change!;
    near(c7.newUsers, -1, 'new 0 vs 2');
    near(c7.activeUsers, 0, 'active 2 vs 2');
    near(c7.mau, 0.25, 'MAU 5 vs 4');
    near(c7.buyers, null, 'no buyer the day before');
  });

  test('year-on-year where the data has the year-earlier day, null elsewhere', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-06', to: '2017-11-09', grain: 'day' });
    assert.equal(row(r, '2017-11-06').yoy, null); // 2016-11-06: no event
    assert.equal(row(r, '2017-11-09').yoy, null);
    const y = row(r, '2017-11-07');
    assert.equal(y.yearAgoPeriod, '2016-11-07');
    // 2016-11-07: u6 alone: 1 new, 1 active, 1 buyer, 1 order, GMV 60
    near(y.yoy!.activeUsers, 1, 'active 2 vs 1');
    near(y.yoy!.orders, 1, 'orders 2 vs 1');
    near(y.yoy!.gmv, 130 / 60 - 1, 'GMV 130 vs 60');
    near(y.yoy!.aov, 65 / 60 - 1, 'AOV 65 vs 60');
    near(y.yoy!.conversionRate, 0, 'conversion 1 vs 1');
    near(y.yoy!.newUsers, -1, 'new 0 vs 1');
    near(y.yoy!.knownUsers, 7, 'known 8 vs 1');
    near(y.yoy!.userGrowthRate, null, 'nobody known before 2016-11-07');
  });

  test('a week: repurchase over two purchase days, trailing windows at Sunday, 52 weeks earlier', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-06', to: '2017-11-09', grain: 'week' });
    assert.equal(r.rows.length, 1);
    const w = row(r, '2017-11-06');
    assert.equal(w.periodEnd, '2017-11-12');
    const v = w.values;
    const expected: Record<string, number | null> = {
      newUsers: 4, activeUsers: 6, dau: 1, wau: 6, mau: 8, knownUsers: 10, knownAtStart: 6, activeRatio: 0.6, visitors: 5, buyers: 4,
      orders: 7, gmv: 265, aov: 265 / 7, conversionRate: 0.8, repurchaseRate: 0.5, returningBuyerRate: 0, arpu: 265 / 6,
      userGrowthRate: 4 / 6, avgDau: 10 / 7,
    };
    for (const [m, e] of Object.entries(expected)) near(v[m as keyof typeof v], e, `week ${m}`);
    assert.equal(w.previousPeriod, '2017-10-30');
    near(w.change!.newUsers, 3, 'new 4 vs 1 (u7)');
    near(w.change!.activeUsers, 5, 'active 6 vs 1');
    assert.equal(w.yearAgoPeriod, '2016-11-07');
    near(w.yoy!.orders, 6, 'orders 7 vs 1');
    near(w.yoy!.gmv, 265 / 60 - 1, 'GMV 265 vs 60');
  });

  test('a month: the previous month has u8, so there is a change', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-06', to: '2017-11-09', grain: 'month' });
    const m = row(r, '2017-11-01');
    assert.equal(m.periodEnd, '2017-11-30');
    near(m.values.activeUsers, 7, 'active in November');
    near(m.values.newUsers, 5, 'new in November: u1 u2 u4 u5 u7');
    near(m.values.knownAtStart, 5, 'known before November');
    near(m.change!.activeUsers, 6, '7 vs 1 in October');
    near(m.yoy!.orders, 6, 'orders 7 vs 1 in November 2016');
  });

  test('breakdown by a tag: u8..u10 have no gender and are left out', async () => {
    const by = await resolveGrouping(ws, 'gender');
    const r = await computeMetrics(ws, { from: '2017-11-07', to: '2017-11-09', grain: 'day', by });
    assert.equal(r.by, 'tag gender');
    const f7 = row(r, '2017-11-07', 'female').values;
    near(f7.activeUsers, 2, 'u1 u3');
    near(f7.gmv, 130, 'female GMV');
    near(f7.knownUsers, 3, 'u1 u3 u7 (u4 comes on 11-08)');
    const m7 = row(r, '2017-11-07', 'male').values;
    near(m7.activeUsers, 0, 'no man on 11-07');
    near(m7.knownUsers, 2, 'u2 u6');
    const f8 = row(r, '2017-11-08', 'female').values;
    near(f8.newUsers, 1, 'u4');
    near(f8.orders, 2, 'two buys');
    near(f8.activeRatio, 1 / 4, 'u4 of u1 u3 u4 u7');
    const m8 = row(r, '2017-11-08', 'male').values;
    near(m8.visitors, 0, 'a fav is not a visit');
    near(m8.activeRatio, 1 / 2, 'u2 of u2 u6');
    near(row(r, '2017-11-09', 'female').values.wau, 4, 'u7 u1 u3 u4');
    near(row(r, '2017-11-09', 'male').values.wau, 2, 'u2 u6');
    near(row(r, '2017-11-08', 'female').change!.activeUsers, -0.5, '1 vs 2');
    await assert.rejects(resolveGrouping(ws, 'no_such_tag'), PortraitError);
  });

  test('lifecycle chart per day, week and month', async () => {
    const day = await lifecycleChart(ws, { from: '2017-11-06', to: '2017-11-09', grain: 'day' });
    assert.equal(day.newAnchor, 'first event');
    const pick = (r: typeof day) => r.rows.map((x) => [x.period, x.new, x.returning, x.resurrecting, x.dormant]);
    assert.deepEqual(pick(day), [
      ['2017-11-06', 2, 0, 0, -1], // u1 u2 new; u7 (11-05) dormant
      ['2017-11-07', 0, 1, 1, -1], // u1 returning; u3 resurrecting (09-01); u2 dormant
      ['2017-11-08', 1, 0, 1, -2], // u4 new; u2 resurrecting; u1 u3 dormant
      ['2017-11-09', 0, 0, 2, -2], // u1 and u6 (2016) resurrecting; u2 u4 dormant
    ]);
    for (const x of day.rows) assert.equal(x.active, x.new + x.returning + x.resurrecting);
    const week = await lifecycleChart(ws, { from: '2017-11-06', to: '2017-11-12', grain: 'week' });
    assert.deepEqual(pick(week), [['2017-11-06', 4, 0, 2, -1]]); // u1 u2 u4 u5 new; u3 u6 back; u7 dormant
    const month = await lifecycleChart(ws, { from: '2017-10-01', to: '2017-11-30', grain: 'month' });
    assert.deepEqual(pick(month), [
      ['2017-10-01', 1, 0, 0, -2], // u8 new; u3 u9 (September) dormant
      ['2017-11-01', 5, 0, 2, -1], // u7 u1 u2 u4 u5 new; u3 u6 resurrecting; u8 dormant
    ]);
  });

  test('stages on a day, with the boundaries of dormant, churned, new and won back', async () => {
    const stages = async (day: string) => {
      const p = new SqlParams();
      const rows = await ws.wh.query<{ user_id: number; stage: string }>(`SELECT user_id, stage FROM (${stageAtSql(p, day)}) ORDER BY user_id`, p.values);
      return Object.fromEntries(rows.map((r) => [r.user_id, r.stage]));
    };
    const nov3 = await stages('2017-11-03');
    assert.equal(nov3[10], 'dormant'); // last event 90 days before
    assert.equal((await stages('2017-11-04'))[10], 'churned'); // 91 days
    assert.equal(nov3[8], 'active');
    assert.equal(nov3[1], undefined); // not seen yet
    const nov11 = await stages('2017-11-11');
    assert.equal(nov11[7], 'new'); // first event 6 days before
    assert.equal((await stages('2017-11-12'))[7], 'active'); // 7 days
    assert.equal((await stages('2017-12-06'))[3], 'won_back'); // returned 11-07 after 67 days away: 29 days ago
    assert.equal((await stages('2017-12-07'))[3], 'dormant'); // 30 days since 11-07
    assert.equal((await stages('2017-10-01'))[8], 'new');
  });

  test('stage transitions between two days', async () => {
    const t = await stageTransitions(ws, { from: '2017-11-01', to: '2017-11-09' });
    assert.deepEqual(
      t.rows.map((r) => [r.from, r.to, r.users]),
      [
        ['unseen', 'new', 4], // u1 u2 u4 u7
        ['active', 'active', 1], // u8
        ['dormant', 'won_back', 1], // u3
        ['dormant', 'dormant', 1], // u9
        ['dormant', 'churned', 1], // u10
        ['churned', 'won_back', 1], // u6
      ],
    );
    assert.deepEqual(t.atFrom, { new: 0, won_back: 0, active: 1, dormant: 3, churned: 1 });
    assert.deepEqual(t.atTo, { new: 4, won_back: 2, active: 1, dormant: 1, churned: 1 });
    const strict = await stageTransitions(ws, { from: '2017-11-01', to: '2017-11-09', thresholds: { newDays: 1 } });
    assert.equal(strict.rows.find((r) => r.from === 'unseen' && r.to === 'active')?.users, 4);
    await assert.rejects(stageTransitions(ws, { from: '2017-11-09', to: '2017-11-01' }), PortraitError);
  });

  test('orders come from the orders table once it holds rows: distinct order ids, paid amounts', async () => {
    const lines: [number, number, number, string, number][] = [
      [501, 1, 11, '2017-11-07 09:30:00', 60],
      [501, 1, 12, '2017-11-07 09:30:00', 40],
      [502, 3, 13, '2017-11-07 08:10:00', 30],
      [503, 4, 14, '2017-11-08 13:05:00', 20], // u4's two buys were one order
      [503, 4, 15, '2017-11-08 13:05:00', 40],
      [504, 1, 16, '2017-11-09 20:05:00', 50],
    ];
    for (const [order, user, item, ts, amount] of lines) {
      await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), $5)', [order, user, item, ts, amount]);
    }
    try {
      const r = await computeMetrics(ws, { from: '2017-11-07', to: '2017-11-09', grain: 'day' });
      assert.equal(r.orderSource, 'orders');
      near(row(r, '2017-11-07').values.orders, 2, '501 502');
      near(row(r, '2017-11-07').values.gmv, 130, '100 + 30');
      near(row(r, '2017-11-08').values.orders, 1, '503');
      near(row(r, '2017-11-08').values.aov, 60, 'one order of 60');
      near(row(r, '2017-11-09').values.returningBuyerRate, 1, 'u1 ordered on 11-07');
    } finally {
      await ws.wh.run('DELETE FROM orders');
    }
  });

  test('bad options are refused', async () => {
    await assert.rejects(computeMetrics(ws, { from: '2017-11-09', to: '2017-11-06', grain: 'day' }), PortraitError);
    await assert.rejects(computeMetrics(ws, { from: '2017-11-31', to: '2017-12-06', grain: 'day' }), PortraitError);
    await assert.rejects(computeMetrics(ws, { from: '2017-11-01', to: '2017-11-06', grain: 'year' as 'day' }), PortraitError);
    await assert.rejects(lifecycleChart(ws, { from: 'yesterday', to: '2017-11-06', grain: 'day' }), PortraitError);
  });
});

/** Runs `portrait ...args` through a program holding only these commands. */
async function runCommands(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const saved = { ...io };
  io.out = (t) => void (stdout += t);
  io.err = (t) => void (stderr += t);
  const program = new Command('portrait').exitOverride().configureOutput({ writeOut: (t) => void (stdout += t), writeErr: (t) => void (stderr += t) });
  program.option('--workspace <dir>');
  registerMetricsCommands(program);
  try {
    await program.parseAsync(['node', 'portrait', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { exitCode?: number; message: string };
    return { code: e.exitCode ?? 1, stdout, stderr: stderr + e.message };
  } finally {
    Object.assign(io, saved);
  }
}

describe('the metrics and lifecycle commands', () => {
  let dir: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    await buildFixture(dir);
  });
  after(() => cleanup());

  test('portrait metrics --json and readable, with --by', async () => {
    const json = await runCommands(['--workspace', dir, 'metrics', '--from', '2017-11-06', '--to', '2017-11-09', '--grain', 'day', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as MetricsResult;
    assert.equal(r.rows.length, 4);
    assert.equal(row(r, '2017-11-07').values.gmv, 130);
    const text = await runCommands(['--workspace', dir, 'metrics', '--from', '2017-11-06', '--to', '2017-11-09', '--grain', 'week', '--by', 'gender']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /metrics per week, 2017-11-06 to 2017-11-09, by tag gender \(orders from buy events\)/);
    assert.match(text.stdout, /2017-11-06\s+female/);
  });

  test('portrait lifecycle and lifecycle transitions', async () => {
    const chart = await runCommands(['--workspace', dir, 'lifecycle', '--from', '2017-11-06', '--to', '2017-11-09', '--json']);
    assert.equal(chart.code, 0, chart.stderr);
    assert.deepEqual((JSON.parse(chart.stdout) as { rows: { dormant: number }[] }).rows.map((x) => x.dormant), [-1, -1, -2, -2]);
    const tr = await runCommands(['--workspace', dir, 'lifecycle', 'transitions', '--from', '2017-11-01', '--to', '2017-11-09', '--json']);
    assert.equal(tr.code, 0, tr.stderr);
    const t = JSON.parse(tr.stdout) as { from: string; to: string; atTo: Record<string, number> };
    assert.equal(t.from, '2017-11-01');
    assert.equal(t.to, '2017-11-09');
    assert.equal(t.atTo.won_back, 2);
    const readable = await runCommands(['--workspace', dir, 'lifecycle', 'transitions', '--from', '2017-11-01', '--to', '2017-11-09']);
    assert.match(readable.stdout, /dormant\s+0\s+1\s+0\s+1\s+1\s+3/);
  });

  test('bad options are usage errors', async () => {
    const grain = await runCommands(['--workspace', dir, 'metrics', '--grain', 'year']);
    assert.notEqual(grain.code, 0);
    assert.match(grain.stderr, /expected day, week or month/);
    const day = await runCommands(['--workspace', dir, 'lifecycle', '--from', '2017-02-30']);
    assert.notEqual(day.code, 0);
    assert.match(day.stderr, /expected a date YYYY-MM-DD/);
  });
});

describe('metrics on the Taobao sample', () => {
  let ws: Workspace;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    ws = await Workspace.init(join(t.dir, 'ws'));
    await importTaobao(ws, [SAMPLE]);
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('DAU, buyers, orders, WAU and MAU per day equal direct counts', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-25', to: '2017-12-03', grain: 'day' });
    assert.equal(r.rows.length, 9);
    const direct = await ws.wh.query<{ d: string; dau: number; buyers: number; buys: number; visitors: number }>(
      `SELECT strftime(CAST(ts AS DATE), '%Y-%m-%d') AS d, count(DISTINCT user_id) AS dau,
              count(DISTINCT user_id) FILTER (WHERE type = 'buy') AS buyers, count(*) FILTER (WHERE type = 'buy') AS buys,
              count(DISTINCT user_id) FILTER (WHERE type = 'pv') AS visitors
       FROM events WHERE ts >= TIMESTAMP '2017-11-25' AND ts < TIMESTAMP '2017-12-04' GROUP BY 1 ORDER BY 1`,
    );
    assert.equal(direct.length, 9);
    for (const d of direct) {
      const v = row(r, d.d).values;
      assert.equal(v.dau, d.dau, `DAU ${d.d}`);
      assert.equal(v.activeUsers, d.dau, `active ${d.d}`);
      assert.equal(v.buyers, d.buyers, `buyers ${d.d}`);
      assert.equal(v.orders, d.buys, `orders ${d.d}`);
      assert.equal(v.visitors, d.visitors, `visitors ${d.d}`);
      const window = async (days: number) =>
        (await ws.wh.query<{ n: number }>(
          `SELECT count(DISTINCT user_id) AS n FROM events WHERE ts >= CAST($1 AS DATE) - $2 + 1 AND ts < CAST($1 AS DATE) + 1`,
          [d.d, days],
        ))[0]!.n;
      assert.equal(v.wau, await window(7), `WAU ${d.d}`);
      assert.equal(v.mau, await window(30), `MAU ${d.d}`);
    }
    // no amounts and no item prices in the Taobao data: GMV is unknown, not zero
    assert.ok(r.rows.every((x) => x.values.orders === 0 || x.values.gmv === null));
    const life = await lifecycleChart(ws, { from: '2017-11-25', to: '2017-12-03', grain: 'day' });
    for (const x of life.rows) assert.equal(x.active, row(r, x.period).values.activeUsers, `lifecycle active ${x.period}`);
  });

  test('the whole sample: users and buyers match the workspace summary', async () => {
    const r = await computeMetrics(ws, { from: '2017-11-01', to: '2017-12-31', grain: 'month' });
    const [all] = await ws.wh.query<{ users: number; buyers: number; first: string }>(
      "SELECT count(DISTINCT user_id) AS users, count(DISTINCT user_id) FILTER (WHERE type = 'buy') AS buyers, strftime(min(ts), '%Y-%m-%d') AS first FROM events",
    );
    const dec = row(r, '2017-12-01').values;
    assert.equal(dec.knownUsers, all!.users);
    const nov = row(r, '2017-11-01').values;
    assert.equal(nov.knownAtStart + nov.newUsers + dec.newUsers, all!.users);
  });
});
