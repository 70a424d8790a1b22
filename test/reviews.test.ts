import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { reviewsReport, type ReviewsReport, type ReviewStats } from '../src/reviews/index.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { cliOutput, tempDir } from './helpers.js';

/**
 * The story (as-of 2017-11-30 23:59:59, 30 days from 2017-11-01).
 *
 * Categories: Make-up (1) > Lipstick (11) > Matte lipstick (111); Make-up > Face cream (12); Food (2) > Snacks (21).
 * Items: 100 matte lipstick, 101 face cream, 200 snacks, 300 in category 999 (not in the tree).
 *
 * Order lines: o1 u1 100 (11-02), o2 u2 100 (11-03), o3 u3 101 (11-04), o4 u4 200 (11-05) delivered; o5 u5 200
 * refunded; o6 u6 300 delivered; o8 u8 101 only shipped. Before the period: o7 u7 100 (10-20), o9 u50 200
 * (10-15) and o10 u51 101 (10-16), delivered: items 100, 101 and 200 had sold (item 300 had not).
 *
 * Reviews (product / service / logistics, media, characters):
 *   r1 u1 o1 11-06  5 4 5 text 60      quality (length)
 *   r2 u2 o2 11-08  3 3 4 image 10     quality (image)
 *   r3 u3 o3 11-09  1 2 5 text 49      not quality
 *   r4 u4 o4 11-10  4 - 6 video        quality (video); logistics 6 is out of range
 *   r5 u7 o7 10-25  5 5 5 text 100     before the period: item 100 has a quality review before it
 *   r6 u5 o5 11-12  2 2 2 text 5       of a refunded line
 *   r7 u6 o6 12-05  after as-of: o6 is not reviewed
 *   r8 u9 -  11-15  4 4 4 text 20      no order named: counts as a review, not as a reviewed line
 *
 * Views and buys of item 200 around its first quality review (r4, 11-10 12:00), 2-day windows: before
 * u10 views and buys, u11 views (u12 viewed before the window; reviewers u4 and u5 are left out); after
 * u13 views at 12:00 sharp and buys, u14 views, u15 views and buys (u16 only buys; u17 views after the
 * window). Item 100 (quality review before the period): u20 views, u21 views and buys, reviewer u1 views.
 * Item 101: u30 views. u40 views item 300 on 10-01 (the data starts then); u41 views it in the period, but it
 * had not sold before: it is in neither group of the with/without comparison.
 */
const ORDERS: [number, number, number, string, string][] = [
  [1, 1, 100, '2017-11-02 10:00:00', 'delivered'],
  [2, 2, 100, '2017-11-03 10:00:00', 'delivered'],
  [3, 3, 101, '2017-11-04 10:00:00', 'delivered'],
  [4, 4, 200, '2017-11-05 10:00:00', 'delivered'],
  [5, 5, 200, '2017-11-06 10:00:00', 'refunded'],
  [6, 6, 300, '2017-11-07 10:00:00', 'delivered'],
  [7, 7, 100, '2017-10-20 10:00:00', 'delivered'],
  [8, 8, 101, '2017-11-29 10:00:00', 'shipped'],
  [9, 50, 200, '2017-10-15 10:00:00', 'delivered'],
  [10, 51, 101, '2017-10-16 10:00:00', 'delivered'],
];
// review, user, item, order, ts, product, service, logistics, media, length
const REVIEWS: [number, number, number, number | null, string, number | null, number | null, number | null, string | null, number | null][] = [
  [1, 1, 100, 1, '2017-11-06 10:00:00', 5, 4, 5, 'text', 60],
  [2, 2, 100, 2, '2017-11-08 10:00:00', 3, 3, 4, 'image', 10],
  [3, 3, 101, 3, '2017-11-09 10:00:00', 1, 2, 5, 'text', 49],
  [4, 4, 200, 4, '2017-11-10 12:00:00', 4, null, 6, 'video', null],
  [5, 7, 100, 7, '2017-10-25 10:00:00', 5, 5, 5, 'text', 100],
  [6, 5, 200, 5, '2017-11-12 10:00:00', 2, 2, 2, 'text', 5],
  [7, 6, 300, 6, '2017-12-05 10:00:00', 5, 5, 5, 'text', 80],
  [8, 9, 101, null, '2017-11-15 10:00:00', 4, 4, 4, 'text', 20],
];
// user, item, type, ts
const EVENTS: [number, number, string, string][] = [
  [10, 200, 'pv', '2017-11-09 09:00:00'],
  [10, 200, 'buy', '2017-11-09 09:05:00'],
  [11, 200, 'pv', '2017-11-09 10:00:00'],
  [12, 200, 'pv', '2017-11-08 11:00:00'],
  [4, 200, 'pv', '2017-11-09 11:00:00'],
  [5, 200, 'pv', '2017-11-09 11:30:00'],
  [5, 200, 'buy', '2017-11-09 11:35:00'],
  [13, 200, 'pv', '2017-11-10 12:00:00'],
  [13, 200, 'buy', '2017-11-11 10:00:00'],
  [14, 200, 'pv', '2017-11-11 09:00:00'],
  [15, 200, 'pv', '2017-11-11 10:00:00'],
  [15, 200, 'buy', '2017-11-11 10:05:00'],
  [16, 200, 'buy', '2017-11-11 11:00:00'],
  [17, 200, 'pv', '2017-11-12 13:00:00'],
  [20, 100, 'pv', '2017-11-15 10:00:00'],
  [21, 100, 'pv', '2017-11-16 10:00:00'],
  [21, 100, 'buy', '2017-11-16 10:05:00'],
  [1, 100, 'pv', '2017-11-20 10:00:00'],
  [30, 101, 'pv', '2017-11-20 10:00:00'],
  [40, 300, 'pv', '2017-10-01 10:00:00'],
  [41, 300, 'pv', '2017-11-21 10:00:00'],
];
const AS_OF = new Date('2017-11-30T23:59:59Z');

