import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { livePerformanceOption, liveReport, type LiveReport, type LiveStats } from '../src/live/index.js';
import { renderSvg } from '../src/report/svg.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { cliOutput, tempDir } from './helpers.js';

/**
 * The story (local wall-clock times; as-of 2017-11-10 23:59:59, 30 days from 2017-10-12).
 *
 * Host 900 streams L7 on 11-05 20:00-22:00 and pushes its link to item 300 (live page c4) at 20:20;
 * L8 (same host, 08-01) is outside the period. Host 901 streams L9 on 11-07 19:00-20:00 with a page
 * linking item 400 at 19:00; 901 also posts c6 (graphic) linking 400.
 *
 *   u4  watches L7 from 20:10 for 600 s; likes twice, rewards 5 and 3 yuan, follows, comments, claims a coupon; buys 300 at 20:40
 *   u5  watches L7's replay (11-06 10:00, 120 s); buys 300 at 10:05
 *   u9  watches L7 from 20:05 for 300 s; buys 300 at 20:15, before the link: not credited
 *   u10 watches L7 at 20:50 and L9 at 19:10; buys 400 at 19:20 after viewing post c6 at 19:15: the post wins
 *   u11 watches L9 at 19:30 for 900 s and likes it; buys 400 at 19:40 (80 yuan) and again at 19:50 (40)
 */
type Ev = { user: number; ts: string; type: string; content?: number; live?: number; item?: number; dwell?: number; amount?: number };
const EVENTS: Ev[] = [
  { user: 4, ts: '2017-11-05 20:10:00', type: 'live_watch', live: 7, dwell: 600 },
  { user: 4, ts: '2017-11-05 20:31:00', type: 'live_like', live: 7 },
  { user: 4, ts: '2017-11-05 20:32:00', type: 'live_like', live: 7 },
  { user: 4, ts: '2017-11-05 20:33:00', type: 'live_reward', live: 7, amount: 5 },
  { user: 4, ts: '2017-11-05 20:34:00', type: 'live_reward', live: 7, amount: 3 },
  { user: 4, ts: '2017-11-05 20:35:00', type: 'live_follow', live: 7 },
  { user: 4, ts: '2017-11-05 20:36:00', type: 'comment', live: 7 },
  { user: 4, ts: '2017-11-05 20:37:00', type: 'coupon_claim', live: 7 },
  { user: 5, ts: '2017-11-06 10:00:00', type: 'live_watch', live: 7, dwell: 120 },
  { user: 9, ts: '2017-11-05 20:05:00', type: 'live_watch', live: 7, dwell: 300 },
  { user: 10, ts: '2017-11-05 20:50:00', type: 'live_watch', live: 7, dwell: 60 },
  { user: 10, ts: '2017-11-07 19:10:00', type: 'live_watch', live: 9, dwell: 200 },
  { user: 10, ts: '2017-11-07 19:15:00', type: 'content_view', content: 6 },
  { user: 11, ts: '2017-11-07 19:30:00', type: 'live_watch', live: 9, dwell: 900 },
  { user: 11, ts: '2017-11-07 19:31:00', type: 'live_like', live: 9 },
];
// order, user, item, ts, amount
const ORDERS: [number, number, number, string, number][] = [
  [4, 4, 300, '2017-11-05 20:40:00', 30],
  [5, 5, 300, '2017-11-06 10:05:00', 30],
  [8, 9, 300, '2017-11-05 20:15:00', 30],
  [10, 10, 400, '2017-11-07 19:20:00', 40],
  [11, 11, 400, '2017-11-07 19:40:00', 80],
  [12, 11, 400, '2017-11-07 19:50:00', 40],
];
const AS_OF = new Date('2017-11-10T23:59:59Z');

