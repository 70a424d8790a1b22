import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import {
  buildInterestScores,
  decayWeight,
  defaultInterestConfig,
  dwellWeight,
  interactionWeight,
  interactionWeightSql,
  interestScore,
  interestScoreSql,
  resolveInterestConfig,
  type Interaction,
} from '../src/tags/interest/index.js';
import type { Workspace } from '../src/workspace/workspace.js';
import { tempWorkspace } from './helpers.js';

const AS_OF = new Date('2017-12-03T12:00:00Z'); // wall clock 2017-12-03 12:00:00 (stored times read as UTC)

/** The S curve written out by hand: 10 (L(s) - L(0)) / (1 - L(0)), L(s) = 1 / (1 + e^(-k (s - m))). */
function handScore(sum: number, m = 8, k = 0.3): number {
  const L = (s: number) => 1 / (1 + Math.exp(-k * (s - m)));
  return (10 * (L(sum) - L(0))) / (1 - L(0));
}

type Ev = [user: number, ts: string, type: string, item: number | null, category: number | null, content: number | null, dwell: number | null];

let nextId = 1;
async function addEvents(ws: Workspace, events: Ev[]): Promise<void> {
  for (const [user, ts, type, item, category, content, dwell] of events) {
    await ws.wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, content_id, dwell_s) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8)',
      [nextId++, user, ts, type, item, category, content, dwell],
    );
  }
}

async function catalogue(ws: Workspace): Promise<void> {
  await ws.wh.run(`INSERT INTO items (item_id, category_id, brand, price) VALUES
    (101, 11, 'Acme', 10), (102, 11, 'Bolt', 20), (201, 22, 'Acme', 30), (202, 23, NULL, 5), (301, 31, 'Cole', 1), (102001, 12, 'Bolt', 1)`);
  await ws.wh.run(`INSERT INTO content (content_id, creator_id, kind, category_id, tags) VALUES
    (901, 77, 'graphic', 33, 'makeup, Lipstick 1,makeup,,')`);
}

interface ScoreRow {
  user_id: number;
  dimension: string;
  tag: string;
  weight: number;
  score: number;
  interactions: number;
  as_of: Date;
}

async function scores(ws: Workspace): Promise<ScoreRow[]> {
  return ws.wh.query<ScoreRow>('SELECT * FROM interest_scores ORDER BY user_id, dimension, tag');
}

function find(rows: ScoreRow[], user: number, dimension: string, tag: string): ScoreRow {
  const r = rows.find((x) => x.user_id === user && x.dimension === dimension && x.tag === tag);
  assert.ok(r, `no row for ${user} ${dimension} ${tag}`);
  return r;
}

function close(actual: number, expected: number, what: string, eps = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= eps, `${what}: ${actual} != ${expected}`);
}

/** The worked example of docs/interest.md: user 1, as of 2017-12-03 12:00:00. */
const WORKED: Ev[] = [
  // A: item 101 today: two views (30 s + 40 s = 70 s: long, 2) and a fav (+1); age 1 h (1).   2 x 2 x 1 = 4
  [1, '2017-12-03 10:00:00', 'pv', 101, 11, null, 30],
  [1, '2017-12-03 10:01:00', 'fav', 101, 11, null, null],
  [1, '2017-12-03 11:00:00', 'pv', 101, 11, null, 40],
  // B: item 101 four days ago: a 5 s view (short, 0.5); age 4 d (0.85).                       1 x 0.5 x 0.85 = 0.425
  [1, '2017-11-29 12:00:00', 'pv', 101, 11, null, 5],
  // C: item 102 13 days ago: a 60 s view (medium, 1) and a cart (+1.5); age 13 d (0.7).        2.5 x 1 x 0.7 = 1.75
  [1, '2017-11-20 12:00:00', 'pv', 102, 11, null, 60],
  [1, '2017-11-20 12:00:30', 'cart', 102, 11, null, null],
  // I: item 102 yesterday: a fav alone, no category on the event (the item's: 11), no dwell (1). 2 x 1 x 1 = 2
  [1, '2017-12-02 20:00:00', 'fav', 102, null, null, null],
  // D: item 201 23 days ago: a 10 s view (medium), a buy (+3), a comment (+0.5); age 23 d (0.5). 4.5 x 1 x 0.5 = 2.25
  [1, '2017-11-10 12:00:00', 'pv', 201, 22, null, 10],
  [1, '2017-11-10 12:05:00', 'buy', 201, 22, null, null],
  [1, '2017-11-10 12:10:00', 'comment', 201, 22, null, null],
  // E: item 201 63 days ago: a 100 s view (long, 2); age 63 d (0.1).                           1 x 2 x 0.1 = 0.2
  [1, '2017-10-01 08:00:00', 'pv', 201, 22, null, 100],
  // F: post 901 3 days minus 25 s ago: a 20 s view, a like (+0.5), a share (+2); decay 1.      3.5 x 1 x 1 = 3.5
  [1, '2017-11-30 12:00:00', 'content_view', null, 33, 901, 20],
  [1, '2017-11-30 12:00:20', 'like', null, 33, 901, null],
  [1, '2017-11-30 12:00:25', 'share', null, null, 901, null],
  // Not counted: after the as-of time; a search and a login (no item or content).
  [1, '2017-12-03 12:00:01', 'pv', 201, 22, null, 100],
  [1, '2017-12-01 09:00:00', 'search', null, 11, null, null],
  [1, '2017-12-01 09:00:00', 'login', null, null, null, null],
  // Another user: one 30 s view of item 101 today.                                             1 x 1 x 1 = 1
  [2, '2017-12-03 09:00:00', 'pv', 101, 11, null, 30],
];

