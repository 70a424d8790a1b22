import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compileCondition, conditionContext, ConditionSchema, SqlParams } from '../src/conditions/index.js';
import { buildTags } from '../src/tags/values/build.js';
import { TagRegistry } from '../src/tags/registry/registry.js';
import { buildTraits } from '../src/tags/traits/build.js';
import { importTaobao } from '../src/ingest/taobao.js';
import { runBuild } from '../src/build.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, SAMPLE, tempDir } from './helpers.js';

const AS_OF = new Date('2017-12-31T23:59:59Z'); // the end of 2017-12-31, local wall clock

/** [user, type, 'YYYY-MM-DD HH:MM:SS', category, item, amount] */
type Ev = [number, string, string, number | null, number | null, number | null];
const EVENTS: Ev[] = [
  // User 1 views category 10 often, buys twice: 300 on Dec 30 and 900 on Nov 1 (61 days before as-of).
  [1, 'pv', '2017-12-30 10:00:00', 10, 100, null],
  [1, 'pv', '2017-12-30 10:05:00', 10, 100, null],
  [1, 'pv', '2017-12-25 00:00:00', 11, 110, null], // exactly 6 days 23:59:59 before as-of: inside 7 days
  [1, 'pv', '2017-12-24 23:59:59', 11, 110, null], // exactly 7 days before as-of: outside "last 7 days"
  [1, 'cart', '2017-12-30 10:06:00', 10, 100, null],
  [1, 'buy', '2017-12-30 10:07:00', 10, 100, 300],
  [1, 'buy', '2017-11-01 09:00:00', 12, 120, 900],
  [1, 'pv', '2018-01-02 09:00:00', 10, 100, null], // after as-of: never counts
  // User 2 carts twice this week and buys nothing: a cart abandoner, 2 views of 13 and 2 of 14 (tie -> 13 first).
  [2, 'cart', '2017-12-29 12:00:00', 13, 130, null],
  [2, 'cart', '2017-12-30 12:00:00', 13, 130, null],
  [2, 'pv', '2017-12-29 11:00:00', 14, 140, null],
  [2, 'pv', '2017-12-29 11:01:00', 14, 140, null],
  [2, 'pv', '2017-12-29 11:02:00', 13, 130, null],
  // User 3 only bought long ago (1200 on Aug 1: outside 90 days).
  [3, 'buy', '2017-08-01 08:00:00', 12, 121, 1200],
];

async function seed(ws: Workspace): Promise<void> {
  let id = 1;
  for (const [user, type, ts, category, item, amount] of EVENTS) {
    await ws.wh.run(
      'INSERT INTO events (event_id, user_id, ts, type, category_id, item_id, amount) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6, $7)',
      [id++, user, ts, type, category, item, amount],
    );
  }
  // User 4 has declared a profile and no events.
  await ws.wh.run("INSERT INTO users (user_id, gender, city, birth_date) VALUES (4, 'female', 'Hangzhou', DATE '1990-06-01')");
  // The category tree: 10 and 11 are under 1 (clothing); 12 under 2.
  await ws.wh.run("INSERT INTO categories VALUES (1, NULL, 'clothing', 1), (2, NULL, 'home', 1), (10, 1, 'shoes', 2), (11, 1, 'coats', 2), (12, 2, 'tissues', 2)");
  await ws.wh.run("INSERT INTO items (item_id, category_id, brand) VALUES (100, 10, 'Anta'), (120, 12, 'Vinda'), (130, 13, 'Anta')");
}

async function valuesOf(ws: Workspace, tag: string): Promise<Map<number, unknown>> {
  const rows = await ws.wh.query<{ user_id: number; num: number | null; txt: string | null; ts: Date | null; lst: string[] | null }>(
    'SELECT user_id, num, txt, ts, lst FROM tag_values WHERE tag = $1 ORDER BY user_id',
    [tag],
  );
  return new Map(rows.map((r) => [Number(r.user_id), r.num ?? r.txt ?? r.ts ?? r.lst]));
}

