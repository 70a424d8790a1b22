import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { activityHeatmap, viewToPurchase } from '../src/analytics/activity/index.js';
import { funnel, funnelAttemptsSql, parseStepSpec, parseStepsJson, parseStepsList, embedSql, type FunnelOrder, type FunnelStep } from '../src/analytics/funnel/index.js';
import { retention } from '../src/analytics/retention/index.js';
import { SqlParams } from '../src/conditions/params.js';
import { PortraitError } from '../src/errors.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { io, processIo } from '../src/cli/context.js';
import { registerFunnelCommands } from '../src/cli/commands/funnel.js';
import { SegmentRegistry } from '../src/segments/registry.js';
import { buildTags } from '../src/tags/values/build.js';
import { Workspace } from '../src/workspace/workspace.js';
import { count, SAMPLE, tempWorkspace } from './helpers.js';

const BASE = Date.parse('2017-11-25T00:00:00Z'); // a Saturday, local wall clock
const at = (minute: number) => new Date(BASE + minute * 60_000);
const minuteOf = (ms: number | bigint | null) => (ms === null ? null : (Number(ms) - BASE) / 60_000);

/** [user, minute after BASE, type, category] */
type Ev = [number, number, string, number?];

/** Funnel stories, pv -> cart -> buy: each user's events with the expected outcome per mode and window. */
const STORIES: Ev[] = [
  // U1: the plain path.
  [1, 0, 'pv'], [1, 10, 'cart'], [1, 20, 'buy'],
  // U2: a view between cart and buy: fine in order, breaks the strict chain after the cart.
  [2, 0, 'pv'], [2, 10, 'cart'], [2, 15, 'pv'], [2, 30, 'buy'],
  // U3: cart before the view: in order only the view; any order has all three.
  [3, 0, 'cart'], [3, 5, 'pv'], [3, 10, 'buy'],
  // U4: buy 100 minutes after the view: outside a 60-minute window, inside 1 day.
  [4, 0, 'pv'], [4, 50, 'cart'], [4, 100, 'buy'],
  // U5: a first attempt that fails (cart 100 min later), a second that succeeds.
  [5, 0, 'pv'], [5, 100, 'cart'], [5, 200, 'pv'], [5, 210, 'cart'], [5, 220, 'buy'],
  // U6: the view at 0 cannot reach the buy at 70 within 60 minutes; the one at 30 can: it counts.
  [6, 0, 'pv'], [6, 30, 'pv'], [6, 45, 'cart'], [6, 70, 'buy'],
  // U7: both views reach the buy at 55 within 60 minutes: the first one counts.
  [7, 0, 'pv'], [7, 30, 'pv'], [7, 45, 'cart'], [7, 55, 'buy'],
  // U8: a buy alone: not in an ordered funnel; one step of an any-order one.
  [8, 0, 'buy'],
  // U9: view and cart in the same minute (second), buy a minute later: same-time steps chain in order.
  [9, 0, 'pv'], [9, 0, 'cart'], [9, 1, 'buy'],
  // U10: a favourite between view and cart: ordered reaches the cart, strict stops at the view.
  [10, 0, 'pv'], [10, 5, 'fav'], [10, 10, 'cart'],
  // U11: within 60 minutes only the view at 20 reaches the buy at 75; it shares its half hour with the
  // view at 0, which is too early.
  [11, 0, 'pv'], [11, 20, 'pv'], [11, 70, 'cart'], [11, 75, 'buy'],
];

