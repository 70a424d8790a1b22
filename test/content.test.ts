import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqlParams } from '../src/conditions/params.js';
import { attributionCtes, contentCreators, contentKindShareOption, contentReport, type ContentReport } from '../src/content/index.js';
import { PortraitError } from '../src/errors.js';
import { renderSvg } from '../src/report/svg.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import type { SqlValue } from '../src/warehouse/warehouse.js';
import { Workspace } from '../src/workspace/workspace.js';
import { cliOutput, count, tempDir } from './helpers.js';

/**
 * The story (local wall-clock times, as-of 2017-11-10 23:59:59, 30 days from 2017-10-12).
 *
 * Content: c1 graphic by 900 linking item 100; c2 short video by 901 linking 100; c3 graphic by 901
 * linking 200; c4 the live page of stream L1 (host 900, 11-05 20:00-22:00) linking 300, published at
 * 20:20; c5 an old graphic post by 902 linking nothing.
 *
 *   u1  views c1 (11-03 10:00, likes it), views c2 (12:00, shares it); buys 100 on 11-04      -> c2 (latest touch)
 *   u2  views c1 and c2 at the same second, comments c1; buys 100 at 11:00                    -> c1 (tie: smaller id)
 *   u3  views c3 on 11-01 08:00 and c5; buys 200 7 days and 1 s later (and 100 in that order) -> nothing (7d window)
 *   u4  watches L1 from 20:10 (likes twice, rewards, follows, comments, claims a coupon); buys 300 at 20:40 -> c4
 *   u5  watches L1's replay on 11-06; buys 300 five minutes later                               -> c4
 *   u6  views c1, follows from it; buys 200 (not linked)                                       -> nothing
 *   u7  a pv only (active, reads nothing); an order on 10-01, before the period
 *   u8  buys 100 an hour before viewing c1                                                     -> nothing
 *   u9  watches L1 from 20:05; buys 300 at 20:15, before the link is pushed at 20:20           -> nothing
 */
type Ev = { user: number; ts: string; type: string; content?: number; live?: number; item?: number; dwell?: number; amount?: number };
const EVENTS: Ev[] = [
  { user: 1, ts: '2017-11-03 10:00:00', type: 'content_view', content: 1, dwell: 30 },
  { user: 1, ts: '2017-11-03 10:01:00', type: 'like', content: 1 },
  { user: 1, ts: '2017-11-03 12:00:00', type: 'content_view', content: 2, dwell: 40 },
  { user: 1, ts: '2017-11-03 12:01:00', type: 'share', content: 2 },
  { user: 2, ts: '2017-11-03 10:00:00', type: 'content_view', content: 1 },
  { user: 2, ts: '2017-11-03 10:00:00', type: 'content_view', content: 2 },
  { user: 2, ts: '2017-11-03 10:02:00', type: 'comment', content: 1 },
  { user: 3, ts: '2017-11-01 08:00:00', type: 'content_view', content: 3 },
  { user: 3, ts: '2017-11-02 08:00:00', type: 'content_view', content: 5 },
  { user: 4, ts: '2017-11-05 20:10:00', type: 'live_watch', live: 7, dwell: 600 },
  { user: 4, ts: '2017-11-05 20:31:00', type: 'live_like', live: 7 },
  { user: 4, ts: '2017-11-05 20:32:00', type: 'live_like', live: 7 },
  { user: 4, ts: '2017-11-05 20:33:00', type: 'live_reward', live: 7, amount: 5 },
  { user: 4, ts: '2017-11-05 20:34:00', type: 'live_follow', live: 7 },
  { user: 4, ts: '2017-11-05 20:35:00', type: 'comment', live: 7 },
  { user: 4, ts: '2017-11-05 20:36:00', type: 'coupon_claim', live: 7 },
  { user: 5, ts: '2017-11-06 10:00:00', type: 'live_watch', live: 7, dwell: 120 },
  { user: 6, ts: '2017-11-04 10:00:00', type: 'content_view', content: 1 },
  { user: 6, ts: '2017-11-04 10:01:00', type: 'follow', content: 1 },
  { user: 7, ts: '2017-11-04 10:00:00', type: 'pv', item: 100 },
  { user: 8, ts: '2017-11-03 10:00:00', type: 'content_view', content: 1 },
  { user: 9, ts: '2017-11-05 20:05:00', type: 'live_watch', live: 7, dwell: 300 },
];
// order, user, item, ts, amount
const ORDERS: [number, number, number, string, number][] = [
  [1, 1, 100, '2017-11-04 09:00:00', 10],
  [2, 2, 100, '2017-11-03 11:00:00', 10],
  [3, 3, 200, '2017-11-08 08:00:01', 20],
  [3, 3, 100, '2017-11-08 08:00:01', 10],
  [4, 4, 300, '2017-11-05 20:40:00', 30],
  [5, 5, 300, '2017-11-06 10:05:00', 30],
  [6, 6, 200, '2017-11-04 11:00:00', 20],
  [7, 8, 100, '2017-11-03 09:00:00', 10],
  [8, 9, 300, '2017-11-05 20:15:00', 30],
  [9, 7, 100, '2017-10-01 10:00:00', 10],
];
const AS_OF = new Date('2017-11-10T23:59:59Z');