describe('interest scores', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await catalogue(ws);
    await addEvents(ws, WORKED);
  });
  after(async () => done());

  test('the worked example of docs/interest.md, computed by hand', async () => {
    const report = await buildInterestScores(ws, { asOf: AS_OF });
    assert.equal(report.asOf.getTime(), AS_OF.getTime());
    const rows = await scores(ws);
    assert.equal(report.rows, rows.length);
    const expected: [number, string, string, number, number][] = [
      [1, 'category', '11', 4 + 0.425 + 1.75 + 2, 4],
      [1, 'category', '22', 2.25 + 0.2, 2],
      [1, 'category', '33', 3.5, 1],
      [1, 'brand', 'Acme', 4 + 0.425 + 2.25 + 0.2, 4],
      [1, 'brand', 'Bolt', 1.75 + 2, 2],
      [1, 'content_tag', 'makeup', 3.5, 1],
      [1, 'content_tag', 'Lipstick 1', 3.5, 1],
      [2, 'category', '11', 1, 1],
      [2, 'brand', 'Acme', 1, 1],
    ];
    assert.equal(rows.length, expected.length, JSON.stringify(rows));
    for (const [user, dim, tag, weight, n] of expected) {
      const r = find(rows, user, dim, tag);
      close(r.weight, weight, `${user} ${dim} ${tag} weight`);
      close(r.score, handScore(weight), `${user} ${dim} ${tag} score`);
      assert.equal(r.interactions, n);
      assert.equal(r.as_of.getTime(), AS_OF.getTime());
    }
    // The figures printed in docs/interest.md.
    close(find(rows, 1, 'category', '11').score, 4.6895, 'doc figure', 1e-4);
    close(find(rows, 1, 'category', '22').score, 0.8281, 'doc figure', 1e-4);
    close(find(rows, 1, 'category', '33').score, 1.3383, 'doc figure', 1e-4);
  });

  test('as-of defaults to the newest event; later events are ignored; the result is reproducible', async () => {
    const first = await buildInterestScores(ws);
    assert.equal(first.asOf.getTime(), new Date('2017-12-03T12:00:01Z').getTime());
    const a = await scores(ws);
    // With the 12:00:01 view of item 201 counted (1 x 2 x 1 = 2), and every age one second older (no band changes).
    close(find(a, 1, 'category', '22').weight, 2.45 + 2, 'category 22 with the late view');
    const again = await buildInterestScores(ws);
    const b = await scores(ws);
    assert.equal(again.asOf.getTime(), first.asOf.getTime());
    assert.deepEqual(b.map((r) => [r.user_id, r.dimension, r.tag, r.interactions]), a.map((r) => [r.user_id, r.dimension, r.tag, r.interactions]));
    a.forEach((r, i) => close(b[i]!.score, r.score, 'repeat score', 1e-12));

    // Events after the as-of time change nothing: add some far later, rebuild as of the same time.
    await buildInterestScores(ws, { asOf: AS_OF });
    const before = await scores(ws);
    await addEvents(ws, [
      [1, '2017-12-05 10:00:00', 'share', 101, 11, null, null],
      [3, '2017-12-04 10:00:00', 'pv', 101, 11, null, 30],
    ]);
    await buildInterestScores(ws, { asOf: AS_OF });
    const later = await scores(ws);
    assert.deepEqual(later.map((r) => [r.user_id, r.tag, r.interactions]), before.map((r) => [r.user_id, r.tag, r.interactions]));
    later.forEach((r, i) => close(r.weight, before[i]!.weight, 'weight with later events'));
    await ws.wh.run("DELETE FROM events WHERE ts > TIMESTAMP '2017-12-03 12:00:01'");
  });

  test('config overrides change the result as expected', async () => {
    await buildInterestScores(ws, {
      asOf: AS_OF,
      config: { behaviour: { share: 4 }, decay: { older: 0 }, curve: { midpoint: 2, steepness: 1 } },
    });
    const rows = await scores(ws);
    // F: (1 + 0.5 + 4) x 1 x 1 = 5.5; E no longer counts (older than 30 d -> 0): 2.25 + 0 = 2.25.
    close(find(rows, 1, 'category', '33').weight, 5.5, 'share bonus 4');
    close(find(rows, 1, 'category', '22').weight, 2.25, 'older 0');
    close(find(rows, 1, 'category', '22').score, handScore(2.25, 2, 1), 'curve override');
    close(find(rows, 1, 'category', '11').weight, 8.175, 'unchanged');

    await buildInterestScores(ws, {
      asOf: AS_OF,
      config: { dwell: { missing: 0.5, longAbove: 80 }, decay: { bands: [{ belowDays: 30, weight: 1 }] } },
    });
    const r2 = await scores(ws);
    // A: dwell 70 is now medium: 2 x 1 x 1 = 2; B: 1 x 0.5 x 1; C: 2.5 x 1 x 1; I: 2 x 0.5 x 1 = 1.
    close(find(r2, 1, 'category', '11').weight, 2 + 0.5 + 2.5 + 1, 'dwell and decay bands');
  });

  test('an invalid config is rejected with the path of the bad field', async () => {
    const bad: [unknown, RegExp][] = [
      [{ dwell: { short: -1 } }, /field dwell\.short:/],
      [{ behaviour: { share: 'two' } }, /field behaviour\.share:/],
      [{ decay: { bands: [{ belowDays: 7, weight: 1 }, { belowDays: 3, weight: 0.5 }] } }, /field decay\.bands:/],
      [{ decay: { bands: [{ belowDays: 0, weight: 1 }] } }, /field decay\.bands\.0\.belowDays:/],
      [{ curve: { steepness: 0 } }, /field curve\.steepness:/],
      [{ dwell: { shortBelow: 70 } }, /field dwell\.longAbove:/],
      [{ behaviour: { shares: 1 } }, /field behaviour:.*shares/],
    ];
    for (const [config, message] of bad) {
      assert.throws(() => resolveInterestConfig(config), (e: unknown) => e instanceof PortraitError && message.test(e.message));
      await assert.rejects(
        buildInterestScores(ws, { asOf: AS_OF, config: config as never }),
        (e: unknown) => e instanceof PortraitError && message.test(e.message),
      );
    }
  });

  test('a failed build leaves the previous table', async () => {
    await buildInterestScores(ws, { asOf: AS_OF });
    const previous = await scores(ws);
    await ws.wh.run('ALTER TABLE content RENAME TO content_away');
    try {
      await assert.rejects(buildInterestScores(ws, { asOf: new Date('2017-11-01T00:00:00Z') }));
    } finally {
      await ws.wh.run('ALTER TABLE content_away RENAME TO content');
    }
    assert.deepEqual(await scores(ws), previous);
  });
});