/** Expected per user: [steps reached, minutes of the counted attempt's steps]. */
type Expect = Record<number, [number, number[]]>;
const CASES: { order: FunnelOrder; window: string; users: Expect }[] = [
  {
    order: 'ordered',
    window: '60m',
    users: {
      1: [3, [0, 10, 20]], 2: [3, [0, 10, 30]], 3: [1, [5]], 4: [2, [0, 50]], 5: [3, [200, 210, 220]],
      6: [3, [30, 45, 70]], 7: [3, [0, 45, 55]], 9: [3, [0, 0, 1]], 10: [2, [0, 10]], 11: [3, [20, 70, 75]],
    },
  },
  {
    order: 'ordered',
    window: '1d',
    users: {
      1: [3, [0, 10, 20]], 2: [3, [0, 10, 30]], 3: [1, [5]], 4: [3, [0, 50, 100]], 5: [3, [0, 100, 220]],
      6: [3, [0, 45, 70]], 7: [3, [0, 45, 55]], 9: [3, [0, 0, 1]], 10: [2, [0, 10]], 11: [3, [0, 70, 75]],
    },
  },
  {
    order: 'strict',
    window: '60m',
    users: {
      1: [3, [0, 10, 20]], 2: [2, [0, 10]], 3: [1, [5]], 4: [2, [0, 50]], 5: [3, [200, 210, 220]],
      6: [3, [30, 45, 70]], 7: [3, [30, 45, 55]], 9: [3, [0, 0, 1]], 10: [1, [0]], 11: [3, [20, 70, 75]],
    },
  },
  {
    order: 'unordered',
    window: '60m',
    users: {
      1: [3, [0, 10, 20]], 2: [3, [0, 10, 30]], 3: [3, [0, 5, 10]], 4: [2, [0, 50]], 5: [3, [200, 210, 220]],
      6: [3, [30, 45, 70]], 7: [3, [0, 45, 55]], 8: [1, [0]], 9: [3, [0, 0, 1]], 10: [2, [0, 10]], 11: [3, [20, 70, 75]],
    },
  },
];

async function insertEvents(ws: Workspace, events: Ev[], firstId = 1): Promise<void> {
  let id = firstId;
  for (const [user, minute, type, category] of events) {
    await ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, item_id, category_id) VALUES ($1, $2, $3, $4, $5, $6)', [
      id++, user, at(minute), type, 100 + user, category ?? 1,
    ]);
  }
}

const PV_CART_BUY = parseStepsList('pv,cart,buy');

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

describe('funnel: hand-computed stories', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await insertEvents(ws, STORIES);
  });
  after(async () => done());

  for (const c of CASES) {
    test(`${c.order}, window ${c.window}: each user's steps and counted attempt`, async () => {
      const p = new SqlParams();
      const sql = funnelAttemptsSql({ steps: PV_CART_BUY, order: c.order, windowSeconds: c.window === '60m' ? 3600 : 86400 }, p);
      const rows = await ws.wh.query<{ user_id: number; d: number; t1: number; t2: number | null; t3: number | null }>(`${sql} ORDER BY user_id`, p.values);
      const got: Expect = {};
      for (const r of rows) got[Number(r.user_id)] = [Number(r.d), [r.t1, r.t2, r.t3].slice(0, Number(r.d)).map((t) => minuteOf(t)!)];
      assert.deepEqual(got, c.users);
    });

    test(`${c.order}, window ${c.window}: step counts, conversion and medians`, async () => {
      const r = await funnel(ws, { steps: PV_CART_BUY, order: c.order, window: c.window });
      const users = Object.values(c.users);
      const reaching = (k: number) => users.filter(([d]) => d >= k);
      assert.deepEqual(r.total.map((s) => s.users), [1, 2, 3].map((k) => reaching(k).length));
      assert.equal(r.total[1]!.conversionFromPrevious, reaching(2).length / reaching(1).length);
      assert.equal(r.overallConversion, reaching(3).length / reaching(1).length);
      for (const k of [2, 3]) {
        const fromPrev = reaching(k).map(([, t]) => (t[k - 1]! - t[k - 2]!) * 60);
        const fromStart = reaching(k).map(([, t]) => (t[k - 1]! - t[0]!) * 60);
        assert.equal(r.total[k - 1]!.medianSecondsFromPrevious, median(fromPrev));
        assert.equal(r.total[k - 1]!.medianSecondsFromStart, median(fromStart));
      }
      assert.equal(r.total[0]!.medianSecondsFromPrevious, null);
    });
  }

  test('concrete figures of the ordered 60-minute funnel', async () => {
    const r = await funnel(ws, { steps: PV_CART_BUY, window: '60m' });
    assert.deepEqual(r.total.map((s) => s.users), [10, 9, 7]);
    // cart - view: 10, 10, 50, 10, 15, 45, 0, 10, 50 -> 10 min; buy - cart: 10, 20, 10, 25, 10, 1, 5 -> 10 min.
    assert.equal(r.total[1]!.medianSecondsFromPrevious, 600);
    assert.equal(r.total[2]!.medianSecondsFromPrevious, 600);
  });

  test('a date range keeps only events inside it', async () => {
    // From minute 200: only U5's second attempt is left.
    const r = await funnel(ws, { steps: PV_CART_BUY, window: '60m', from: at(200) });
    assert.deepEqual(r.total.map((s) => s.users), [1, 1, 1]);
  });

  test('a step may repeat a type: one event serves one step', async () => {
    const r = await funnel(ws, { steps: parseStepsList('pv,pv'), window: '1d' });
    // Users with two views: U2, U5, U6, U7, U11.
    assert.deepEqual(r.total.map((s) => s.users), [10, 5]);
    const strict = await funnel(ws, { steps: parseStepsList('pv,pv'), order: 'strict', window: '1d' });
    // Two views in a row: U6, U7, U11 (U5's views have a cart between).
    assert.deepEqual(strict.total.map((s) => s.users), [10, 3]);
  });

  test('users relations per funnel and per step, with their own parameters', async () => {
    const only = { sql: 'SELECT user_id FROM events WHERE user_id IN ($1, $2) GROUP BY user_id', params: [1, 2] };
    const r = await funnel(ws, { steps: PV_CART_BUY, window: '60m', users: only });
    assert.deepEqual(r.total.map((s) => s.users), [2, 2, 2]);
    const steps: FunnelStep[] = PV_CART_BUY.map((s, i) => (i === 2 ? { ...s, users: { sql: 'SELECT $1::BIGINT AS user_id', params: [5] } } : s));
    const r2 = await funnel(ws, { steps, window: '60m' });
    assert.deepEqual(r2.total.map((s) => s.users), [10, 9, 1]);
  });

  test('breakdown by a grouping relation, renumbering its parameters', async () => {
    const by = { label: 'test parity', sql: "SELECT DISTINCT user_id, CASE WHEN user_id % $1 = 0 THEN 'even' ELSE 'odd' END AS grp FROM events", params: [2] };
    const r = await funnel(ws, { steps: PV_CART_BUY, window: '60m', by, users: { sql: 'SELECT user_id FROM events WHERE user_id <= $1', params: [10] } });
    const even = r.groups.find((g) => g.group === 'even')!;
    const odd = r.groups.find((g) => g.group === 'odd')!;
    // even: U2 3, U4 2, U6 3, U10 2; odd: U1 3, U3 1, U5 3, U7 3, U9 3.
    assert.deepEqual(even.steps.map((s) => s.users), [4, 4, 2]);
    assert.deepEqual(odd.steps.map((s) => s.users), [5, 4, 4]);
    assert.deepEqual(r.total.map((s) => s.users), [9, 8, 6]);
  });

  test('option errors are PortraitErrors', async () => {
    await assert.rejects(funnel(ws, { steps: [] }), PortraitError);
    await assert.rejects(funnel(ws, { steps: PV_CART_BUY, window: '3 days' }), PortraitError);
    await assert.rejects(funnel(ws, { steps: parseStepsList('pv,cart:segment:vip') }), /segment "vip"/);
  });
});