async function insertEvents(ws: Workspace, events: Ev[]): Promise<void> {
  let id = 1;
  for (const e of events) {
    await ws.wh.run(
      `INSERT INTO events (event_id, user_id, ts, type, content_id, live_id, item_id, dwell_s, amount)
       VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8, $9)`,
      [id++, e.user, e.ts, e.type, e.content ?? null, e.live ?? null, e.item ?? null, e.dwell ?? null, e.amount ?? null],
    );
  }
}

async function buildStory(ws: Workspace): Promise<void> {
  await insertEvents(ws, EVENTS);
  await ws.wh.run(`INSERT INTO content (content_id, creator_id, kind, item_id, published_at) VALUES
    (1, 900, 'graphic', 100, TIMESTAMP '2017-11-01 00:00:00'),
    (2, 901, 'short_video', 100, TIMESTAMP '2017-11-02 00:00:00'),
    (3, 901, 'graphic', 200, TIMESTAMP '2017-11-02 00:00:00'),
    (4, 900, 'live', 300, TIMESTAMP '2017-11-05 20:20:00'),
    (5, 902, 'graphic', NULL, TIMESTAMP '2017-09-01 00:00:00')`);
  await ws.wh.run(`INSERT INTO live_streams (live_id, creator_id, started_at, ended_at, title) VALUES
    (7, 900, TIMESTAMP '2017-11-05 20:00:00', TIMESTAMP '2017-11-05 22:00:00', 'Live: lipstick'),
    (8, 900, TIMESTAMP '2017-08-01 20:00:00', TIMESTAMP '2017-08-01 21:00:00', 'Live: old')`);
  await ws.wh.run("INSERT INTO creators (creator_id, name, tier) VALUES (900, 'Ann', 'kol'), (901, 'Bo', 'regular')");
  for (const [order, user, item, ts, amount] of ORDERS) {
    await ws.wh.run("INSERT INTO orders (order_id, user_id, item_id, ts, amount, status) VALUES ($1, $2, $3, CAST($4 AS TIMESTAMP), $5, 'delivered')", [
      order, user, item, ts, amount,
    ]);
  }
}

async function countOf(ws: Workspace, sql: string, params: SqlValue[] = []): Promise<number> {
  const rows = await ws.wh.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? NaN);
}

const near = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

const kind = (r: ContentReport, k: string) => r.kinds.find((x) => x.kind === k)!;