async function buildStory(ws: Workspace): Promise<void> {
  await ws.wh.run(`INSERT INTO categories (category_id, parent_id, name, level) VALUES
    (1, NULL, 'Make-up', 1), (11, 1, 'Lipstick', 2), (111, 11, 'Matte lipstick', 3), (12, 1, 'Face cream', 2), (2, NULL, 'Food', 1), (21, 2, 'Snacks', 2)`);
  await ws.wh.run('INSERT INTO items (item_id, category_id, price) VALUES (100, 111, 99), (101, 12, 199), (200, 21, 9), (300, 999, 5)');
  for (const [order, user, item, ts, status] of ORDERS) {
    await ws.wh.run('INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), 10, $5)', [
      order, user, item, ts, status,
    ]);
  }
  for (const r of REVIEWS) {
    await ws.wh.run(
      `INSERT INTO reviews (review_id, user_id, item_id, order_id, ts, product_score, service_score, logistics_score, media, text_length)
       VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMP), $6, $7, $8, $9, $10)`,
      r,
    );
  }
  let id = 1;
  for (const [user, item, type, ts] of EVENTS) {
    await ws.wh.run('INSERT INTO events (event_id, user_id, item_id, type, ts) VALUES ($1, $2, $3, $4, CAST($5 AS TIMESTAMP))', [id++, user, item, type, ts]);
  }
}

const near = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

const headline = (s: ReviewStats) => [s.deliveredLines, s.reviewedLines, s.reviews, s.qualityReviews];

