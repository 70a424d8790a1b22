import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildRhythm, evaluateRhythm, rhythmOf, type RhythmRow } from '../src/analytics/rhythm/index.js';
import { PortraitError } from '../src/errors.js';
import { EVENT_TYPES, type EventType } from '../src/model/enums.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { SAMPLE, tempWorkspace } from './helpers.js';

const AS_OF = new Date('2017-12-31T23:59:59Z'); // end of 2017-12-31, local wall clock

/** [user, 'YYYY-MM-DD HH:MM:SS' (local), type, item, category, geohash] */
type Ev = [number, string, string, number | null, number | null, string | null];

// 2017-12-04 is a Monday, 2017-12-09 a Saturday.
const EVENTS: Ev[] = [
  // User 1, the evening shopper. Session 1 (Mon 20:00-20:50, 50 min): opens with a login, views 101 at
  // 20:05 and buys it at 20:50 (45 min from first view); the 20:20 -> 20:40 pause (20 min) stays inside.
  [1, '2017-12-04 20:00:00', 'login', null, null, null],
  [1, '2017-12-04 20:05:00', 'pv', 101, 11, null],
  [1, '2017-12-04 20:20:00', 'pv', 102, 12, null],
  [1, '2017-12-04 20:40:00', 'cart', 101, 11, null],
  [1, '2017-12-04 20:50:00', 'buy', 101, 11, null],
  // Session 2 (21:30, one event, 0 min): 40 minutes after the last event, more than the 30-minute gap.
  [1, '2017-12-04 21:30:00', 'search', null, 12, null],
  // Session 3 (Sat 10:00-10:45, 45 min): buys 102, first viewed Mon 20:20: 4 days 14 h 25 min = 6625 min.
  [1, '2017-12-09 10:00:00', 'search', null, 12, null],
  [1, '2017-12-09 10:10:00', 'pv', 102, 12, null],
  [1, '2017-12-09 10:30:00', 'pv', 102, 12, null],
  [1, '2017-12-09 10:45:00', 'buy', 102, 12, null],
  // After as-of: ignored (it would add an hour-3 event and a session).
  [1, '2018-01-05 03:00:00', 'pv', 101, 11, null],

  // User 2, paid on the 10th: buys three different things on the 10th of three months -> payday 10.
  [2, '2017-09-01 09:00:00', 'pv', 201, 21, null],
  [2, '2017-09-10 12:00:00', 'buy', 201, 21, null],
  [2, '2017-10-10 12:00:00', 'buy', 202, 22, null],
  [2, '2017-11-10 12:00:00', 'buy', 203, 23, null],
  // User 3 refills the same tissues on the 10th of three months: a monthly refill is no payday evidence.
  [3, '2017-09-01 09:00:00', 'pv', 301, 31, null],
  [3, '2017-09-10 12:00:00', 'buy', 301, 31, null],
  [3, '2017-10-10 12:00:00', 'buy', 301, 31, null],
  [3, '2017-11-10 12:00:00', 'buy', 301, 31, null],
  // User 4 buys on the 3rd, the 14th and the 25th: no day of month stands out.
  [4, '2017-09-01 09:00:00', 'pv', 401, 41, null],
  [4, '2017-09-03 12:00:00', 'buy', 401, 41, null],
  [4, '2017-10-14 12:00:00', 'buy', 402, 42, null],
  [4, '2017-11-25 12:00:00', 'buy', 403, 43, null],

  // User 5, the commuter: nights and the weekend at home (wx4g0b..), weekday office hours at work (wx4g2c..).
  [5, '2017-12-04 22:00:00', 'login', null, null, 'wx4g0b7'],
  [5, '2017-12-05 23:00:00', 'login', null, null, 'wx4g0b7'],
  [5, '2017-12-06 06:30:00', 'login', null, null, 'wx4g0b8'],
  [5, '2017-12-06 10:00:00', 'login', null, null, 'wx4g2c9'],
  [5, '2017-12-07 14:00:00', 'login', null, null, 'wx4g2c9'],
  [5, '2017-12-08 17:59:00', 'login', null, null, 'wx4g2c1'],
  [5, '2017-12-09 15:00:00', 'login', null, null, 'wx4g0b7'],
  [5, '2017-12-07 19:00:00', 'login', null, null, 'wx4gzzz'], // weekday 19:00: neither home nor work hours
  // User 6: two nights at home is too little evidence (3 needed).
  [6, '2017-12-04 22:00:00', 'login', null, null, 'wx4g0b7'],
  [6, '2017-12-05 22:00:00', 'login', null, null, 'wx4g0b7'],
  // User 7 works from home: the weekday-daytime place is home, so no separate work place.
  [7, '2017-12-04 22:00:00', 'login', null, null, 'ws0e9d1'],
  [7, '2017-12-05 22:00:00', 'login', null, null, 'ws0e9d1'],
  [7, '2017-12-09 11:00:00', 'login', null, null, 'ws0e9d1'],
  [7, '2017-12-05 10:00:00', 'login', null, null, 'ws0e9d1'],
  [7, '2017-12-06 11:00:00', 'login', null, null, 'ws0e9d1'],
  [7, '2017-12-07 15:00:00', 'login', null, null, 'ws0e9d1'],
  // User 8 spends its nights half here, half there: no place holds more than half.
  [8, '2017-12-04 22:00:00', 'login', null, null, 'wtw3sj1'],
  [8, '2017-12-05 22:00:00', 'login', null, null, 'wtw3sj1'],
  [8, '2017-12-06 22:00:00', 'login', null, null, 'wtw3sm1'],
  [8, '2017-12-07 22:00:00', 'login', null, null, 'wtw3sm1'],
];