describe('content report on a hand-built story', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: ContentReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await buildStory(ws);
    report = await contentReport(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('the period is the 30 local days ending on the as-of day', () => {
    assert.equal(report.from.toISOString(), '2017-10-12T00:00:00.000Z');
    assert.equal(report.asOf.toISOString(), AS_OF.toISOString());
    assert.equal(report.window, '7d');
    assert.equal(report.orderSource, 'orders');
  });

  test('readers: 5 of the 9 active users read content, 3 watched live, 8 did either', () => {
    assert.deepEqual(report.audience, {
      activeUsers: 9,
      readers: 5,
      readerShare: 5 / 9,
      liveViewers: 3,
      liveViewerShare: 3 / 9,
      consumers: 8,
      consumerShare: 8 / 9,
    });
  });

  test('every order line of the period is a denominator: 8 orders, 9 lines, 170 yuan, 8 buyers (the 10-01 order is outside)', () => {
    assert.deepEqual(report.purchases, { orders: 8, lines: 9, gmv: 170, buyers: 8 });
  });

  test('last touch: u1 to c2, the tie of u2 to c1, u4 and the replay of u5 to the live page; nothing else', () => {
    assert.deepEqual(
      { orders: report.content.orders, lines: report.content.lines, gmv: report.content.gmv, buyers: report.content.buyers },
      { orders: 4, lines: 4, gmv: 80, buyers: 4 },
    );
    near(report.content.orderShare, 4 / 8, 'order share');
    near(report.content.lineShare, 4 / 9, 'line share');
    near(report.content.gmvShare, 80 / 170, 'GMV share');
    assert.deepEqual([kind(report, 'graphic').orders, kind(report, 'graphic').gmv], [1, 10]);
    assert.deepEqual([kind(report, 'short_video').orders, kind(report, 'short_video').gmv], [1, 10]);
    assert.deepEqual([kind(report, 'live').orders, kind(report, 'live').gmv, kind(report, 'live').buyers], [2, 60, 2]);
    near(kind(report, 'live').orderShare, 2 / 8, 'live share');
  });

  test('engagement per kind: views, viewers, likes, shares, comments and followers', () => {
    const g = kind(report, 'graphic');
    assert.deepEqual([g.contents, g.views, g.viewers, g.likes, g.shares, g.comments, g.followers], [2, 6, 5, 1, 0, 1, 1]);
    near(g.likeRate, 1 / 6, 'graphic like rate');
    near(g.engagementRate, 2 / 6, 'graphic engagement');
    const v = kind(report, 'short_video');
    assert.deepEqual([v.contents, v.views, v.viewers, v.likes, v.shares, v.comments, v.followers], [1, 2, 2, 0, 1, 0, 0]);
    const l = kind(report, 'live');
    assert.deepEqual([l.contents, l.views, l.viewers, l.likes, l.shares, l.comments, l.followers], [1, 3, 3, 2, 0, 1, 1]);
    const all = report.content;
    assert.deepEqual([all.contents, all.views, all.viewers, all.likes, all.shares, all.comments, all.followers], [4, 11, 8, 3, 1, 2, 2]);
    near(all.engagementRate, 6 / 11, 'all engagement');
  });

  test('creators by views: 900 (posts and stream), 901, then 902 (viewed, not published in the period)', () => {
    assert.equal(report.creators, 3);
    const [ann, bo, c902] = report.topCreators;
    assert.deepEqual(
      [ann!.rank, ann!.creatorId, ann!.name, ann!.tier, ann!.contents, ann!.streams, ann!.views, ann!.viewers, ann!.likes, ann!.comments, ann!.followers],
      [1, 900, 'Ann', 'kol', 2, 1, 7, 7, 3, 2, 2],
    );
    assert.deepEqual([ann!.lines, ann!.orders, ann!.gmv, ann!.buyers], [3, 3, 70, 3]);
    assert.deepEqual([bo!.creatorId, bo!.contents, bo!.views, bo!.viewers, bo!.shares, bo!.orders, bo!.gmv], [901, 2, 3, 3, 1, 1, 10]);
    assert.deepEqual([c902!.creatorId, c902!.name, c902!.tier, c902!.contents, c902!.views], [902, null, null, 0, 1]);
  });

  test('a longer window credits u3: 7d + 1s is outside 7d, inside 8d', async () => {
    const r = await contentReport(ws, { asOf: AS_OF, window: '8d' });
    assert.deepEqual([r.content.orders, r.content.lines, r.content.gmv], [5, 5, 100]);
    assert.deepEqual([kind(r, 'graphic').orders, kind(r, 'graphic').gmv], [2, 30]);
    assert.equal(r.topCreators.find((c) => c.creatorId === 901)!.gmv, 30);
  });

  test('--kind keeps the kind\'s row and ranks creators on it; the all-content total stays', async () => {
    const r = await contentReport(ws, { asOf: AS_OF, kind: 'live' });
    assert.deepEqual(r.kinds.map((k) => k.kind), ['live']);
    assert.equal(r.content.orders, 4);
    assert.equal(r.creators, 1);
    const ann = r.topCreators[0]!;
    assert.deepEqual([ann.creatorId, ann.contents, ann.streams, ann.views, ann.viewers, ann.likes, ann.comments, ann.followers, ann.orders, ann.gmv], [
      900, 1, 1, 3, 3, 2, 1, 1, 2, 60,
    ]);
  });

  test('as of an earlier time nothing later counts', async () => {
    const r = await contentReport(ws, { asOf: new Date('2017-11-03T11:30:00Z'), days: 1 });
    // 11-03 only, up to 11:30: views of c1 by u1, u2, u8 and c2 by u2; orders o2 (credited to c1) and o7.
    assert.equal(r.from.toISOString(), '2017-11-03T00:00:00.000Z');
    assert.deepEqual([r.audience.activeUsers, r.audience.readers], [3, 3]);
    assert.deepEqual([r.content.views, r.purchases.orders, r.content.orders, r.content.gmv], [4, 2, 1, 10]);
  });

  test('contentCreators ranks the same way; top limits the rows, not the count', async () => {
    const r = await contentCreators(ws, { asOf: AS_OF, top: 1 });
    assert.equal(r.creators, 3);
    assert.deepEqual(r.top.map((c) => c.creatorId), [900]);
  });

  test('bad options are PortraitErrors naming the option', async () => {
    await assert.rejects(contentReport(ws, { window: '7 days' }), (e: Error) => e instanceof PortraitError && /content report: window: expected a duration/.test(e.message));
    await assert.rejects(contentReport(ws, { days: 0 }), (e: Error) => e instanceof PortraitError && /content report: days/.test(e.message));
    await assert.rejects(
      contentCreators(ws, { kind: 'podcast' as 'live' }),
      (e: Error) => e instanceof PortraitError && /content creators: kind/.test(e.message),
    );
  });

  test('the chart draws the share of orders and GMV per kind and for all content', () => {
    const option = contentKindShareOption(report, 'en');
    const series = option.series as { name: string; data: { value: number }[] }[];
    assert.deepEqual(series[0]!.data.map((d) => d.value), [12.5, 12.5, 25, 50]);
    assert.deepEqual(series[1]!.data.map((d) => d.value), [Number((1000 / 170).toFixed(2)), Number((1000 / 170).toFixed(2)), Number((6000 / 170).toFixed(2)), Number((8000 / 170).toFixed(2))]);
    assert.match(renderSvg(option, 900, 300), /<svg/);
    const empty = contentKindShareOption({ ...report, purchases: { orders: 0 } }, 'zh');
    assert.match(JSON.stringify(empty), /统计期内无订单/);
  });
});