async function buildStory(ws: Workspace): Promise<void> {
  let id = 1;
  for (const e of EVENTS) {
    await ws.wh.run(
      `INSERT INTO events (event_id, user_id, ts, type, content_id, live_id, item_id, dwell_s, amount)
       VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8, $9)`,
      [id++, e.user, e.ts, e.type, e.content ?? null, e.live ?? null, e.item ?? null, e.dwell ?? null, e.amount ?? null],
    );
  }
  await ws.wh.run(`INSERT INTO content (content_id, creator_id, kind, item_id, published_at) VALUES
    (4, 900, 'live', 300, TIMESTAMP '2017-11-05 20:20:00'),
    (5, 901, 'live', 400, TIMESTAMP '2017-11-07 19:00:00'),
    (6, 901, 'graphic', 400, TIMESTAMP '2017-11-01 00:00:00')`);
  await ws.wh.run(`INSERT INTO live_streams (live_id, creator_id, started_at, ended_at, category_id, title) VALUES
    (7, 900, TIMESTAMP '2017-11-05 20:00:00', TIMESTAMP '2017-11-05 22:00:00', 111, 'Live: lipstick'),
    (8, 900, TIMESTAMP '2017-08-01 20:00:00', TIMESTAMP '2017-08-01 21:00:00', 111, 'Live: old'),
    (9, 901, TIMESTAMP '2017-11-07 19:00:00', TIMESTAMP '2017-11-07 20:00:00', 12, 'Live: dresses')`);
  await ws.wh.run("INSERT INTO creators (creator_id, name, tier) VALUES (900, 'Ann', 'kol'), (901, 'Bo', 'koc')");
  for (const [order, user, item, ts, amount] of ORDERS) {
    await ws.wh.run("INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), $5, 'delivered')", [
      order, user, item, ts, amount,
    ]);
  }
  // Declared: u4 a woman born 1990-06-01 (27 on the as-of day: 25-34), u5 a man without a birthday, u10 a woman of 20;
  // u9 and u11 declare nothing.
  await ws.wh.run(`INSERT INTO users (user_id, gender, birth_date) VALUES
    (4, 'female', DATE '1990-06-01'), (5, 'male', NULL), (10, 'female', DATE '1997-01-01')`);
  await ws.wh.run(`INSERT INTO categories (category_id, parent_id, name, level) VALUES
    (1, NULL, 'Make-up', 1), (2, NULL, 'Womenswear', 1), (11, 1, 'Lipstick', 2), (111, 11, 'Matte lipstick', 3), (12, 2, 'Dresses', 2)`);
}

/** What `portrait build` would leave for the split: predictions and interest scores. */
async function addPortrait(ws: Workspace): Promise<void> {
  await ws.wh.run('CREATE TABLE predicted_attributes (user_id BIGINT, attribute VARCHAR, value VARCHAR, confidence DOUBLE, declared_value VARCHAR)');
  // Predictions never override what a user declared: u4's "male" is ignored, u9's and u11's count.
  await ws.wh.run(`INSERT INTO predicted_attributes VALUES
    (4, 'gender', 'male', 0.6, 'female'), (9, 'gender', 'female', 0.9, NULL), (11, 'gender', 'male', 0.7, NULL),
    (9, 'age_band', '18-24', 0.5, NULL), (5, 'age_band', '35-44', 0.5, NULL)`);
  await ws.wh.run('CREATE TABLE interest_scores (user_id BIGINT, dimension VARCHAR, tag VARCHAR, weight DOUBLE, score DOUBLE, interactions BIGINT, as_of TIMESTAMP)');
  // Strongest category: u4 111 (-> Make-up), u5 12 (-> Womenswear), u9 11 (-> Make-up), u10 tie 12 / 111 -> 12 (smaller id), u11 none.
  await ws.wh.run(`INSERT INTO interest_scores (user_id, dimension, tag, score) VALUES
    (4, 'category', '111', 8), (4, 'category', '12', 3), (4, 'brand', 'X', 9),
    (5, 'category', '12', 5),
    (9, 'category', '11', 2),
    (10, 'category', '111', 4), (10, 'category', '12', 4)`);
}

const near = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

function counts(s: LiveStats) {
  return {
    viewers: s.viewers,
    watchSeconds: s.watchSeconds,
    replayViewers: s.replayViewers,
    replayWatchSeconds: s.replayWatchSeconds,
    audience: s.audience,
    likes: s.likes,
    shares: s.shares,
    comments: s.comments,
    follows: s.follows,
    rewards: s.rewards,
    rewardAmount: s.rewardAmount,
    couponClaims: s.couponClaims,
    orders: s.orders,
    lines: s.lines,
    gmv: s.gmv,
    buyers: s.buyers,
    convertedViewers: s.convertedViewers,
  };
}