async function usersMeeting(ws: Workspace, condition: unknown): Promise<number[]> {
  const registry = TagRegistry.load(ws);
  const params = new SqlParams();
  const sql = compileCondition(
    ConditionSchema.parse(condition),
    conditionContext(params, AS_OF, { universe: 'known_users', tagTable: 'tag_values', interestTable: 'interest_scores', tagType: (k) => registry.typeOf(k) }),
  );
  const rows = await ws.wh.query<{ user_id: number }>(`SELECT user_id FROM (${sql}) ORDER BY user_id`, params.values);
  return rows.map((r) => Number(r.user_id));
}

describe('tags on a hand-computed fixture', () => {
  let ws: Workspace;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
    await buildTags(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('known users are everyone with an event up to as-of or a declared profile', async () => {
    const rows = await ws.wh.query<{ user_id: number }>('SELECT user_id FROM known_users ORDER BY user_id');
    assert.deepEqual(rows.map((r) => Number(r.user_id)), [1, 2, 3, 4]);
  });

  test('windowed counts: the last 7 days exclude the instant 7 days back, and nothing after as-of counts', async () => {
    assert.deepEqual([...(await valuesOf(ws, 'pv_7d'))], [[1, 3], [2, 3], [3, 0], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'pv_30d'))], [[1, 4], [2, 3], [3, 0], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'cart_7d'))], [[1, 1], [2, 2], [3, 0], [4, 0]]);
  });

  test('purchases: counts, amounts, 90-day spend, average order value, last purchase, first and last seen', async () => {
    assert.deepEqual([...(await valuesOf(ws, 'purchase_count'))], [[1, 2], [2, 0], [3, 1], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'purchase_amount'))], [[1, 1200], [2, 0], [3, 1200], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'purchase_amount_90d'))], [[1, 1200], [2, 0], [3, 0], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'average_order_value'))], [[1, 600], [3, 1200]]);
    assert.deepEqual((await valuesOf(ws, 'last_purchase')).get(1), new Date('2017-12-30T10:07:00Z'));
    assert.deepEqual((await valuesOf(ws, 'first_seen')).get(3), new Date('2017-08-01T08:00:00Z'));
    assert.deepEqual((await valuesOf(ws, 'last_seen')).get(1), new Date('2017-12-30T10:07:00Z'), 'the Jan 2 view is after as-of');
    assert.equal((await valuesOf(ws, 'active_days_30d')).get(1), 3); // Dec 24, 25 and 30
  });

  test('favourite categories: most interactions first, ties to the smaller id', async () => {
    const fav = await valuesOf(ws, 'favourite_categories');
    assert.deepEqual(fav.get(1), ['10', '11', '12']); // 10: 4 (2 pv, cart, buy); 11: 2; 12: 1
    assert.deepEqual(fav.get(2), ['13', '14']); // 13: 3; 14: 2
    assert.deepEqual((await valuesOf(ws, 'favourite_brands')).get(2), ['Anta']);
  });

  test('rule tags: high value (spent over 1000 in 90 days) and cart abandoner (carted, did not buy, this week)', async () => {
    assert.deepEqual([...(await valuesOf(ws, 'high_value'))], [[1, 1], [2, 0], [3, 0], [4, 0]]);
    assert.deepEqual([...(await valuesOf(ws, 'cart_abandoner'))], [[1, 0], [2, 1], [3, 0], [4, 0]]);
  });

  test('declared attributes: city, and age in whole years on the as-of day', async () => {
    assert.equal((await valuesOf(ws, 'city')).get(4), 'Hangzhou');
    assert.equal((await valuesOf(ws, 'age')).get(4), 27);
  });

  test('conditions: a count that zero meets takes in users with no such events', async () => {
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'buy' }, op: '<', value: 2 }), [2, 3, 4]);
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'buy' }, op: '>=', value: 2 }), [1]);
    assert.deepEqual(await usersMeeting(ws, { not: { behaviour: { event: 'buy' } } }), [2, 4]);
  });

  test('conditions: a category matches its subtree; brands come from items; a bare end date includes that day', async () => {
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'pv', category: 1 }, window: { last: '30d' } }), [1]);
    assert.deepEqual(await usersMeeting(ws, { behaviour: { brand: 'Anta', event: ['cart', 'buy'] } }), [1, 2]);
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'buy' }, window: { from: '2017-08-01', to: '2017-11-01' } }), [1, 3]);
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'buy' }, window: { from: '2017-08-02', to: '2017-10-31' } }), []);
    assert.deepEqual(await usersMeeting(ws, { behaviour: { event: 'buy' }, window: { last: '90d' }, measure: 'amount', op: '>', value: 1000 }), [1]);
  });

  test('conditions over tags: comparisons, in, contains, exists, and/or', async () => {
    assert.deepEqual(await usersMeeting(ws, { tag: 'purchase_amount', op: '>=', value: 1200 }), [1, 3]);
    assert.deepEqual(await usersMeeting(ws, { tag: 'city', in: ['Hangzhou', 'Shanghai'] }), [4]);
    assert.deepEqual(await usersMeeting(ws, { tag: 'favourite_categories', contains: '14' }), [2]);
    assert.deepEqual(await usersMeeting(ws, { tag: 'last_purchase', exists: false }), [2, 4]);
    assert.deepEqual(await usersMeeting(ws, { tag: 'last_purchase', op: '<', value: '2017-09-01' }), [3]);
    assert.deepEqual(
      await usersMeeting(ws, { or: [{ tag: 'high_value', op: '=', value: true }, { and: [{ tag: 'cart_7d', op: '>=', value: 2 }, { tag: 'buy_7d', op: '=', value: 0 }] }] }),
      [1, 2],
    );
  });

  test('an operator defines a rule tag over other tags; its values follow at once, with a history of versions', async () => {
    const file = join(dir, 'spender.json');
    const definition = {
      key: 'spender_band',
      family: 'consumption',
      kind: 'rule',
      type: 'text',
      description: { en: 'Spend band', zh: '消费档' },
      definition: {
        rule: {
          cases: [
            { when: { tag: 'purchase_amount_90d', op: '>', value: 1000 }, value: 'big' },
            { when: { tag: 'purchase_count', op: '>=', value: 1 }, value: 'small' },
          ],
          else: 'none',
        },
      },
    };
    writeFileSync(file, JSON.stringify(definition));
    await ws.close();
    const first = await runCli(['-w', dir, 'tags', 'define', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /defined tag spender_band/);
    assert.match(first.stdout, /for 4 users/);
    const again = await runCli(['-w', dir, 'tags', 'define', file, '--json']);
    assert.equal(JSON.parse(again.stdout).replaced, true);
    assert.deepEqual(readdirSync(join(dir, 'definitions', 'tags', 'history')), ['spender_band.v1.json']);
    ws = await Workspace.open(dir);
    assert.deepEqual([...(await valuesOf(ws, 'spender_band'))], [[1, 'big'], [2, 'none'], [3, 'small'], [4, 'none']]);
    await ws.close();
    const show = await runCli(['-w', dir, 'tags', 'show', 'spender_band', '--json']);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.tag.origin, 'workspace');
    assert.deepEqual(shown.distribution.values.map((v: { value: string; users: number }) => [v.value, v.users]), [['none', 2], ['big', 1], ['small', 1]]);
    const list = await runCli(['-w', dir, 'tags', 'list', '--family', 'consumption', '--json']);
    assert.ok(JSON.parse(list.stdout).some((t: { key: string }) => t.key === 'spender_band'));
    ws = await Workspace.open(dir);
  });

  test('bad definitions are refused with the path of the field, and nothing is written', async () => {
    await ws.close();
    const cases: [unknown, RegExp][] = [
      [{ key: 'x1', family: 'consumption', kind: 'rule', type: 'boolean', description: { en: 'a', zh: 'b' }, definition: { rule: { when: { and: [{ tag: 'purchase_amount', op: '>', value: 'lots' }] } } } }, /definition\.rule\.when\.and\[0\]\.value: tag "purchase_amount" holds numbers/],
      [{ key: 'x2', family: 'consumption', kind: 'rule', type: 'boolean', description: { en: 'a', zh: 'b' }, definition: { rule: { when: { tag: 'no_such_tag', exists: true } } } }, /definition\.rule\.when\.tag: unknown tag "no_such_tag"/],
      [{ key: 'x3', family: 'consumption', kind: 'fact', type: 'text', description: { en: 'a', zh: 'b' }, definition: { aggregate: { fn: 'count' } } }, /type: this definition produces integer values, not text/],
      [{ key: 'x4', family: 'wealth', kind: 'fact', type: 'integer', description: { en: 'a', zh: 'b' }, definition: { aggregate: { fn: 'count' } } }, /family: Invalid option/],
      [{ key: 'x5', family: 'consumption', kind: 'fact', type: 'integer', description: { en: 'a', zh: 'b' }, definition: { aggregate: { fn: 'count', window: { last: '7 days' } } } }, /definition\.aggregate\.window\.last: expected a duration/],
      [{ key: 'x6', family: 'consumption', kind: 'rule', type: 'boolean', description: { en: 'a', zh: 'b' }, definition: { rule: { when: { behaviour: { event: 'buy' }, window: { last: '7d' }, vaule: 3 } } } }, /definition\.rule\.when: Unrecognized key: "vaule"/],
      [{ key: 'pv_7d', family: 'consumption', kind: 'fact', type: 'integer', description: { en: 'a', zh: 'b' }, definition: { aggregate: { fn: 'count' } } }, /"pv_7d" is a built-in tag/],
      [{ key: 'loop', family: 'consumption', kind: 'rule', type: 'boolean', description: { en: 'a', zh: 'b' }, definition: { rule: { when: { tag: 'loop', op: '=', value: true } } } }, /depends on itself/],
    ];
    for (const [definition, message] of cases) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify(definition));
      const r = await runCli(['-w', dir, 'tags', 'define', file]);
      assert.equal(r.code, 1, `refused: ${JSON.stringify(definition)}`);
      assert.match(r.stderr, message);
      assert.ok(r.stderr.includes('bad.json'), 'the error names the file');
    }
    writeFileSync(join(dir, 'broken.json'), '{"key": ');
    const broken = await runCli(['-w', dir, 'tags', 'define', join(dir, 'broken.json')]);
    assert.match(broken.stderr, /broken\.json: not valid JSON/);
    assert.deepEqual(readdirSync(join(dir, 'definitions', 'tags')).sort(), ['history', 'spender_band.json']);
    ws = await Workspace.open(dir);
  });

  test('a rule that reads another operator tag is recomputed when that tag is redefined', async () => {
    await ws.close();
    const base = { family: 'consumption', description: { en: 'a', zh: 'b' } };
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ ...base, key: 'bought_any', kind: 'rule', type: 'boolean', definition: { rule: { when: { behaviour: { event: 'buy' } } } } }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ ...base, key: 'browser_only', kind: 'rule', type: 'boolean', definition: { rule: { when: { and: [{ tag: 'bought_any', op: '=', value: false }, { behaviour: { event: 'pv' } }] } } } }));
    assert.equal((await runCli(['-w', dir, 'tags', 'define', join(dir, 'a.json')])).code, 0);
    assert.equal((await runCli(['-w', dir, 'tags', 'define', join(dir, 'b.json')])).code, 0);
    ws = await Workspace.open(dir);
    assert.deepEqual([...(await valuesOf(ws, 'browser_only'))], [[1, 0], [2, 1], [3, 0], [4, 0]]);
    await ws.close();
    // Redefine bought_any as "bought in the last 7 days": user 1 still did, user 3 no longer.
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ ...base, key: 'bought_any', kind: 'rule', type: 'boolean', definition: { rule: { when: { behaviour: { event: 'pv' }, window: { last: '1d' } } } } }));
    const r = await runCli(['-w', dir, 'tags', 'define', join(dir, 'a.json')]);
    assert.match(r.stdout, /bought_any, browser_only/);
    ws = await Workspace.open(dir);
    // Now "bought_any" means "viewed in the last day": nobody; browser_only = viewed ever and not that.
    assert.deepEqual([...(await valuesOf(ws, 'browser_only'))], [[1, 1], [2, 1], [3, 0], [4, 0]]);
  });
});