describe('funnel steps: specs and files', () => {
  test('a spec with filters and a segment', () => {
    const s = parseStepSpec('cart:category=123|456&brand=Acme&segment:vip');
    assert.deepEqual(s.filter, { event: ['cart'], category: ['123', '456'], brand: ['Acme'] });
    assert.equal(s.segment, 'vip');
    assert.equal(s.name, 'cart:category=123|456&brand=Acme&segment:vip');
  });

  test('bad specs are refused with the reason', () => {
    assert.throws(() => parseStepSpec('look'), /unknown event type "look"/);
    assert.throws(() => parseStepSpec('cart:colour=red'), /cannot read the filter/);
    assert.throws(() => parseStepSpec('cart:category=abc'), /cart:category=abc.*category/);
  });

  test('a steps file uses the event-filter schema', () => {
    const steps = parseStepsJson({ steps: [{ filter: { event: 'pv', category: 7 } }, { name: 'bought', filter: { event: 'buy' }, segment: 'vip' }] });
    assert.deepEqual(steps.map((s) => s.name), ['pv:category=7', 'bought']);
    assert.deepEqual(steps[0]!.filter, { event: ['pv'], category: ['7'] });
    assert.equal(steps[1]!.segment, 'vip');
    assert.throws(() => parseStepsJson({ steps: [{ filter: { category: 7 } }] }), /no "event"/);
    assert.throws(() => parseStepsJson({ steps: [{ filter: { event: 'pv', colour: 'red' } }] }), PortraitError);
  });

  test('embedded parameters are renumbered onto the caller', () => {
    const p = new SqlParams();
    p.bind('x');
    assert.equal(embedSql('SELECT $2, $1, $2', [10, 20], p), 'SELECT $3, $2, $3');
    assert.deepEqual(p.values, ['x', 10, 20]);
    assert.throws(() => embedSql('SELECT $3', [1], new SqlParams()), PortraitError);
  });
});