const L7 = {
  viewers: 3, // u4, u9, u10 while it ran; u5 only afterwards
  watchSeconds: 960,
  replayViewers: 1,
  replayWatchSeconds: 120,
  audience: 4,
  likes: 2,
  shares: 0,
  comments: 1,
  follows: 1,
  rewards: 2,
  rewardAmount: 8,
  couponClaims: 1,
  orders: 2, // u4 and u5's replay; u9 bought before the link
  lines: 2,
  gmv: 60,
  buyers: 2,
  convertedViewers: 2,
};
const L9 = {
  viewers: 2, // u10, u11
  watchSeconds: 1100,
  replayViewers: 0,
  replayWatchSeconds: 0,
  audience: 2,
  likes: 1,
  shares: 0,
  comments: 0,
  follows: 0,
  rewards: 0,
  rewardAmount: 0,
  couponClaims: 0,
  orders: 2, // u11's two orders; u10's line goes to the post c6 viewed later
  lines: 2,
  gmv: 120,
  buyers: 1,
  convertedViewers: 1,
};

describe('live report on a hand-built story', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: LiveReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await buildStory(ws);
    report = await liveReport(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('the streams started in the period, by start time, with their own numbers', () => {
    assert.deepEqual(report.streams.map((s) => [s.liveId, s.hostId, s.title, s.categoryId]), [
      [7, 900, 'Live: lipstick', 111],
      [9, 901, 'Live: dresses', 12],
    ]);
    const [l7, l9] = report.streams;
    assert.deepEqual(counts(l7!), L7);
    assert.deepEqual(counts(l9!), L9);
    near(l7!.avgWatchSeconds, 320, 'L7 average watch');
    near(l7!.conversion, 2 / 4, 'L7 conversion');
    near(l9!.conversion, 1 / 2, 'L9 conversion');
  });

  test('hosts add their streams up, users counted once; the total spans every stream', () => {
    assert.deepEqual(report.hosts.map((h) => [h.hostId, h.name, h.tier, h.streams]), [
      [901, 'Bo', 'koc', 1],
      [900, 'Ann', 'kol', 1],
    ]);
    assert.deepEqual(counts(report.hosts.find((h) => h.hostId === 900)!), L7);
    // u10 watched both streams: audience 5, not 6.
    assert.deepEqual(counts(report.total), {
      viewers: 4,
      watchSeconds: 2060,
      replayViewers: 1,
      replayWatchSeconds: 120,
      audience: 5,
      likes: 3,
      shares: 0,
      comments: 1,
      follows: 1,
      rewards: 2,
      rewardAmount: 8,
      couponClaims: 1,
      orders: 4,
      lines: 4,
      gmv: 180,
      buyers: 3,
      convertedViewers: 3,
    });
    near(report.total.conversion, 3 / 5, 'total conversion');
  });

  test('without a build the portrait has declared values only and no interests', () => {
    assert.deepEqual(report.portraitInputs, { predictions: false, interests: false });
    const p = report.streams[0]!.portrait;
    assert.equal(p.viewers, 4);
    assert.deepEqual(p.gender.map((g) => [g.value, g.users]), [['female', 2], ['male', 1], ['unknown', 1]]);
    assert.deepEqual(p.genderSource, { declared: 3, predicted: 0, unknown: 1 });
    assert.deepEqual(p.ageBand.filter((a) => a.users > 0).map((a) => [a.value, a.users]), [['18-24', 1], ['25-34', 1], ['unknown', 2]]);
    assert.equal(p.interests, null);
  });

  test('with predictions and interest scores: declared first, then predicted; interests by top-level category', async () => {
    await addPortrait(ws);
    const r = await liveReport(ws, { asOf: AS_OF });
    assert.deepEqual(r.portraitInputs, { predictions: true, interests: true });
    const l7 = r.streams[0]!.portrait;
    assert.deepEqual(l7.gender.map((g) => [g.value, g.users]), [['female', 3], ['male', 1], ['unknown', 0]]);
    assert.deepEqual(l7.genderSource, { declared: 3, predicted: 1, unknown: 0 });
    assert.deepEqual(l7.ageBand.filter((a) => a.users > 0).map((a) => [a.value, a.users]), [['18-24', 2], ['25-34', 1], ['35-44', 1]]);
    assert.deepEqual(l7.ageBandSource, { declared: 2, predicted: 2, unknown: 0 });
    assert.deepEqual(l7.interests!.map((i) => [i.categoryId, i.name, i.users]), [[1, 'Make-up', 2], [2, 'Womenswear', 2]]);
    near(l7.interests![0]!.share, 2 / 4, 'interest share');
    const all = r.total.portrait;
    assert.equal(all.viewers, 5);
    assert.deepEqual(all.gender.map((g) => [g.value, g.users]), [['female', 3], ['male', 2], ['unknown', 0]]);
    // u11 has no category interest: the shares are of all viewers, so they need not add up to 1.
    assert.deepEqual(all.interests!.map((i) => [i.categoryId, i.users]), [[1, 2], [2, 2]]);
  });

  test('--stream reports one stream whenever it started; --host one host\'s streams', async () => {
    const old = await liveReport(ws, { asOf: AS_OF, stream: 8 });
    assert.deepEqual(old.streams.map((s) => [s.liveId, s.audience, s.orders]), [[8, 0, 0]]);
    assert.equal(old.total.conversion, null);
    const bo = await liveReport(ws, { asOf: AS_OF, host: 901 });
    assert.deepEqual(bo.streams.map((s) => s.liveId), [9]);
    assert.deepEqual(counts(bo.total), L9);
  });

  test('as of the middle of L7 nothing later counts', async () => {
    const r = await liveReport(ws, { asOf: new Date('2017-11-05T21:00:00Z'), days: 1 });
    assert.deepEqual(r.streams.map((s) => s.liveId), [7]);
    const s = r.streams[0]!;
    assert.deepEqual([s.viewers, s.replayViewers, s.audience, s.orders, s.gmv, s.convertedViewers], [3, 0, 3, 1, 30, 1]);
  });

  test('an unknown stream or host, or a stream of another host, is a PortraitError', async () => {
    await assert.rejects(liveReport(ws, { stream: 99 }), (e: Error) => e instanceof PortraitError && /no live stream 99/.test(e.message));
    await assert.rejects(liveReport(ws, { host: 4 }), (e: Error) => e instanceof PortraitError && /user 4 hosts no live stream/.test(e.message));
    await assert.rejects(liveReport(ws, { stream: 7, host: 901 }), (e: Error) => e instanceof PortraitError && /hosted by 900, not 901/.test(e.message));
    await assert.rejects(liveReport(ws, { window: '0d' }), (e: Error) => e instanceof PortraitError && /live report: window/.test(e.message));
    await assert.rejects(liveReport(ws, { stream: -1 }), (e: Error) => e instanceof PortraitError && /live report: stream/.test(e.message));
  });

  test('the chart: audience and GMV bars, conversion line, per stream in start order', () => {
    const option = livePerformanceOption(report, 'en');
    const series = option.series as { data: (number | null)[] }[];
    assert.deepEqual(series.map((s) => s.data), [[4, 2], [60, 120], [50, 50]]);
    assert.deepEqual((option.xAxis as { data: string[] }[])[1]!.data, ['#7 11-05', '#9 11-07']);
    assert.match(renderSvg(option, 900, 460), /<svg/);
    const top1 = livePerformanceOption(report, 'zh', 1);
    assert.deepEqual((top1.series as { data: number[] }[])[0]!.data, [4]);
    assert.match(JSON.stringify(livePerformanceOption({ streams: [] }, 'zh')), /统计期内无直播/);
  });
});

