import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { io } from '../src/cli/context.js';
import { registerNoiseCommands } from '../src/cli/commands/noise.js';
import { PortraitError } from '../src/errors.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { buildInterestScores } from '../src/tags/interest/index.js';
import { buildGiftFlags, evaluateGiftFlags, GIFT_TABLE, resolveNoiseConfig, type GiftEvaluation } from '../src/tags/noise/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { SAMPLE, tempDir, tempWorkspace } from './helpers.js';

const AS_OF = new Date('2017-12-03T23:59:59Z'); // wall clock 2017-12-03 23:59:59

// The catalogue: three top-level categories, a second level, leaves.
//   1 Digital -> 10 Phones -> 101 handsets (items 1011-1019), 102 cases (1021-1029)
//   2 Make-up -> 20 Lips   -> 201 lipstick (items 2011-2019);  2 -> 21 Skin -> 211 face cream (2111-2119)
//   3 Books   -> 30 Novels -> 301 (items 3011-3019)
async function catalogue(ws: Workspace): Promise<void> {
  await ws.wh.run(`INSERT INTO categories (category_id, parent_id, name, level) VALUES
    (1, NULL, 'Digital', 1), (10, 1, 'Phones', 2), (101, 10, 'Handsets', 3), (102, 10, 'Cases', 3),
    (2, NULL, 'Make-up', 1), (20, 2, 'Lips', 2), (201, 20, 'Lipstick', 3), (21, 2, 'Skin', 2), (211, 21, 'Face cream', 3),
    (3, NULL, 'Books', 1), (30, 3, 'Novels', 2), (301, 30, 'Novels', 3)`);
  const items: string[] = [];
  for (const leaf of [101, 102, 201, 211, 301]) for (let k = 1; k <= 9; k++) items.push(`(${leaf * 10 + k}, ${leaf}, 1)`);
  await ws.wh.run(`INSERT INTO items (item_id, category_id, price) VALUES ${items.join(', ')}`);
}

type Ev = { user: number; ts: string; type: string; item: number; category?: number | null; live?: number; dwell?: number };

let nextId = 1;
async function addEvents(ws: Workspace, events: Ev[]): Promise<void> {
  const rows = events.map((e) => [
    nextId++,
    e.user,
    e.ts,
    e.type,
    e.item,
    e.category === undefined ? Math.floor(e.item / 10) : e.category,
    e.live ?? null,
    e.dwell ?? (e.type === 'pv' ? 30 : null),
  ]);
  for (const r of rows) {
    await ws.wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, item_id, category_id, live_id, dwell_s) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8)',
      r,
    );
  }
}

/** A digital fan's own browsing: three phone views a day on `days` days from November 1st. */
function habit(user: number, days = 10): Ev[] {
  const out: Ev[] = [];
  for (let d = 1; d <= days; d++) {
    for (let k = 1; k <= 3; k++) out.push({ user, ts: `2017-11-${String(d).padStart(2, '0')} 21:0${k}:00`, type: 'pv', item: 1010 + k });
  }
  return out;
}

/** Looks at two lipsticks, then buys the second: the shape of a gift bought on `day` (a November day). */
function lipstickEpisode(user: number, day = 20, extra: Partial<Ev> = {}): Ev[] {
  return [
    { user, ts: `2017-11-${day} 20:00:00`, type: 'pv', item: 2011 },
    { user, ts: `2017-11-${day} 20:05:00`, type: 'pv', item: 2012 },
    { user, ts: `2017-11-${day} 20:10:00`, type: 'buy', item: 2012, ...extra },
  ];
}

interface Story {
  user: number;
  story: string;
  events: Ev[];
  gift: boolean;
}