describe('funnel: step filters on categories', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    // Category 20 is under 2; 30 is elsewhere.
    await ws.wh.run('INSERT INTO categories (category_id, parent_id) VALUES (2, NULL), (20, 2), (30, NULL)');
    await insertEvents(ws, [
      [1, 0, 'pv', 20], [1, 5, 'cart', 20], [1, 6, 'buy', 20],
      [2, 0, 'pv', 30], [2, 5, 'cart', 30], [2, 6, 'buy', 30],
      [3, 0, 'pv', 30], [3, 5, 'cart', 20], [3, 6, 'buy', 30],
    ]);
  });
  after(async () => done());

  test('cart:category=2 matches the subtree, through the spec and the steps file alike', async () => {
    const a = await funnel(ws, { steps: parseStepsList('pv,cart:category=2,buy'), window: '1h' });
    assert.deepEqual(a.total.map((s) => s.users), [3, 2, 2]);
    const b = await funnel(ws, { steps: parseStepsJson([{ filter: { event: 'pv' } }, { filter: { event: 'cart', category: 2 } }, { filter: { event: 'buy', category: [2] } }]), window: '1h' });
    assert.deepEqual(b.total.map((s) => s.users), [3, 2, 1]);
  });
});

describe('retention: the cohort matrix by hand', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  const D = 24 * 60;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    // Days 0..3 are Sat 25 .. Tue 28 November.
    await insertEvents(ws, [
      [1, 0 * D + 60, 'pv'], [1, 1 * D + 60, 'pv'], [1, 3 * D + 60, 'buy'], // A
      [2, 0 * D + 120, 'pv'], [2, 2 * D + 60, 'buy'], // B
      [3, 1 * D + 60, 'pv'], [3, 1 * D + 61, 'buy'], [3, 2 * D + 60, 'pv'], // C
      [4, 1 * D + 600, 'pv'], // D
    ]);
  });
  after(async () => done());

  test('first seen, any return: counts, rates, unobserved cells, D1', async () => {
    const r = await retention(ws, { cohort: 'first-seen', returnOn: 'any', grain: 'day', periods: 3 });
    assert.deepEqual(
      r.cohorts.map((c) => [c.cohort, c.size, c.returned]),
      [
        ['2017-11-25', 2, [2, 1, 1, 1]],
        ['2017-11-26', 2, [2, 1, 0, null]],
      ],
    );
    assert.deepEqual(r.cohorts[1]!.rates, [1, 0.5, 0, null]);
    // Pooled: period 3 only over the first cohort.
    assert.deepEqual(r.pooled.returned, [4, 2, 1, 1]);
    assert.deepEqual(r.pooled.rates, [1, 0.5, 0.25, 0.5]);
    const d1 = r.classic!.find((c) => c.day === 1)!;
    assert.deepEqual(d1, { day: 1, exact: 0.5, within: 0.5, cohortUsers: 4 });
    assert.equal(r.classic!.find((c) => c.day === 7)!.exact, null);
  });

  test('first seen, buy return', async () => {
    const r = await retention(ws, { returnOn: 'buy', periods: 3 });
    assert.deepEqual(r.cohorts.map((c) => c.returned), [[0, 0, 1, 1], [1, 0, 0, null]]);
    // D1 within: day-1 buyers among 4 users of the observed cohorts: none.
    assert.equal(r.classic![0]!.within, 0);
  });

  test('first buy cohorts, any return', async () => {
    const r = await retention(ws, { cohort: 'first-buy', periods: 2 });
    assert.deepEqual(
      r.cohorts.map((c) => [c.cohort, c.size, c.returned]),
      [
        ['2017-11-26', 1, [1, 1, 0]],
        ['2017-11-27', 1, [1, 0, null]],
        ['2017-11-28', 1, [1, null, null]],
      ],
    );
  });

  test('week grain: weeks start on Monday', async () => {
    const r = await retention(ws, { grain: 'week', periods: 1 });
    // Sat 25 and Sun 26 are in the week of Mon 20; Mon 27 and Tue 28 in the next.
    assert.deepEqual(r.cohorts.map((c) => [c.cohort, c.size, c.returned]), [['2017-11-20', 4, [4, 3]]]);
    assert.equal(r.classic, null);
  });

  test('breakdown by a grouping', async () => {
    const by = { label: 'odd/even', sql: "SELECT DISTINCT user_id, CASE WHEN user_id % $1 = 0 THEN 'even' ELSE 'odd' END AS grp FROM events", params: [2] };
    const r = await retention(ws, { periods: 1, by });
    const odd = r.groups.find((g) => g.group === 'odd')!; // A (day 0), C (day 1)
    assert.deepEqual(odd.cohorts.map((c) => [c.cohort, c.returned]), [['2017-11-25', [1, 1]], ['2017-11-26', [1, 1]]]);
    assert.deepEqual(r.cohorts.map((c) => c.size), [2, 2]);
  });
});