describe('traits: consumption level, device tier, channel', () => {
  test('mid-rank price percentiles within a category, device tiers, and channels', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      // Category 1 has five purchases at unit prices 10, 40 (80 for two), 20, 20, 80 (160 for two).
      const buys: [number, number, number][] = [[1, 10, 1], [2, 80, 2], [3, 20, 1], [4, 20, 1], [1, 160, 2]];
      let id = 1;
      for (const [user, amount, quantity] of buys) {
        await ws.wh.run(
          "INSERT INTO events (event_id, user_id, ts, type, category_id, amount, quantity) VALUES ($1, $2, TIMESTAMP '2017-12-01 10:00:00', 'buy', 1, $3, $4)",
          [id++, user, amount, quantity],
        );
      }
      // User 5 arrives through an invite, user 6 through a friend's share, user 7 from a channel property.
      await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type) VALUES (90, 5, TIMESTAMP '2017-12-02 10:00:00', 'invite_click')");
      await ws.wh.run("INSERT INTO events (event_id, user_id, ts, type, referrer_user_id) VALUES (91, 6, TIMESTAMP '2017-12-02 10:00:00', 'pv', 1)");
      await ws.wh.run(`INSERT INTO events (event_id, user_id, ts, type, properties) VALUES (92, 7, TIMESTAMP '2017-12-02 10:00:00', 'pv', '{"channel": "mini_program"}')`);
      await ws.wh.run("INSERT INTO devices (device_id, os, price) VALUES ('d1', 'iOS', 5999), ('d2', 'Android', 999), ('d3', 'Android', 1999)");
      await ws.wh.run("INSERT INTO identity_links (device_id, user_id, last_seen) VALUES ('d1', 1, TIMESTAMP '2017-01-01'), ('d2', 1, TIMESTAMP '2017-06-01'), ('d3', 2, NULL)");
      await buildTraits(ws, { asOf: new Date('2017-12-03T00:00:00Z') });
      const rows = await ws.wh.query<{ user_id: number; price_percentile: number | null; price_level: string | null; device_price: number | null; device_tier: string | null; device_os: string | null; channel: string }>(
        'SELECT * FROM user_traits ORDER BY user_id',
      );
      const by = new Map(rows.map((r) => [Number(r.user_id), r]));
      // Mid-rank: 10 -> (0 + 0.5) / 5 = 0.1; 20 (x2) -> (1 + 1) / 5 = 0.4; 40 -> (3 + 0.5) / 5 = 0.7; 80 -> 0.9.
      assert.equal(by.get(1)!.price_percentile, 0.5); // (0.1 + 0.9) / 2
      assert.equal(by.get(1)!.price_level, 'middle');
      assert.equal(by.get(2)!.price_percentile, 0.7);
      assert.equal(by.get(2)!.price_level, 'high'); // at least 2/3
      assert.equal(by.get(3)!.price_level, 'middle'); // 0.4
      assert.equal(by.get(1)!.device_price, 5999);
      assert.equal(by.get(1)!.device_tier, 'high');
      assert.equal(by.get(1)!.device_os, 'Android', 'the most recently used device');
      assert.equal(by.get(2)!.device_tier, 'middle');
      assert.deepEqual([5, 6, 7, 1].map((u) => by.get(u)!.channel), ['invite', 'share', 'mini_program', 'organic']);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

describe('the whole build on the real Taobao sample', () => {
  let ws: Workspace;
  let cleanup: () => void;
  let dir: string;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await importTaobao(ws, [SAMPLE]);
    await runBuild(ws);
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('every known user has counts that match the events, and a profile card', async () => {
    const known = await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM known_users');
    const distinct = await ws.wh.query<{ n: number }>('SELECT count(DISTINCT user_id) AS n FROM events');
    assert.equal(Number(known[0]!.n), Number(distinct[0]!.n));
    const mismatches = await ws.wh.query<{ n: number }>(
      `WITH direct AS (
         SELECT user_id, count(*) FILTER (WHERE type = 'pv' AND ts > (SELECT max(ts) FROM events) - INTERVAL 7 DAY) AS pv7,
           count(*) FILTER (WHERE type = 'buy') AS buys FROM events GROUP BY user_id)
       SELECT count(*) AS n FROM direct d
       JOIN tag_values p ON p.user_id = d.user_id AND p.tag = 'pv_7d'
       JOIN tag_values b ON b.user_id = d.user_id AND b.tag = 'purchase_count'
       WHERE p.num <> d.pv7 OR b.num <> d.buys`,
    );
    assert.equal(Number(mismatches[0]!.n), 0);
    const user = await ws.wh.query<{ user_id: number }>("SELECT user_id FROM events WHERE type = 'buy' ORDER BY user_id LIMIT 1");
    await ws.close();
    const card = await runCli(['-w', dir, 'profile', String(user[0]!.user_id), '--json']);
    assert.equal(card.code, 0, card.stderr);
    const parsed = JSON.parse(card.stdout);
    assert.equal(parsed.userId, Number(user[0]!.user_id));
    assert.ok(parsed.tags.consumption.purchase_count >= 1);
    assert.ok(parsed.individual.interests.category.length > 0);
    const readable = await runCli(['-w', dir, 'profile', String(user[0]!.user_id)]);
    assert.match(readable.stdout, /INDIVIDUAL[\s\S]*BEHAVIOUR[\s\S]*CONSUMPTION[\s\S]*SOCIAL/);
    const missing = await runCli(['-w', dir, 'profile', '999999999']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user 999999999 in the portrait/);
    ws = await Workspace.open(dir);
  });
});

describe('traits against the synthetic world\'s truth', () => {
  test('consumption level and device price rise with the hidden income level', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      const { resolveSynthOptions, synthesize } = await import('../src/synth/index.js');
      await synthesize(ws, resolveSynthOptions({ users: 3000, days: 60, seed: 13 }));
      await buildTraits(ws);
      const rows = await ws.wh.query<{ income: string; pct: number; device: number }>(
        `SELECT u.income, avg(t.price_percentile) AS pct, avg(t.device_price) AS device
         FROM user_traits t JOIN truth.users u USING (user_id) WHERE u.kind = 'normal' GROUP BY u.income`,
      );
      const by = new Map(rows.map((r) => [r.income, r]));
      assert.ok(by.get('low')!.pct < by.get('middle')!.pct && by.get('middle')!.pct < by.get('high')!.pct, JSON.stringify(rows));
      assert.ok(by.get('low')!.device < by.get('middle')!.device && by.get('middle')!.device < by.get('high')!.device, JSON.stringify(rows));
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});

test('the declared age band in SQL matches the one predictions train on', async () => {
  const { ageBand, ageBandSql } = await import('../src/tags/predict/attributes.js');
  const t = tempDir();
  const ws = await Workspace.init(join(t.dir, 'ws'));
  try {
    const rows = await ws.wh.query<{ age: number; band: string }>(`SELECT age, ${ageBandSql('age')} AS band FROM range(0, 131) r(age)`);
    for (const r of rows) assert.equal(r.band, ageBand(Number(r.age)), `age ${r.age}`);
  } finally {
    await ws.close();
    t.cleanup();
  }
});