describe('reviews report on a hand-built story', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: ReviewsReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await buildStory(ws);
    report = await reviewsReport(ws, { asOf: AS_OF, window: '2d' });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('review rate: 4 of the 5 delivered lines of the period are reviewed by as-of', () => {
    assert.equal(report.from.toISOString(), '2017-11-01T00:00:00.000Z');
    assert.deepEqual([report.total.deliveredLines, report.total.reviewedLines], [5, 4]);
    near(report.total.reviewRate, 0.8, 'review rate');
  });

  test('quality reviews: 3 of the 6 reviews of the period (length 50+, image or video); media counted', () => {
    assert.deepEqual([report.total.reviews, report.total.qualityReviews, report.minLength], [6, 3, 50]);
    near(report.total.qualityShare, 0.5, 'quality share');
    assert.deepEqual(report.total.media, { text: 4, image: 1, video: 1, none: 0 });
  });

  test('dimension scores: means and distributions over scores 1 to 5 (missing and out-of-range scores left out)', () => {
    const s = report.total.scores;
    assert.deepEqual([s.product.scored, s.product.counts], [6, [1, 1, 1, 2, 1]]);
    near(s.product.mean, 19 / 6, 'product mean');
    assert.deepEqual([s.service.scored, s.service.counts], [5, [0, 2, 1, 2, 0]]);
    near(s.service.mean, 3, 'service mean');
    assert.deepEqual([s.logistics.scored, s.logistics.counts], [5, [0, 1, 0, 2, 2]]);
    near(s.logistics.mean, 4, 'logistics mean');
    near(s.logistics.shares[4] ?? null, 2 / 5, 'share of 5s');
  });

  test('by top-level category, most reviews first; an item outside the tree keeps its own category', () => {
    assert.deepEqual(
      report.byCategory.map((c) => [c.categoryId, c.name, ...headline(c)]),
      [
        [1, 'Make-up', 3, 3, 4, 2],
        [2, 'Food', 1, 1, 2, 1],
        [999, null, 1, 0, 0, 0],
      ],
    );
    near(report.byCategory[0]!.scores.product.mean, (5 + 3 + 1 + 4) / 4, 'make-up product mean');
  });

  test('--category: only items below it, by its children (a leaf is its own row)', async () => {
    const makeUp = await reviewsReport(ws, { asOf: AS_OF, category: 1 });
    assert.deepEqual(makeUp.category, { id: 1, name: 'Make-up' });
    assert.deepEqual(makeUp.byCategory.map((c) => [c.categoryId, c.name, ...headline(c)]), [
      [11, 'Lipstick', 2, 2, 2, 2],
      [12, 'Face cream', 1, 1, 2, 0],
    ]);
    assert.deepEqual(headline(makeUp.total), [3, 3, 4, 2]);
    const leaf = await reviewsReport(ws, { asOf: AS_OF, category: 111 });
    assert.deepEqual(leaf.byCategory.map((c) => [c.categoryId, ...headline(c)]), [[111, 2, 2, 2, 2]]);
  });

  test('--min-length changes what counts as quality', async () => {
    const r = await reviewsReport(ws, { asOf: AS_OF, minLength: 10 });
    assert.equal(r.total.qualityReviews, 5);
  });

  test('before/after the first quality review of item 200: 1 of 2 viewers bought before, 2 of 3 after', () => {
    const e = report.effect.beforeAfter;
    assert.equal(e.items, 1);
    assert.deepEqual(e.before, { items: 1, viewers: 2, converted: 1, conversion: 0.5 });
    assert.deepEqual([e.after.items, e.after.viewers, e.after.converted], [1, 3, 2]);
    near(e.difference, 2 / 3 - 1 / 2, 'difference');
    near(e.relativeChange, 1 / 3, 'relative change');
    assert.match(report.effect.note, /observational/);
  });

  test('with/without: items sold before the period, with a quality review by then or not; reviewers left out', () => {
    const e = report.effect.withWithout;
    assert.deepEqual(e.with, { items: 1, viewers: 2, converted: 1, conversion: 0.5 });
    assert.deepEqual(e.without, { items: 2, viewers: 8, converted: 3, conversion: 3 / 8 });
    near(e.difference, 0.5 - 3 / 8, 'difference');
  });

  test('the comparison follows --category', async () => {
    const food = await reviewsReport(ws, { asOf: AS_OF, window: '2d', category: 2 });
    assert.equal(food.effect.beforeAfter.items, 1);
    assert.deepEqual(food.effect.withWithout.with, { items: 0, viewers: 0, converted: 0, conversion: null });
    assert.deepEqual(food.effect.withWithout.without, { items: 1, viewers: 7, converted: 3, conversion: 3 / 7 });
    assert.equal(food.effect.withWithout.difference, null);
  });

  test('a first quality review whose after-window passes as-of is not compared', async () => {
    // As of 11-11 12:00 the 2-day window after 11-10 12:00 is not over (5 days: item 100's review of 10-25 is outside).
    const r = await reviewsReport(ws, { asOf: new Date('2017-11-11T12:00:00Z'), days: 5, window: '2d' });
    const longer = await reviewsReport(ws, { asOf: new Date('2017-11-12T12:00:00Z'), days: 5, window: '2d' });
    assert.equal(longer.effect.beforeAfter.items, 1);
    assert.equal(r.effect.beforeAfter.items, 0);
    assert.equal(r.effect.beforeAfter.before.conversion, null);
  });

  test('an unknown category or a bad option is a PortraitError', async () => {
    await assert.rejects(reviewsReport(ws, { category: 5 }), (e: Error) => e instanceof PortraitError && /there is no category 5/.test(e.message));
    await assert.rejects(reviewsReport(ws, { minLength: 0 }), (e: Error) => e instanceof PortraitError && /reviews report: minLength/.test(e.message));
  });
});