async function insertEvents(ws: Workspace, events: Ev[]): Promise<void> {
  let id = 1;
  for (const [user, ts, type, item, category, geohash] of events) {
    await ws.wh.run(
      `INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, geohash, amount)
       VALUES ($1, $2, CAST($3 AS TIMESTAMP), CAST($4 AS event_type), $5, $6, $7, CASE WHEN $4 = 'buy' THEN 9.9 END)`,
      [id++, user, ts, type, item, category, geohash],
    );
  }
}

async function row(ws: Workspace, user: number): Promise<RhythmRow> {
  const r = await rhythmOf(ws.wh, user);
  assert.ok(r, `user ${user} has a row`);
  return r;
}

const hist = (cells: Record<number, number>) => Array.from({ length: 24 }, (_, h) => cells[h] ?? 0);

describe('behaviour rhythm on a hand-computed fixture', () => {
  let ws: Workspace;
  let done: () => Promise<void>;

  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await insertEvents(ws, EVENTS);
  });
  after(async () => done());

  test('rhythmOf before any build says to build first', async () => {
    await assert.rejects(rhythmOf(ws.wh, 1), (err: unknown) => err instanceof PortraitError && /not been built/.test(err.message));
  });

  test('one row per user with events at or before as-of', async () => {
    const report = await buildRhythm(ws, { asOf: AS_OF });
    assert.equal(report.rows, 8);
    assert.equal(report.asOf.toISOString(), AS_OF.toISOString());
    assert.equal(await rhythmOf(ws.wh, 999), null, 'a user without events has no row');
  });

  test('the evening shopper: hours, weekdays, sessions, first action, view to buy', async () => {
    await buildRhythm(ws, { asOf: AS_OF });
    const u = await row(ws, 1);
    assert.equal(u.events, 10, 'the event after as-of is not counted');
    assert.equal(u.first_seen.toISOString(), '2017-12-04T20:00:00.000Z');
    assert.equal(u.first_action, 'login');
    assert.deepEqual(u.hour_histogram, hist({ 20: 5, 21: 1, 10: 4 }));
    assert.equal(u.peak_hour, 20);
    // busiest first: 20 (5 of 10) reaches half on its own
    assert.deepEqual(u.active_hours, [20]);
    assert.equal(u.peak_weekday, 1, 'Monday holds 6 of 10 events');
    assert.equal(u.weekend_share, 0.4);
    assert.equal(u.sessions, 3);
    assert.equal(u.median_session_minutes, 45, 'median of 50, 0 and 45');
    assert.equal(u.session_first_action, 'search', 'login once, search twice');
    assert.equal(u.viewed_buys, 2);
    assert.equal(u.median_view_to_buy_minutes, (45 + 6625) / 2);
    assert.equal(u.buy_days, 2);
    assert.equal(u.payday, null);
    assert.equal(u.payday_p_value, null, 'no window holds 3 purchase days');
    assert.equal(u.home_geohash, null);
    assert.equal(u.work_geohash, null);
    assert.equal(u.as_of.toISOString(), AS_OF.toISOString());
  });

  test('a 10-minute gap cuts the same evening into more sessions', async () => {
    await buildRhythm(ws, { asOf: AS_OF, config: { sessions: { gapMinutes: 10 } } });
    const u = await row(ws, 1);
    // 20:00-20:05 | 20:20 | 20:40-20:50 (a 10-minute pause is not longer than the gap) | 21:30 | 10:00-10:10 | 10:30 | 10:45
    assert.equal(u.sessions, 7);
    assert.equal(u.median_session_minutes, 0, 'durations 5, 0, 10, 0, 10, 0, 0');
    assert.equal(u.session_first_action, 'pv', 'pv opens 3 sessions, search 2, cart and login 1');
  });

  test('a larger active share takes the next busiest hours', async () => {
    await buildRhythm(ws, { asOf: AS_OF, config: { hours: { activeShare: 0.9 } } });
    assert.deepEqual((await row(ws, 1)).active_hours, [10, 20], '5 + 4 of 10 events reach 0.9');
    await buildRhythm(ws, { asOf: AS_OF, config: { hours: { activeShare: 1 } } });
    assert.deepEqual((await row(ws, 1)).active_hours, [10, 20, 21]);
  });

  test('payday: three buys on the 10th of three months give payday 10; a monthly refill and scattered buys do not', async () => {
    await buildRhythm(ws, { asOf: AS_OF });
    const paid = await row(ws, 2);
    assert.equal(paid.buy_days, 3);
    assert.equal(paid.payday, 10);
    // observed Sep 1 - Dec 31 (122 days), 12 of them on the 10th-12th; P(all 3 there) x 31 windows
    assert.ok(Math.abs(paid.payday_p_value! - 31 * (12 / 122) ** 3) < 1e-12, String(paid.payday_p_value));
    const refill = await row(ws, 3);
    assert.equal(refill.buy_days, 3);
    assert.equal(refill.payday, null);
    assert.equal(refill.payday_p_value, null, 'the refills are left out of the test altogether');
    const scattered = await row(ws, 4);
    assert.equal(scattered.buy_days, 3);
    assert.equal(scattered.payday, null);
    assert.equal(scattered.payday_p_value, null);
  });

  test('payday needs a small enough p-value and enough pay cycles', async () => {
    await buildRhythm(ws, { asOf: AS_OF, config: { payday: { maxPValue: 0.01 } } });
    const strict = await row(ws, 2);
    assert.equal(strict.payday, null, '0.0295 is above 0.01');
    assert.ok(strict.payday_p_value! > 0.01);
    await buildRhythm(ws, { asOf: AS_OF, config: { payday: { minMonths: 4 } } });
    assert.equal((await row(ws, 2)).payday, null, 'only three months hold a peak-window purchase');
    await buildRhythm(ws, { asOf: AS_OF, config: { payday: { monthlyGapDays: [40, 50] } } });
    assert.equal((await row(ws, 3)).payday, 10, 'once a 30-day gap no longer counts as a refill, the tissues look like pay');
  });

  test('home and work from where events happen by time of day', async () => {
    await buildRhythm(ws, { asOf: AS_OF });
    const commuter = await row(ws, 5);
    assert.equal(commuter.home_geohash, 'wx4g0b', 'nights and the Saturday, at precision 6');
    assert.equal(commuter.work_geohash, 'wx4g2c', 'weekdays 10:00, 14:00 and 17:59');
    assert.equal(commuter.first_action, 'login');
    const thin = await row(ws, 6);
    assert.equal(thin.home_geohash, null);
    assert.equal(thin.work_geohash, null);
    const fromHome = await row(ws, 7);
    assert.equal(fromHome.home_geohash, 'ws0e9d');
    assert.equal(fromHome.work_geohash, null);
    const split = await row(ws, 8);
    assert.equal(split.home_geohash, null, 'two nights of four is not more than half');
  });

  test('place precision 7 keeps the full cells', async () => {
    await buildRhythm(ws, { asOf: AS_OF, config: { places: { precision: 7 } } });
    const commuter = await row(ws, 5);
    assert.equal(commuter.home_geohash, 'wx4g0b7', '3 of 4 home-band events');
    assert.equal(commuter.work_geohash, 'wx4g2c9', '2 of 3 work-band events');
  });

  test('as-of: the default is the newest event, which then counts', async () => {
    const report = await buildRhythm(ws);
    assert.equal(report.asOf.toISOString(), '2018-01-05T03:00:00.000Z');
    const u = await row(ws, 1);
    assert.equal(u.events, 11);
    assert.equal(u.hour_histogram[3], 1);
    assert.equal(u.sessions, 4);
  });

  test('a bad config or as-of is refused with the field named', async () => {
    await assert.rejects(buildRhythm(ws, { config: { sessions: { gapMinutes: 0 } } }), /sessions\.gapMinutes/);
    await assert.rejects(buildRhythm(ws, { config: { places: { workFromHour: 18, workUntilHour: 9 } } }), PortraitError);
    await assert.rejects(buildRhythm(ws, { asOf: new Date('nonsense') }), PortraitError);
  });
});