describe('content commands', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  before(async () => {
    const ws = await Workspace.init(wsDir);
    await buildStory(ws);
    await ws.close();
  });
  after(() => cleanup());

  const run = (args: string[]): Promise<string> => cliOutput(['--workspace', wsDir, ...args]);

  test('content report --json is the library result; the readable form names kinds, shares and creators', async () => {
    const json = JSON.parse(await run(['content', 'report', '--as-of', '2017-11-10', '--json'])) as ContentReport;
    assert.equal(json.content.orders, 4);
    assert.equal(json.asOf, '2017-11-10T23:59:59.000Z');
    const text = await run(['content', 'report', '--as-of', '2017-11-10', '--window', '8d', '--top', '2']);
    assert.match(text, /last touch within 8d/);
    assert.match(text, /orders through content\s+5 \(62\.5%; GMV 100\.00, 58\.8%\)/);
    assert.match(text, /short_video\s+1\s+2\s+2/);
    assert.match(text, /top 2 of 3 creators by views/);
  });

  test('content creators --kind and --top', async () => {
    const text = await run(['content', 'creators', '--as-of', '2017-11-10', '--kind', 'graphic', '--top', '1']);
    assert.match(text, /creators by views of graphic/);
    assert.match(text, /1\s+900\s+Ann\s+kol/);
    assert.match(text, /\.\.\. 2 more/);
  });

  test('bad option values are usage errors naming the option', async () => {
    await assert.rejects(run(['content', 'report', '--window', '7x']), /option '--window <duration>' argument '7x' is invalid/);
    await assert.rejects(run(['content', 'report', '--kind', 'radio']), /--kind/);
    await assert.rejects(run(['content', 'creators', '--days', '0']), /--days/);
  });
});