describe('reviews command', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  before(async () => {
    const ws = await Workspace.init(wsDir);
    await buildStory(ws);
    await ws.close();
  });
  after(() => cleanup());

  const run = (args: string[]): Promise<string> => cliOutput(['--workspace', wsDir, ...args]);

  test('readable: categories with rate, quality and means; distributions; the comparison and its note', async () => {
    const text = await run(['reviews', 'report', '--as-of', '2017-11-30', '--window', '2d']);
    assert.match(text, /1\s+Make-up\s+3\s+3\s+100\.0%\s+4\s+50\.0%\s+3\.25\s+3\.25\s+4\.50/);
    assert.match(text, /all\s+-\s+5\s+4\s+80\.0%\s+6\s+50\.0%\s+3\.17\s+3\.00\s+4\.00/);
    assert.match(text, /logistics\s+5\s+4\.00\s+0\.0%\s+20\.0%\s+0\.0%\s+40\.0%\s+40\.0%/);
    assert.match(text, /after\s+1\s+3\s+2\s+66\.7%\s+\+16\.67 pt/);
    assert.match(text, /note: observational/);
  });

  test('--json and --category; bad values are usage errors', async () => {
    const json = JSON.parse(await run(['reviews', 'report', '--as-of', '2017-11-30', '--category', '1', '--json'])) as ReviewsReport;
    assert.deepEqual(json.byCategory.map((c) => c.categoryId), [11, 12]);
    await assert.rejects(run(['reviews', 'report', '--min-length', '0']), /--min-length/);
    await assert.rejects(run(['reviews', 'report', '--category', 'lipstick']), /--category/);
  });
});

describe('reviews on a synthetic world', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: ReviewsReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await synthesize(ws, resolveSynthOptions({ users: 4000, seed: 5 }));
    report = await reviewsReport(ws, { days: 60 });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('review rate: 22% of delivered lines, less those whose review (2-10 days later) would fall after the last day', async () => {
    // docs/synth.md: a review is written 2 + U(0, 8) days after the order, only if that is inside the window.
    const rows = await ws.wh.query<{ expected: number; n: number }>(
      `SELECT 0.22 * avg(least(1, greatest(0, (epoch(TIMESTAMP '2017-12-04 00:00:00') - epoch(ts) - 2 * 86400) / (8 * 86400)))) AS expected, count(*) AS n
       FROM orders WHERE status = 'delivered' AND ts >= $1 AND ts <= $2`,
      [report.from, report.asOf],
    );
    const expected = Number(rows[0]!.expected);
    assert.equal(report.total.deliveredLines, Number(rows[0]!.n));
    // Binomial sd at ~7,000 lines is about 0.005.
    assert.ok(Math.abs(report.total.reviewRate! - expected) < 0.015, `rate ${report.total.reviewRate} vs ${expected}`);
  });

  test('quality share: images and videos (30%) plus the text reviews of 50+ characters (length 5 + floor(150^u))', () => {
    const expected = 0.3 + 0.7 * (1 - Math.log(45) / Math.log(150));
    assert.ok(Math.abs(report.total.qualityShare! - expected) < 0.04, `quality ${report.total.qualityShare} vs ${expected}`);
  });

  test('dimension means follow the generator: product 4.34, service 4.37, logistics 4.54', () => {
    const s = report.total.scores;
    const product = 5 * 0.62 + 4 * 0.22 + 3 * 0.08 + 2 * 0.04 + 0.04;
    const own = 5 * 0.65 + 4 * 0.22 + 3 * 0.07 + 2 * 0.03 + 0.03;
    const service = 0.7 * product + 0.3 * own;
    const logistics = 5 * 0.7 + 4 * 0.2 + 3 * 0.06 + 2 * 0.02 + 0.02;
    for (const [name, got, want] of [['product', s.product.mean, product], ['service', s.service.mean, service], ['logistics', s.logistics.mean, logistics]] as const) {
      assert.ok(Math.abs(got! - want) < 0.08, `${name} ${got} vs ${want}`);
    }
    assert.ok(Math.abs(s.product.shares[4]! - 0.62) < 0.04, `product 5s ${s.product.shares[4]}`);
  });

  test('the categories add up to the total', () => {
    const sum = (f: (s: ReviewStats) => number) => report.byCategory.reduce((a, c) => a + f(c), 0);
    assert.equal(sum((s) => s.deliveredLines), report.total.deliveredLines);
    assert.equal(sum((s) => s.reviewedLines), report.total.reviewedLines);
    assert.equal(sum((s) => s.reviews), report.total.reviews);
    assert.equal(sum((s) => s.qualityReviews), report.total.qualityReviews);
    assert.equal(report.byCategory.length, 10);
  });
});