test('band edges: 3, 7 and 30 days old; 10 s and 60 s dwell; a day ends at midnight', async () => {
  const { ws, done } = await tempWorkspace();
  try {
    await catalogue(ws);
    await addEvents(ws, [
      [5, '2017-11-30 12:00:00', 'pv', 101, 11, null, 10], // exactly 3 d: 0.85; 10 s: medium 1
      [5, '2017-11-30 12:00:01', 'pv', 102001, 12, null, 60], // just under 3 d: 1; 60 s: medium 1
      [5, '2017-11-26 12:00:00', 'pv', 201, 22, null, 60.5], // exactly 7 d: 0.7; over 60 s: 2
      [5, '2017-11-03 12:00:00', 'pv', 202, 23, null, 9.99], // exactly 30 d: 0.1; under 10 s: 0.5
      [5, '2017-12-02 23:59:00', 'pv', 301, 31, null, 30], // two local days: two interactions,
      [5, '2017-12-03 00:01:00', 'pv', 301, 31, null, 40], //   each medium (not one long one of 70 s)
    ]);
    await buildInterestScores(ws, { asOf: AS_OF });
    const rows = await scores(ws);
    close(find(rows, 5, 'category', '11').weight, 0.85, '3 d, 10 s');
    close(find(rows, 5, 'category', '12').weight, 1, '3 d - 1 s, 60 s');
    close(find(rows, 5, 'category', '22').weight, 1.4, '7 d, 60.5 s');
    close(find(rows, 5, 'category', '23').weight, 0.05, '30 d, 9.99 s');
    close(find(rows, 5, 'category', '31').weight, 2, 'midnight');
    assert.equal(find(rows, 5, 'category', '31').interactions, 2);
  } finally {
    await done();
  }
  const c = defaultInterestConfig();
  assert.equal(dwellWeight(9.999, c), 0.5);
  assert.equal(dwellWeight(10, c), 1);
  assert.equal(dwellWeight(60, c), 1);
  assert.equal(dwellWeight(60.001, c), 2);
  assert.equal(dwellWeight(null, c), 1);
  assert.equal(decayWeight(0, c), 1);
  assert.equal(decayWeight(2.99999, c), 1);
  assert.equal(decayWeight(3, c), 0.85);
  assert.equal(decayWeight(15, c), 0.5);
  assert.equal(decayWeight(30, c), 0.1);
  assert.equal(interestScore(0, c), 0);
  assert.ok(interestScore(1e6, c) <= 10 && interestScore(1e6, c) > 9.999);
  close(interestScore(8, c), handScore(8), 'midpoint');
});