const STORIES: Story[] = [
  { user: 1, story: 'a phone fan looks at two lipsticks and buys one: a gift', events: [...habit(1), ...lipstickEpisode(1)], gift: true },
  {
    user: 2,
    story: 'a phone fan looks at two cases and buys one: his own interest (same top-level category)',
    events: [
      ...habit(2),
      { user: 2, ts: '2017-11-20 20:00:00', type: 'pv', item: 1021 },
      { user: 2, ts: '2017-11-20 20:05:00', type: 'pv', item: 1022 },
      { user: 2, ts: '2017-11-20 20:10:00', type: 'buy', item: 1022 },
    ],
    gift: false,
  },
  {
    user: 3,
    story: 'buys a lipstick and comes back to face cream a week later: a new interest of her own',
    events: [...habit(3), ...lipstickEpisode(3), { user: 3, ts: '2017-11-27 21:00:00', type: 'pv', item: 2111 }],
    gift: false,
  },
  {
    user: 4,
    story: 'buys lipsticks twice, two weeks apart: repeated, not one-off',
    events: [...habit(4), ...lipstickEpisode(4, 12), ...lipstickEpisode(4, 26)],
    gift: false,
  },
  {
    user: 5,
    story: 'a newcomer whose first purchase is a lipstick: too little history to know her interests',
    events: [...habit(5, 2), ...lipstickEpisode(5)],
    gift: false,
  },
  {
    user: 6,
    story: 'buys the lipstick a live stream featured: an influenced purchase, left alone',
    events: [...habit(6), ...lipstickEpisode(6, 20, { live: 77 })],
    gift: false,
  },
  {
    user: 7,
    story: 'buys the lipstick his friend bought two days earlier: a social copy, left alone',
    events: [...habit(7), ...lipstickEpisode(7), { user: 70, ts: '2017-11-18 12:00:00', type: 'buy', item: 2012 }],
    gift: false,
  },
  {
    user: 8,
    story: 'spends an evening on seven lipsticks before buying one: exploring, not a quick errand',
    events: [
      ...habit(8),
      ...[1, 2, 3, 4, 5, 6, 7].map((k): Ev => ({ user: 8, ts: `2017-11-20 20:0${k}:00`, type: 'pv', item: 2010 + k })),
      { user: 8, ts: '2017-11-20 20:30:00', type: 'buy', item: 2017 },
    ],
    gift: false,
  },
  {
    user: 9,
    story: 'opens one lipstick and buys it at once: no choice made, not judged a gift',
    events: [...habit(9), { user: 9, ts: '2017-11-20 20:00:00', type: 'pv', item: 2012 }, { user: 9, ts: '2017-11-20 20:01:00', type: 'buy', item: 2012 }],
    gift: false,
  },
  {
    user: 10,
    story: 'a gift whose review he writes a week later: the review concerns the gift, still a gift',
    events: [...habit(10), ...lipstickEpisode(10), { user: 10, ts: '2017-11-27 21:00:00', type: 'comment', item: 2012 }],
    gift: true,
  },
  {
    user: 11,
    story: 'a gift whose events carry no category: the item\'s category is used',
    events: [...habit(11), ...lipstickEpisode(11).map((e) => ({ ...e, category: null }))],
    gift: true,
  },
  {
    user: 12,
    story: 'a gift bought five minutes past midnight after looking the evening before: one episode',
    events: [
      ...habit(12),
      { user: 12, ts: '2017-11-20 23:55:00', type: 'pv', item: 2011 },
      { user: 12, ts: '2017-11-20 23:58:00', type: 'pv', item: 2012 },
      { user: 12, ts: '2017-11-21 00:05:00', type: 'buy', item: 2012 },
    ],
    gift: true,
  },
];

interface GiftRow {
  user_id: number;
  event_id: bigint;
  item_id: number;
  category_id: number;
  ts: Date;
  reason: string;
  score: number;
}

async function giftRows(ws: Workspace): Promise<GiftRow[]> {
  return ws.wh.query<GiftRow>(`SELECT * FROM ${GIFT_TABLE} ORDER BY user_id, ts`);
}