describe('content on a synthetic world', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: ContentReport;
  before(async () => {
    ws = await Workspace.init(wsDir);
    await synthesize(ws, resolveSynthOptions({ users: 4000, seed: 5 }));
    report = await contentReport(ws, { days: 60, top: 50 });
  });
  after(async () => {
    await ws.close();
    cleanup();
  });

  test('readers are content fans and live viewers live fans (docs/synth.md), and they are counted exactly', async () => {
    const params = [report.from, report.asOf];
    const outside = (type: string, fan: string) =>
      countOf(
        ws,
        `SELECT count(DISTINCT e.user_id) AS n FROM events e JOIN truth.users t USING (user_id)
         WHERE e.type = '${type}' AND e.ts >= CAST($1 AS TIMESTAMP) AND e.ts <= CAST($2 AS TIMESTAMP) AND NOT t.${fan}`,
        params,
      );
    assert.equal(await outside('content_view', 'content_fan'), 0);
    assert.equal(await outside('live_watch', 'live_fan'), 0);
    const fans = await count(ws, 'SELECT count(*) AS n FROM truth.users WHERE content_fan');
    assert.ok(report.audience.readers > 0.6 * fans && report.audience.readers <= fans, `${report.audience.readers} readers of ${fans} fans`);
    assert.ok(report.audience.readerShare! > 0.3 && report.audience.readerShare! < 0.7, `reader share ${report.audience.readerShare}`);
  });

  test('the platform-tagged live buys (buy events with live_id) are credited to their stream', async () => {
    const tagged = await count(ws, "SELECT count(*) AS n FROM events WHERE type = 'buy' AND live_id IS NOT NULL");
    assert.ok(tagged > 50, `${tagged} tagged buys`);
    // Order lines mirror buy events (same user, item, time); a tagged buy is credited when its line goes to a live page of the same stream.
    const p = new SqlParams();
    const ctes = attributionCtes(p, { source: 'orders', asOf: report.asOf, purchasesFrom: new Date(0), windowSeconds: 7 * 86400 });
    const credited = await countOf(
      ws,
      `WITH ${ctes}
       SELECT count(*) AS n FROM events e JOIN attributed a ON a.user_id = e.user_id AND a.item_id = e.item_id AND a.ts = e.ts
       WHERE e.type = 'buy' AND e.live_id IS NOT NULL AND a.live_id = e.live_id`,
      p.values,
    );
    assert.ok(credited >= 0.95 * tagged, `${credited} of ${tagged} tagged buys credited to their stream`);
    // Posts do not lead to purchases in the synthetic world: what content sells there, live streams sell.
    assert.ok(kind(report, 'live').orders >= 0.9 * report.content.orders);
  });

  test('kinds split the credited lines exactly; shares are of all the period\'s orders', () => {
    const lines = report.kinds.reduce((s, k) => s + k.lines, 0);
    const gmv = report.kinds.reduce((s, k) => s + k.gmv, 0);
    assert.equal(lines, report.content.lines);
    assert.ok(Math.abs(gmv - report.content.gmv) < 1e-6);
    assert.ok(report.content.orders <= report.purchases.orders);
    near(report.content.orderShare, report.content.orders / report.purchases.orders, 'order share');
  });

  test('the KOLs (truth.kols) lead the creator ranking', async () => {
    const kols = (await ws.wh.query<{ user_id: number }>("SELECT user_id FROM truth.kols WHERE tier = 'kol'")).map((r) => Number(r.user_id));
    assert.ok(kols.length >= 2);
    const top = report.topCreators.slice(0, kols.length).map((c) => c.creatorId);
    assert.deepEqual([...top].sort(), [...kols].sort(), `top ${top} vs KOLs ${kols}`);
    for (const c of report.topCreators.slice(0, kols.length)) assert.equal(c.tier, 'kol');
  });
});