describe('behaviour rhythm on the Taobao sample', () => {
  let ws: Workspace;
  let done: () => Promise<void>;

  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await importTaobao(ws, [SAMPLE]);
    await buildRhythm(ws);
  });
  after(async () => done());

  test('every user with events has a row; no places and nine days: payday and places are null', async () => {
    const n = await ws.wh.query<{ users: number; rows: number; paydays: number; homes: number; works: number }>(
      `SELECT (SELECT count(DISTINCT user_id) FROM events) AS users, count(*) AS rows, count(payday) AS paydays,
         count(home_geohash) AS homes, count(work_geohash) AS works FROM user_rhythm`,
    );
    const r = n[0]!;
    assert.ok(r.rows > 0);
    assert.equal(r.rows, r.users);
    assert.equal(r.paydays, 0);
    assert.equal(r.homes, 0);
    assert.equal(r.works, 0);
  });

  test('hours, weekdays and sessions match a direct count for the two busiest users', async () => {
    const top = await ws.wh.query<{ user_id: number }>('SELECT user_id FROM events GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 2');
    assert.equal(top.length, 2);
    for (const { user_id } of top) {
      const ev = await ws.wh.query<{ ts: Date; type: string }>(
        'SELECT ts, CAST(type AS VARCHAR) AS type FROM events WHERE user_id = $1 ORDER BY ts',
        [user_id],
      );
      const hours = hist({});
      for (const e of ev) hours[e.ts.getUTCHours()]! += 1; // stored wall clock reads as UTC
      const peak = hours.indexOf(Math.max(...hours));
      let sessions = 0;
      const lengths: number[] = [];
      let start = 0;
      let last = -Infinity;
      for (const e of ev) {
        const t = e.ts.getTime();
        if (t - last > 30 * 60_000) {
          if (sessions > 0) lengths.push((last - start) / 60_000);
          sessions += 1;
          start = t;
        }
        last = t;
      }
      lengths.push((last - start) / 60_000);
      lengths.sort((a, b) => a - b);
      const mid = lengths.length / 2;
      const median = lengths.length % 2 ? lengths[Math.floor(mid)]! : (lengths[mid - 1]! + lengths[mid]!) / 2;
      const weekend = ev.filter((e) => [0, 6].includes(e.ts.getUTCDay())).length / ev.length;

      const u = await row(ws, user_id);
      assert.equal(u.events, ev.length);
      assert.deepEqual(u.hour_histogram, hours);
      assert.equal(u.peak_hour, peak);
      assert.ok(Math.abs(u.weekend_share - weekend) < 1e-12);
      assert.equal(u.sessions, sessions);
      assert.ok(Math.abs(u.median_session_minutes - median) < 1e-9, `${u.median_session_minutes} vs ${median}`);
      // first action: the earliest event; at a tie, the type earlier in the model's list
      const first = ev.filter((e) => e.ts.getTime() === ev[0]!.ts.getTime()).map((e) => e.type);
      first.sort((a, b) => EVENT_TYPES.indexOf(a as EventType) - EVENT_TYPES.indexOf(b as EventType));
      assert.equal(u.first_action, first[0]);
    }
  });
});