describe('gift purchases: hand-made stories', () => {
  let ws: Workspace;
  let done: () => Promise<void>;
  before(async () => {
    ({ ws, done } = await tempWorkspace());
    await catalogue(ws);
    await ws.wh.run("INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts) VALUES (7, 70, 'friend', TIMESTAMP '2017-01-01')");
    for (const s of STORIES) await addEvents(ws, s.events);
  });
  after(async () => done());

  test('every story is judged as told', async () => {
    const report = await buildGiftFlags(ws, { asOf: AS_OF });
    assert.equal(report.asOf.getTime(), AS_OF.getTime());
    const flagged = new Set((await giftRows(ws)).map((r) => r.user_id));
    for (const s of STORIES) assert.equal(flagged.has(s.user), s.gift, `user ${s.user}: ${s.story}`);
    assert.equal(report.rows, STORIES.filter((s) => s.gift).length);
  });

  test('a flagged row names the buy event, its category, a reason and a score', async () => {
    await buildGiftFlags(ws, { asOf: AS_OF });
    const row = (await giftRows(ws)).find((r) => r.user_id === 1);
    assert.ok(row);
    const buy = await ws.wh.query<{ event_id: bigint }>("SELECT event_id FROM events WHERE user_id = 1 AND type = 'buy'");
    assert.equal(row.event_id, buy[0]?.event_id);
    assert.equal(row.item_id, 2012);
    assert.equal(row.category_id, 201);
    assert.equal(row.ts.toISOString(), '2017-11-20T20:10:00.000Z');
    assert.match(row.reason, /one-off in top category 2: 3 interaction\(s\) with 2 item\(s\)/);
    // score: the share of the user's interactions outside the group: 30 phone views of 33.
    assert.ok(Math.abs(row.score - 30 / 33) < 1e-12, String(row.score));
  });

  test('as of an earlier time only what happened by then counts: one-offs that later repeat look like gifts until they do', async () => {
    await buildGiftFlags(ws, { asOf: new Date('2017-11-15T00:00:00Z') });
    assert.deepEqual((await giftRows(ws)).map((r) => r.user_id), [4], 'by Nov 15 only user 4 has bought (Nov 12)');
    await buildGiftFlags(ws, { asOf: new Date('2017-11-25T00:00:00Z') });
    const flagged = new Set((await giftRows(ws)).map((r) => r.user_id));
    assert.ok(flagged.has(3), 'user 3 before the week-later visit');
    assert.ok(flagged.has(4), 'user 4 before the second purchase: the first looks like a gift until it repeats');
  });

  test('thresholds are configuration', async () => {
    const oneItem = await buildGiftFlags(ws, { asOf: AS_OF, config: { minEpisodeItems: 1 } });
    const flagged = new Set((await giftRows(ws)).map((r) => r.user_id));
    assert.ok(flagged.has(9), 'with minEpisodeItems 1 the direct purchase counts');
    assert.ok(oneItem.rows > STORIES.filter((s) => s.gift).length);
    await buildGiftFlags(ws, { asOf: AS_OF, config: { socialCopyDays: 0, skipInfluenced: false } });
    const loose = new Set((await giftRows(ws)).map((r) => r.user_id));
    assert.ok(loose.has(6) && loose.has(7), 'live and social-copy purchases when those checks are off');
    await buildGiftFlags(ws, { asOf: AS_OF, config: { group: 'leaf' } });
    const leaf = new Set((await giftRows(ws)).map((r) => r.user_id));
    // By leaf, the phone case looks foreign to a handset fan: why the top-level category is the default.
    assert.ok(leaf.has(1) && leaf.has(2), 'by leaf, both purchases are one-off');
  });

  test('a bad configuration names its field', async () => {
    assert.throws(() => resolveNoiseConfig({ maxEpisodeInteractions: 0 }), (e: unknown) => e instanceof PortraitError && /maxEpisodeInteractions/.test(e.message));
    assert.throws(() => resolveNoiseConfig({ group: 'middle' }), (e: unknown) => e instanceof PortraitError && /field group/.test(e.message));
    assert.throws(() => resolveNoiseConfig({ surprise: 1 }), PortraitError);
    await assert.rejects(buildGiftFlags(ws, { asOf: new Date(NaN) }), PortraitError);
  });

  test('interest scores leave gift purchases out, and only them', async () => {
    await ws.wh.run(`DROP TABLE IF EXISTS ${GIFT_TABLE}`);
    await buildInterestScores(ws, { asOf: AS_OF });
    const score = async (user: number, tag: string) =>
      (await ws.wh.query<{ score: number }>("SELECT score FROM interest_scores WHERE user_id = $1 AND dimension = 'category' AND tag = $2", [user, tag]))[0]?.score ?? 0;
    const without = { gift: await score(1, '201'), review: await score(10, '201'), phones: await score(1, '101'), own: await score(3, '201') };
    assert.ok(without.gift > 0 && without.review > 0, 'without gift_purchases the gift counts as today');

    await buildGiftFlags(ws, { asOf: AS_OF });
    await buildInterestScores(ws, { asOf: AS_OF });
    assert.equal(await score(1, '201'), 0, 'the gift and the lipsticks compared that day');
    assert.equal(await score(10, '201'), 0, 'the review of the gift too');
    assert.equal(await score(11, '201'), 0, 'events without a category: matched through the item');
    assert.equal(await score(1, '101'), without.phones, 'his own interest is untouched');
    assert.equal(await score(3, '201'), without.own, 'a purchase not judged a gift still counts');

    await buildInterestScores(ws, { asOf: AS_OF, excludeGifts: false });
    assert.equal(await score(1, '201'), without.gift, 'excludeGifts: false counts everything');
  });
});