describe('activity: heatmap and view to purchase by hand', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    const ins = (id: number, user: number, ts: string, type: string, item: number) =>
      ws.wh.run('INSERT INTO events (event_id, user_id, ts, type, item_id) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5)', [id, user, ts, type, item]);
    // Mon 2017-11-27 and Sat 2017-12-02.
    await ins(1, 1, '2017-11-27 10:00:00', 'pv', 1);
    await ins(2, 1, '2017-11-27 11:00:00', 'pv', 1);
    await ins(3, 1, '2017-11-27 12:00:00', 'buy', 1); // first view 10:00 -> 2 h
    await ins(4, 2, '2017-11-27 10:00:00', 'pv', 2);
    await ins(5, 2, '2017-11-27 10:30:00', 'buy', 2); // 30 min
    await ins(6, 2, '2017-11-27 10:45:00', 'buy', 3); // never viewed
    await ins(7, 3, '2017-12-02 09:00:00', 'buy', 4); // bought before the first view...
    await ins(8, 3, '2017-12-02 10:00:00', 'pv', 4);
    await ins(9, 3, '2017-12-02 11:00:00', 'buy', 4); // ...and again after it: 1 h
  });
  after(async () => done());

  test('7x24 events and distinct users', async () => {
    const h = await activityHeatmap(ws);
    assert.equal(h.totalEvents, 9);
    assert.equal(h.totalUsers, 3);
    assert.equal(h.events[0]![10], 4); // Monday 10h: 1, 4, 5, 6... 10:00, 10:00, 10:30, 10:45
    assert.equal(h.users[0]![10], 2);
    assert.equal(h.events[0]![11], 1);
    assert.equal(h.events[0]![12], 1);
    assert.equal(h.events[5]![9], 1); // Saturday 9h
    assert.equal(h.events[5]![10], 1);
    assert.equal(h.events[5]![11], 1);
    assert.equal(h.events.flat().reduce((a, b) => a + b, 0), 9);
    const monday = await activityHeatmap(ws, { to: new Date('2017-11-27T23:59:59Z') });
    assert.equal(monday.totalEvents, 6);
  });

  test('first view to purchase: quartiles and histogram', async () => {
    const v = await viewToPurchase(ws);
    assert.equal(v.pairs, 3);
    assert.equal(v.boughtWithoutView, 1);
    assert.equal(v.median, 3600);
    assert.equal(v.q1, 2700);
    assert.equal(v.q3, 5400);
    assert.deepEqual(v.histogram.filter((b) => b.pairs > 0).map((b) => [b.label, b.pairs]), [['10-60 min', 1], ['1-6 h', 2]]);
  });
});

