/**
 * The synthetic world: deterministic, shaped like the Taobao sample, and true to its own ground truth.
 * Small worlds (a few thousand users) keep this quick.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workspace } from '../src/workspace/workspace.js';
import { DuckDBWarehouse } from '../src/warehouse/duckdb.js';
import { resolveSynthOptions, synthesize, writeSynthFiles, type SynthOptions, type SynthReport } from '../src/synth/index.js';
import { TRUTH_TABLES } from '../src/synth/truth.js';
import { PortraitError } from '../src/errors.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'portrait-synth-'));
  dirs.push(d);
  return d;
}

async function world(options: Partial<SynthOptions>): Promise<{ ws: Workspace; report: SynthReport }> {
  const ws = await Workspace.init(join(tempDir(), 'ws'));
  const report = await synthesize(ws, resolveSynthOptions(options));
  return { ws, report };
}

async function one<T>(ws: Workspace, sql: string): Promise<T> {
  const rows = await ws.wh.query<Record<string, unknown>>(sql);
  return Object.values(rows[0] ?? {})[0] as T;
}

/** An order-independent fingerprint of a table: row count and a sum of row hashes per column. */
async function fingerprint(ws: Workspace, table: string): Promise<string> {
  const rows = await ws.wh.query(`SELECT count(*) AS n, sum(hash(COLUMNS(*)) >> 8) FROM ${table}`);
  return JSON.stringify(rows[0], (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const FINGERPRINTED = [
  'events', 'users', 'items', 'categories', 'orders', 'reviews', 'content', 'creators', 'live_streams', 'social_edges',
  'devices', 'identity_links', 'consents', 'truth.users', 'truth.cycles', 'truth.gifts', 'truth.invites', 'truth.lifecycle',
];

let main: { ws: Workspace; report: SynthReport };

before(async () => {
  main = await world({ users: 2500, seed: 7 });
});

after(async () => {
  await main.ws.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the same seed gives the same world, another seed another one', async () => {
  const a = await world({ users: 600, days: 20, seed: 3 });
  const b = await world({ users: 600, days: 20, seed: 3 });
  const c = await world({ users: 600, days: 20, seed: 4 });
  try {
    for (const t of FINGERPRINTED) assert.equal(await fingerprint(a.ws, t), await fingerprint(b.ws, t), t);
    assert.deepEqual(a.report.eventsByType, b.report.eventsByType);
    assert.notEqual(await fingerprint(a.ws, 'events'), await fingerprint(c.ws, 'events'));
    assert.notEqual(await fingerprint(a.ws, 'truth.users'), await fingerprint(c.ws, 'truth.users'));
  } finally {
    await a.ws.close();
    await b.ws.close();
    await c.ws.close();
  }
});

test('the taobao preset: 9 days from 2017-11-25, the public mix within a point, about 100 events per user', async () => {
  const options = resolveSynthOptions({ users: 1500, seed: 5, preset: 'taobao', days: 40 });
  assert.equal(options.days, 9);
  assert.equal(options.start, '2017-11-25');
  const { ws, report } = await world(options);
  try {
    const core = ['pv', 'fav', 'cart', 'buy'].reduce((s, t) => s + (report.eventsByType[t] ?? 0), 0);
    const share = (t: string) => (100 * (report.eventsByType[t] ?? 0)) / core;
    for (const [t, target] of [['pv', 89.6], ['cart', 5.5], ['fav', 2.9], ['buy', 2.0]] as const) {
      assert.ok(Math.abs(share(t) - target) <= 1, `${t}: ${share(t).toFixed(2)}% vs ${target}%`);
    }
    const perUser = core / report.users;
    assert.ok(perUser > 90 && perUser < 110, `pv/fav/cart/buy per user: ${perUser}`);
    const days = await ws.wh.query<{ d: string }>(`SELECT DISTINCT strftime(ts, '%Y-%m-%d') AS d FROM events ORDER BY 1`);
    assert.deepEqual(
      days.map((r) => r.d),
      ['2017-11-25', '2017-11-26', '2017-11-27', '2017-11-28', '2017-11-29', '2017-11-30', '2017-12-01', '2017-12-02', '2017-12-03'],
    );
  } finally {
    await ws.close();
  }
});

test('default options: 20,000 users over 60 days ending 2017-12-03', () => {
  const o = resolveSynthOptions({});
  assert.deepEqual(o, { users: 20000, days: 60, seed: 42, preset: 'default', start: '2017-10-05' });
  assert.throws(() => resolveSynthOptions({ users: 3 }), PortraitError);
  assert.throws(() => resolveSynthOptions({ start: '2017-02-30' }), PortraitError);
});

test('declared gender is missing for about 40%, and declared values equal the latent ones', async () => {
  const { ws } = main;
  const missing = await one<number>(ws, `SELECT avg(CASE WHEN gender IS NULL THEN 1.0 ELSE 0 END) FROM users`);
  assert.ok(Math.abs(missing - 0.4) < 0.04, `gender missing ${missing}`);
  for (const col of ['occupation', 'income', 'education', 'marital_status', 'city', 'birth_date', 'children']) {
    const m = await one<number>(ws, `SELECT avg(CASE WHEN ${col} IS NULL THEN 1.0 ELSE 0 END) FROM users`);
    assert.ok(m >= 0.28 && m <= 0.75, `${col} missing ${m}`);
  }
  const wrong = await one<number>(
    ws,
    `SELECT count(*) FROM users u JOIN truth.users t USING (user_id)
     WHERE CAST(u.gender AS VARCHAR) <> t.gender OR u.city <> t.city OR u.income <> t.income OR u.occupation <> t.occupation
        OR u.education <> t.education OR u.marital_status <> t.marital_status OR u.children <> t.children
        OR date_part('year', age(DATE '2017-12-03', u.birth_date)) <> t.age`,
  );
  assert.equal(wrong, 0);
});

test('behaviour shows gender and age: women browse womenswear and make-up, men menswear and digital', async () => {
  const rows = await main.ws.wh.query<{ gender: string; top: string; share: number }>(
    `SELECT t.gender, top.name AS top, count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY t.gender) AS share
     FROM events e JOIN truth.users t USING (user_id)
     JOIN categories leaf ON leaf.category_id = e.category_id JOIN categories mid ON mid.category_id = leaf.parent_id
     JOIN categories top ON top.category_id = mid.parent_id
     WHERE e.type = 'pv' GROUP BY 1, 2`,
  );
  const share = (g: string, top: string) => rows.find((r) => r.gender === g && r.top === top)?.share ?? 0;
  assert.ok(share('female', 'Womenswear') > 4 * share('male', 'Womenswear'));
  assert.ok(share('female', 'Make-up and skincare') > 3 * share('male', 'Make-up and skincare'));
  assert.ok(share('male', 'Menswear') > 3 * share('female', 'Menswear'));
  assert.ok(share('male', 'Digital') > 1.5 * share('female', 'Digital'));
  // Styles: every brand serves women or men (and the young or the mature), so within each top-level
  // category, brands split into ones women view more and ones men view more.
  const brands = await main.ws.wh.query<{ lean: number; n: number }>(
    `WITH v AS (
       SELECT i.brand, mid.parent_id AS top, avg(CASE WHEN t.gender = 'female' THEN 1.0 ELSE 0 END) AS f, count(*) AS n
       FROM events e JOIN truth.users t USING (user_id) JOIN items i USING (item_id)
       JOIN categories leaf ON leaf.category_id = i.category_id JOIN categories mid ON mid.category_id = leaf.parent_id
       WHERE e.type = 'pv' GROUP BY ALL HAVING count(*) >= 300
     ), w AS (SELECT f - avg(f) OVER (PARTITION BY top) AS d FROM v)
     SELECT CASE WHEN d > 0.1 THEN 1 WHEN d < -0.1 THEN -1 ELSE 0 END AS lean, count(*) AS n FROM w GROUP BY 1`,
  );
  const count = (lean: number) => brands.filter((b) => b.lean === lean).reduce((t, b) => t + Number(b.n), 0);
  const total = count(-1) + count(0) + count(1);
  assert.ok(total >= 100, `brands with 300 views: ${total}`);
  assert.ok(count(1) > 0.3 * total && count(-1) > 0.3 * total, `brands leaning to women / men: ${count(1)} / ${count(-1)} of ${total}`);
});

test('every buy has its order line, and only buys do', async () => {
  const { ws, report } = main;
  const unmatched = await one<number>(
    ws,
    `SELECT count(*) FROM events e WHERE e.type = 'buy' AND NOT EXISTS (
       SELECT 1 FROM orders o WHERE o.user_id = e.user_id AND o.item_id = e.item_id AND o.ts = e.ts
         AND o.amount = e.amount AND o.quantity = e.quantity)`,
  );
  assert.equal(unmatched, 0);
  assert.equal(report.tables.orders, report.eventsByType.buy);
  const priced = await one<number>(
    ws,
    `SELECT count(*) FROM events e JOIN items i USING (item_id)
     WHERE e.type = 'buy' AND e.properties IS NULL AND e.amount <> i.price * e.quantity`,
  );
  assert.equal(priced, 0, 'a buy without a coupon pays the list price');
  // The funnel: a buy follows a view of its item.
  const unseen = await one<number>(
    ws,
    `SELECT count(*) FROM events b WHERE b.type = 'buy' AND NOT EXISTS (
       SELECT 1 FROM events v WHERE v.type = 'pv' AND v.user_id = b.user_id AND v.item_id = b.item_id AND v.ts <= b.ts)`,
  );
  assert.ok(unseen / report.eventsByType.buy! < 0.02, `buys without a view first: ${unseen}`);
});

test('consumable cycles in the truth show in the buys', async () => {
  const { ws } = main;
  const rows = await ws.wh.query<{ n: number; ok: number; lo: number; hi: number }>(
    `WITH c AS (SELECT * FROM truth.cycles WHERE purchases >= 3),
     g AS (SELECT e.user_id, e.category_id,
             (epoch(e.ts) - epoch(lag(e.ts) OVER (PARTITION BY e.user_id, e.category_id ORDER BY e.ts))) / 86400 AS gap
           FROM events e JOIN c USING (user_id, category_id) WHERE e.type = 'buy'),
     m AS (SELECT user_id, category_id, median(gap) AS gap FROM g GROUP BY ALL)
     SELECT count(*) AS n, avg(CASE WHEN abs(m.gap - c.cycle_days) <= 1.5 THEN 1.0 ELSE 0 END) AS ok,
            min(c.cycle_days) AS lo, max(c.cycle_days) AS hi
     FROM m JOIN c USING (user_id, category_id)`,
  );
  const r = rows[0]!;
  assert.ok(r.n >= 100, `cycles with three purchases: ${r.n}`);
  assert.ok(r.ok >= 0.9, `cycles recovered from buys: ${r.ok}`);
  assert.ok(r.lo >= 7 && r.hi <= 30);
});

test('gifts fall outside the buyer\'s interests and stay small beside them', async () => {
  const { ws } = main;
  const gifts = await one<number>(ws, 'SELECT count(*) FROM truth.gifts');
  assert.ok(gifts > 50);
  const insideInterests = await one<number>(
    ws,
    `SELECT count(*) FROM truth.gifts g
     WHERE EXISTS (SELECT 1 FROM truth.interests i WHERE i.user_id = g.user_id AND i.top_category_id = g.top_category_id)`,
  );
  assert.equal(insideInterests, 0);
  const big = await one<number>(
    ws,
    `WITH v AS (SELECT e.user_id, mid.parent_id AS top, count(*) AS n FROM events e
                JOIN categories leaf ON leaf.category_id = e.category_id JOIN categories mid ON mid.category_id = leaf.parent_id
                WHERE e.type = 'pv' GROUP BY ALL)
     SELECT count(*) FROM truth.gifts g
     WHERE (SELECT n FROM v WHERE v.user_id = g.user_id AND v.top = g.top_category_id) * 3
           > (SELECT max(n) FROM v WHERE v.user_id = g.user_id)`,
  );
  assert.ok(big / gifts < 0.05, `gifts as big as a third of the top interest: ${big} of ${gifts}`);
});

test('coupon farms share a few devices and do little but claim and use coupons; scalpers buy within seconds', async () => {
  const { ws } = main;
  const farms = await ws.wh.query<{ group_id: string; accounts: number; devices: number }>(
    `SELECT a.group_id, count(DISTINCT a.user_id) AS accounts, count(DISTINCT l.device_id) AS devices
     FROM truth.abuse a JOIN identity_links l USING (user_id) WHERE a.kind = 'coupon_farm' GROUP BY 1`,
  );
  assert.ok(farms.length > 0);
  for (const f of farms) assert.ok(f.devices <= 3 && f.accounts >= 2 * f.devices - 1, JSON.stringify(f));
  const share = await one<number>(ws, 'SELECT count(*) * 1.0 / (SELECT count(*) FROM users) FROM truth.abuse');
  assert.ok(share > 0.005 && share < 0.025, `abuse share ${share}`);
  const types = await ws.wh.query<{ t: string }>(
    `SELECT DISTINCT CAST(type AS VARCHAR) AS t FROM events WHERE user_id IN (SELECT user_id FROM truth.abuse WHERE kind = 'coupon_farm')`,
  );
  for (const r of types) assert.ok(['buy', 'comment', 'coupon_claim', 'coupon_use', 'login', 'pv'].includes(r.t), `a farm account did ${r.t}`);
  const delay = await one<number>(
    ws,
    `SELECT max(epoch(e.ts) - epoch(i.released_at)) FROM events e JOIN items i USING (item_id)
     WHERE e.type = 'buy' AND i.limited AND e.user_id IN (SELECT user_id FROM truth.abuse WHERE kind = 'scalper')`,
  );
  assert.ok(delay <= 30, `scalper buys at most ${delay} s after release`);
});

test('personal ids are 32-hex MD5-looking strings, never plain', async () => {
  const { ws } = main;
  const hex = (col: string) => `NOT regexp_full_match(${col}, '[0-9a-f]{32}')`;
  for (const [table, col] of [
    ['users', 'phone'], ['devices', 'device_id'], ['identity_links', 'device_id'], ['events', 'device_id'],
    ['orders', 'device_id'], ['orders', 'address'], ['truth.abuse', 'device_id'],
  ] as const) {
    assert.equal(await one<number>(ws, `SELECT count(*) FROM ${table} WHERE ${col} IS NOT NULL AND ${hex(col)}`), 0, `${table}.${col}`);
  }
});

test('the rest of the world is there: unique event ids, content, live, social graph, consents, lifecycle', async () => {
  const { ws, report } = main;
  assert.equal(await one<number>(ws, 'SELECT count(*) - count(DISTINCT event_id) FROM events'), 0);
  for (const t of ['search', 'login', 'comment', 'like', 'share', 'follow', 'coupon_claim', 'coupon_use', 'content_view', 'live_watch',
    'live_like', 'live_follow', 'live_reward', 'invite_click']) {
    assert.ok((report.eventsByType[t] ?? 0) > 0, `no ${t} events`);
  }
  const women = await one<number>(
    ws,
    `SELECT avg(CASE WHEN t.gender = 'female' THEN 1.0 ELSE 0 END) FROM (SELECT DISTINCT user_id FROM events WHERE type = 'live_watch') w
     JOIN truth.users t USING (user_id)`,
  );
  assert.ok(women > 0.7 && women < 0.9, `live viewers who are women: ${women}`);
  const kinds = await ws.wh.query<{ k: string }>('SELECT DISTINCT CAST(kind AS VARCHAR) AS k FROM social_edges ORDER BY 1');
  assert.deepEqual(kinds.map((r) => r.k), ['follow', 'friend', 'invite', 'share']);
  const referred = await one<number>(ws, `SELECT count(*) FROM events WHERE type = 'buy' AND referrer_user_id IN (SELECT user_id FROM truth.kols WHERE tier = 'kol')`);
  assert.ok(referred > 0, 'KOL shares convert');
  const homophily = await one<number>(
    ws,
    `SELECT avg(CASE WHEN a.taste_group = b.taste_group AND a.city = b.city THEN 1.0 ELSE 0 END) FROM social_edges s
     JOIN truth.users a ON a.user_id = s.src_user_id JOIN truth.users b ON b.user_id = s.dst_user_id WHERE s.kind = 'friend'`,
  );
  const chance = await one<number>(
    ws,
    `SELECT sum(p * p) FROM (SELECT count(*) * 1.0 / sum(count(*)) OVER () AS p FROM truth.users GROUP BY taste_group, city)`,
  );
  assert.ok(homophily > 10 * chance, `friends sharing taste group and city: ${homophily} (by chance ${chance})`);
  const optedOut = await one<number>(ws, `SELECT count(*) * 1.0 / (SELECT count(*) FROM users) FROM consents WHERE purpose = 'targeting' AND NOT allowed`);
  assert.ok(optedOut > 0.01 && optedOut < 0.08);
  const stages = await ws.wh.query<{ s: string }>('SELECT DISTINCT stage_at_end AS s FROM truth.lifecycle ORDER BY 1');
  assert.deepEqual(stages.map((r) => r.s), ['active', 'churned', 'dormant', 'new', 'won_back']);
  const early = await one<number>(ws, 'SELECT count(*) FROM events e JOIN users u USING (user_id) WHERE e.ts < u.registered_at');
  assert.equal(early, 0, 'no event before its account was registered');
  const batches = await ws.wh.query<{ entity: string; format: string }>('SELECT entity, format FROM imports');
  assert.deepEqual(batches, [{ entity: 'world', format: 'synth' }]);
  assert.equal(await one<number>(ws, 'SELECT count(DISTINCT batch_id) FROM events'), 1);
  for (const t of TRUTH_TABLES) assert.ok((report.tables[`truth.${t.name}`] ?? 0) > 0, `truth.${t.name} is empty`);
});

test('a workspace that already holds data is refused and left as it was', async () => {
  await assert.rejects(() => synthesize(main.ws, resolveSynthOptions({ users: 100 })), PortraitError);
  assert.equal(await one<number>(main.ws, 'SELECT count(*) FROM users'), 2500);
});

test('writeSynthFiles writes importable files that read back with the same counts', async () => {
  const out = join(tempDir(), 'files');
  const { files, report } = await writeSynthFiles(out, { users: 400, days: 9, seed: 11, preset: 'taobao' });
  for (const f of files) assert.ok(existsSync(f), f);
  assert.ok(!files.some((f) => f.includes('.synth-scratch')));
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const count = async (sql: string) => Number((await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`))[0]?.n);
    assert.equal(await count(`read_parquet('${join(out, 'events.parquet')}')`), report.events);
    for (const t of ['users', 'items', 'categories', 'orders', 'social_edges', 'identity_links', 'devices', 'content']) {
      assert.equal(await count(`read_csv('${join(out, `${t}.csv`)}', header = true)`), report.tables[t], t);
    }
    const core = ['pv', 'fav', 'cart', 'buy'].reduce((s, t) => s + (report.eventsByType[t] ?? 0), 0);
    const taobao = join(out, 'userbehavior.csv');
    assert.equal(await count(`read_csv('${taobao}', header = false)`), core);
    const span = await wh.query<{ lo: number; hi: number; cols: number }>(
      `SELECT min(column4) AS lo, max(column4) AS hi FROM read_csv('${taobao}', header = false)`,
    );
    // Unix seconds UTC: the first local (UTC+8) day 2017-11-25 starts at 2017-11-24 16:00 UTC.
    assert.ok(span[0]!.lo >= 1511539200 && span[0]!.hi < 1511539200 + 9 * 86400, JSON.stringify(span));
    for (const t of TRUTH_TABLES) {
      assert.equal(await count(`read_parquet('${join(out, 'truth', `${t.name}.parquet`)}')`), report.tables[`truth.${t.name}`], t.name);
    }
  } finally {
    await wh.close();
  }
});