test('the SQL form of the weight and the score agree with the pure functions', async () => {
  const { ws, done } = await tempWorkspace();
  try {
    const configs = [defaultInterestConfig(), resolveInterestConfig({ behaviour: { view: 0.7, cart: 0 }, dwell: { missing: 0.3 }, curve: { midpoint: 3.5 } })];
    const cases: Interaction[] = [];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const dwell of [null, 0, 9.999, 10, 60, 60.001, 500]) {
      for (const age of [0, 2.5, 3, 7, 14.99, 15, 30, 400]) {
        cases.push({
          dwellSeconds: dwell,
          ageDays: age,
          actions: { comment: rnd() < 0.5, like: rnd() < 0.5, share: rnd() < 0.5, fav: rnd() < 0.5, cart: rnd() < 0.5, buy: rnd() < 0.5 },
        });
      }
    }
    for (const config of configs) {
      const w = interactionWeightSql(
        {
          actions: { comment: 'comment', like: '"like"', share: 'share', fav: 'fav', cart: 'cart', buy: 'buy' },
          dwell: 'dwell',
          age: 'age',
        },
        config,
        2,
      );
      const s = interestScoreSql('CAST($1 AS DOUBLE)', config, 2);
      for (const c of cases) {
        const a = c.actions!;
        const rows = await ws.wh.query<{ w: number }>(
          `SELECT ${w.sql} AS w FROM (SELECT CAST($1 AS DOUBLE) AS dwell, ${Object.keys(a)
            .map((k, i) => `CAST($${w.params.length + 2 + i} AS BOOLEAN) AS "${k}"`)
            .join(', ')}, CAST($${w.params.length + 8} AS DOUBLE) AS age)`,
          [c.dwellSeconds ?? null, ...w.params, ...Object.values(a), c.ageDays],
        );
        assert.equal(rows[0]!.w, interactionWeight(c, config), JSON.stringify(c));
        const sum = interactionWeight(c, config) * 3.7;
        const sr = await ws.wh.query<{ s: number }>(`SELECT ${s.sql} AS s`, [sum, ...s.params]);
        close(sr[0]!.s, interestScore(sum, config), 'score', 1e-12);
      }
    }
  } finally {
    await done();
  }
});

test('on a synthetic world, the top-scored category is among the top latent interests of most users', async () => {
  const { ws, done } = await tempWorkspace();
  try {
    await synthesize(ws, resolveSynthOptions({ users: 400, seed: 7 }));
    const report = await buildInterestScores(ws);
    assert.ok(report.rows > 0);
    const shares: number[] = [];
    for (const slots of [1, 3]) {
      const rows = await ws.wh.query<{ n: number; hit: number }>(
        `WITH top AS (
           SELECT user_id, CAST(tag AS BIGINT) AS category_id FROM interest_scores WHERE dimension = 'category'
           QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY score DESC, weight DESC, tag) = 1)
         SELECT count(*) AS n,
           avg(CASE WHEN EXISTS (SELECT 1 FROM truth.interests ti WHERE ti.user_id = top.user_id AND ti.category_id = top.category_id AND ti.slot < $1) THEN 1 ELSE 0 END) AS hit
         FROM top JOIN truth.users u USING (user_id) WHERE u.kind = 'normal'`,
        [slots],
      );
      assert.ok(rows[0]!.n > 350, `users scored: ${rows[0]!.n}`);
      shares.push(rows[0]!.hit);
    }
    // Observed (400 users, seed 7): 0.48 for the strongest slot, 0.79 for the three strongest.
    assert.ok(shares[0]! > 0.4, `top category is slot 0 for ${shares[0]}`);
    assert.ok(shares[1]! > 0.7, `top category in slots 0-2 for ${shares[1]}`);
    const range = await ws.wh.query<{ lo: number; hi: number }>('SELECT min(score) AS lo, max(score) AS hi FROM interest_scores');
    assert.ok(range[0]!.lo >= 0 && range[0]!.hi <= 10);
  } finally {
    await done();
  }
});