describe('funnel on the Taobao sample', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await importTaobao(ws, [SAMPLE]);
  });
  after(async () => done());

  test('pv -> cart -> buy: the first step is the users with a view; the buy step matches a direct computation', async () => {
    const r = await funnel(ws, { steps: PV_CART_BUY, window: '1d' });
    assert.equal(r.total[0]!.users, await count(ws, "SELECT count(DISTINCT user_id) AS n FROM events WHERE type = 'pv'"));
    // The same definition, directly: a view, a later cart and a later buy (same time allowed, in this
    // order), the buy at most one day after the view. Self-joins: fine at this size.
    const direct = await count(
      ws,
      `SELECT count(DISTINCT b.user_id) AS n FROM events v
       JOIN events c ON c.user_id = v.user_id AND c.type = 'cart' AND c.ts >= v.ts
       JOIN events b ON b.user_id = v.user_id AND b.type = 'buy' AND b.ts >= c.ts
       WHERE v.type = 'pv' AND b.ts <= v.ts + INTERVAL 1 DAY`,
    );
    assert.ok(direct > 0);
    assert.equal(r.total[2]!.users, direct);
    const directCart = await count(
      ws,
      `SELECT count(DISTINCT c.user_id) AS n FROM events v JOIN events c ON c.user_id = v.user_id AND c.type = 'cart' AND c.ts >= v.ts
       WHERE v.type = 'pv' AND c.ts <= v.ts + INTERVAL 1 DAY`,
    );
    assert.equal(r.total[1]!.users, directCart);
    assert.ok(r.total[1]!.medianSecondsFromPrevious! >= 0);
  });

  test('strict reaches no more than ordered, ordered no more than any order', async () => {
    const [o, s, u] = await Promise.all((['ordered', 'strict', 'unordered'] as const).map((order) => funnel(ws, { steps: PV_CART_BUY, order, window: '1d' })));
    for (let k = 0; k < 3; k++) {
      assert.ok(s!.total[k]!.users <= o!.total[k]!.users);
      assert.ok(o!.total[k]!.users <= u!.total[k]!.users);
    }
    assert.ok(s!.total[2]!.users < o!.total[2]!.users);
  });

  test('retention and activity run on it', async () => {
    const r = await retention(ws, { periods: 3 });
    assert.equal(r.pooled.size, await count(ws, 'SELECT count(DISTINCT user_id) AS n FROM events'));
    const h = await activityHeatmap(ws);
    assert.equal(h.totalEvents, await count(ws, 'SELECT count(*) AS n FROM events'));
  });
});

describe('CLI module', () => {
  let ws: Workspace;
  let dir: string;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, dir, done } = await tempWorkspace());
    await insertEvents(ws, STORIES);
    await ws.close();
  });
  after(async () => {
    Object.assign(io, processIo);
    await done();
  });

  async function run(args: string[]): Promise<string> {
    let out = '';
    io.out = (t) => void (out += t);
    const program = new Command().exitOverride().option('--workspace <dir>');
    registerFunnelCommands(program);
    await program.parseAsync(['node', 'portrait', '--workspace', `${dir}/ws`, ...args]);
    Object.assign(io, processIo);
    return out;
  }

  test('funnel --json and readable', async () => {
    const json = JSON.parse(await run(['funnel', '--steps', 'pv,cart,buy', '--window', '60m', '--json'])) as { total: { users: number }[] };
    assert.deepEqual(json.total.map((s) => s.users), [10, 9, 7]);
    const text = await run(['funnel', '--steps', 'pv,cart,buy', '--order', 'strict', '--window', '60m']);
    assert.match(text, /funnel pv -> cart -> buy \(strict, window 60m\)/);
    assert.match(text, /3\. buy\s+6/);
  });

  test('a step naming a segment counts only its members at that step', async () => {
    // First "vip" holds every known user (the portrait it reads is built first), then nobody.
    const opened = await Workspace.open(`${dir}/ws`);
    try {
      await buildTags(opened);
      SegmentRegistry.load(opened).define(opened, { name: 'vip', condition: { tag: 'first_seen', exists: true } }, 'test');
    } finally {
      await opened.close();
    }
    const all = JSON.parse(await run(['funnel', '--steps', 'pv,cart,buy:segment:vip', '--window', '60m', '--json'])) as { total: { users: number }[] };
    const plain = JSON.parse(await run(['funnel', '--steps', 'pv,cart,buy', '--window', '60m', '--json'])) as { total: { users: number }[] };
    assert.deepEqual(all.total.map((s) => s.users), plain.total.map((s) => s.users), 'a segment of every known user changes nothing');
    const again = await Workspace.open(`${dir}/ws`);
    try {
      SegmentRegistry.load(again).define(again, { name: 'vip', condition: { tag: 'first_seen', op: '<', value: '1900-01-01' } }, 'test');
    } finally {
      await again.close();
    }
    const none = JSON.parse(await run(['funnel', '--steps', 'pv,cart,buy:segment:vip', '--window', '60m', '--json'])) as { total: { users: number }[] };
    assert.deepEqual(none.total.map((s) => s.users), [plain.total[0]!.users, plain.total[1]!.users, 0]);
  });

  test('retention and activity', async () => {
    const r = JSON.parse(await run(['retention', '--periods', '0', '--json'])) as { cohorts: { size: number }[] };
    assert.equal(r.cohorts[0]!.size, 11);
    const text = await run(['activity']);
    assert.match(text, /events by weekday and hour/);
    assert.match(text, /time from first view of an item to buying it/);
  });
});