describe('behaviour rhythm against a synthetic world\'s truth', () => {
  let ws: Workspace;
  let done: () => Promise<void>;

  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await synthesize(ws, resolveSynthOptions({ users: 500, seed: 7 }));
    await buildRhythm(ws);
  });
  after(async () => done());

  test('home and work are exact where found; no work place for users without a job', async () => {
    const e = await evaluateRhythm(ws);
    assert.ok(e.home.predicted > 50, `homes found: ${e.home.predicted}`);
    assert.equal(e.home.precision, 1);
    assert.ok(e.work.predicted >= 5, `work places found: ${e.work.predicted}`);
    assert.equal(e.work.precision, 1);
    assert.equal(e.work.withoutJobButPredicted, 0);
  });

  test('peak hour beats a constant guess; weekend lovers spend more of their activity on weekends', async () => {
    const e = await evaluateRhythm(ws);
    assert.ok(e.peakHour.within1! > 0.5, `within one hour: ${e.peakHour.within1}`);
    assert.ok(e.peakHour.exact! > e.peakHour.baseline!, `${e.peakHour.exact} vs baseline ${e.peakHour.baseline}`);
    assert.ok(e.weekendShare.weekendLovers! > e.weekendShare.neutral!);
    assert.ok(e.weekendShare.neutral! > e.weekendShare.weekdayLovers!);
  });

  test('payday false alarms stay rare on a two-month world', async () => {
    const e = await evaluateRhythm(ws);
    assert.ok(e.payday.predicted <= 0.02 * e.users, `paydays claimed: ${e.payday.predicted} of ${e.users}`);
  });

  test('evaluation refuses a workspace without truth', async () => {
    const plain = await tempWorkspace();
    try {
      await assert.rejects(evaluateRhythm(plain.ws), /truth/);
    } finally {
      await plain.done();
    }
  });
});