describe('live command', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  before(async () => {
    const ws = await Workspace.init(wsDir);
    await buildStory(ws);
    await ws.close();
  });
  after(() => cleanup());

  const run = (args: string[]): Promise<string> => cliOutput(['--workspace', wsDir, ...args]);

  test('live report: streams and hosts by GMV, the total and the portrait; --json has every stream', async () => {
    const text = await run(['live', 'report', '--as-of', '2017-11-10']);
    assert.match(text, /streams by GMV/);
    assert.match(text, /9\s+901\s+2017-11-07 19:00\s+Live: dresses\s+2\s+0\.3\s+9\.2\s+0\s+1\s+0\s+0\s+0\.00\s+0\s+0\s+2\s+120\.00\s+50\.0%/);
    assert.match(text, /900\s+Ann\s+kol\s+1\s+3/);
    assert.match(text, /gender\s+female 40\.0%, male 20\.0%, unknown 40\.0% \(declared 3, predicted 0, unknown 2\)/);
    assert.match(text, /interest scores not built/);
    const json = JSON.parse(await run(['live', 'report', '--as-of', '2017-11-10', '--top', '1', '--json'])) as LiveReport;
    assert.equal(json.streams.length, 2);
    const one = await run(['live', 'report', '--as-of', '2017-11-10', '--top', '1']);
    assert.match(one, /top 1 of 2 streams by GMV/);
  });

  test('--stream shows that stream; bad ids are usage errors', async () => {
    const text = await run(['live', 'report', '--stream', '7', '--as-of', '2017-11-10']);
    assert.match(text, /live report: stream 7/);
    assert.doesNotMatch(text, /hosts by GMV/);
    await assert.rejects(run(['live', 'report', '--stream', 'seven']), /--stream/);
  });
});