describe('gift purchases on the real Taobao sample (no category tree, no items)', () => {
  test('runs, judging leaf categories', async () => {
    const { ws, done } = await tempWorkspace();
    try {
      await importTaobao(ws, [SAMPLE], { progress: false });
      const report = await buildGiftFlags(ws, {});
      const rows = await ws.wh.query<{ n: bigint; bad: bigint; buys: bigint }>(
        `SELECT count(*) AS n, count(*) FILTER (WHERE g.group_id <> g.category_id OR e.type <> 'buy' OR e.user_id <> g.user_id) AS bad,
           count(DISTINCT g.event_id) AS buys
         FROM ${GIFT_TABLE} g JOIN events e ON e.event_id = g.event_id`,
      );
      assert.equal(Number(rows[0]?.n), report.rows);
      assert.equal(Number(rows[0]?.bad), 0, 'every row is a buy of its user, judged in its own category');
      await buildInterestScores(ws, {});
      assert.ok(Number((await ws.wh.query<{ n: bigint }>('SELECT count(*) AS n FROM interest_scores'))[0]?.n) > 0);
    } finally {
      await done();
    }
  });
});

describe('gift purchases on a synthetic world', () => {
  const { dir, cleanup } = tempDir();
  const wsDir = join(dir, 'ws');
  let evaluation: GiftEvaluation;
  before(async () => {
    const ws = await Workspace.init(wsDir);
    try {
      await synthesize(ws, resolveSynthOptions({ users: 3000, seed: 11 }));
      evaluation = await evaluateGiftFlags(ws);
    } finally {
      await ws.close();
    }
  });
  after(() => cleanup());

  test('flags beat the naive baseline (every purchase alone in its top-level category is a gift)', () => {
    const { flags, baseline, gifts } = evaluation;
    assert.ok(gifts > 50, `a world with gifts (${gifts})`);
    assert.ok(flags.precision !== null && baseline.precision !== null && flags.f1 !== null && baseline.f1 !== null);
    assert.ok(flags.precision > baseline.precision, `precision ${flags.precision} vs baseline ${baseline.precision}`);
    assert.ok(flags.f1 > baseline.f1, `F1 ${flags.f1} vs baseline ${baseline.f1}`);
    assert.ok(flags.truePositives <= flags.flagged && flags.truePositives <= gifts);
  });

  test('portrait noise build and evaluate (the command module on its own program)', async () => {
    let out = '';
    const saved = { ...io };
    Object.assign(io, { out: (t: string) => void (out += t), err: () => undefined });
    const run = async (...args: string[]) => {
      out = '';
      const program = new Command('portrait').option('-w, --workspace <dir>').exitOverride();
      registerNoiseCommands(program);
      await program.parseAsync(['node', 'portrait', '--workspace', wsDir, ...args]);
      return out;
    };
    try {
      const evaluated = JSON.parse(await run('noise', 'evaluate', '--json')) as GiftEvaluation;
      assert.equal(evaluated.flags.flagged, evaluation.flags.flagged);
      assert.equal(evaluated.flags.truePositives, evaluation.flags.truePositives);
      assert.match(await run('noise', 'evaluate'), /precision/);
      const built = JSON.parse(await run('noise', 'build', '--json')) as { rows: number };
      assert.equal(built.rows, evaluation.flags.flagged);
      assert.match(await run('noise', 'build', '--as-of', '2017-11-01'), /gift_purchases as of 2017-11-01 23:59:59/);
    } finally {
      Object.assign(io, saved);
    }
  });
});