describe('live on a synthetic world', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: LiveReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await synthesize(ws, resolveSynthOptions({ users: 4000, seed: 5 }));
    report = await liveReport(ws, { days: 60 });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('live viewers are mostly women: about 83% of those who declared a gender (30% of women, 8% of men are fans)', () => {
    const g = report.total.portrait.gender;
    const [women, men] = [g.find((x) => x.value === 'female')!.users, g.find((x) => x.value === 'male')!.users];
    const share = women / (women + men);
    // 0.56 x 0.30 / (0.56 x 0.30 + 0.44 x 0.08) = 0.827; a few hundred declared viewers.
    assert.ok(women + men > 200, `${women + men} declared viewers`);
    assert.ok(share > 0.75 && share < 0.9, `women ${share}`);
  });

  test('every stream of the period is reported; rewards and watch time match the events', async () => {
    const streams = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM live_streams WHERE started_at >= $1 AND started_at <= $2', [
      report.from,
      report.asOf,
    ]);
    assert.equal(report.streams.length, Number(streams[0]!.n));
    const sums = await ws.wh.query<{ rewards: number; watch: number }>(
      `SELECT count(*) FILTER (WHERE e.type = 'live_reward') AS rewards, sum(e.dwell_s) FILTER (WHERE e.type = 'live_watch') AS watch
       FROM events e JOIN live_streams s USING (live_id) WHERE s.started_at >= $1 AND s.started_at <= $2`,
      [report.from, report.asOf],
    );
    assert.equal(report.total.rewards, Number(sums[0]!.rewards));
    assert.equal(report.total.watchSeconds + report.total.replayWatchSeconds, Number(sums[0]!.watch));
    assert.equal(report.streams.reduce((s, x) => s + x.rewards, 0), report.total.rewards);
  });

  test('streams sell what their viewers buy there: credited orders cover the tagged buys (about 6% of watches)', async () => {
    const tagged = await ws.wh.query<{ live_id: number; n: number }>(
      "SELECT live_id, count(*) AS n FROM events WHERE type = 'buy' AND live_id IS NOT NULL GROUP BY live_id",
    );
    const byStream = new Map(report.streams.map((s) => [s.liveId, s]));
    let covered = 0;
    let total = 0;
    for (const t of tagged) {
      const s = byStream.get(Number(t.live_id));
      if (!s) continue;
      total += Number(t.n);
      covered += Math.min(Number(t.n), s.lines);
    }
    assert.ok(total > 50 && covered >= 0.95 * total, `${covered} of ${total}`);
    const watches = report.streams.reduce((s, x) => s + x.audience, 0);
    assert.ok(report.total.lines / watches > 0.03 && report.total.lines / watches < 0.1, `lines per viewer ${report.total.lines / watches}`);
  });
});
