import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPurchaseCycles } from '../src/analytics/cycles/index.js';
import { inQuietHours, parseCampaign, parseTemplate, runCampaign, type MessagesResult } from '../src/operations/messages/index.js';
import { listAudit } from '../src/privacy/audit.js';
import { SegmentRegistry } from '../src/segments/registry.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { buildTags } from '../src/tags/values/build.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const AS_OF = new Date('2017-07-31T23:59:59Z');

/**
 * The story (as of 2017-07-31 23:59:59; messages go out on 2017-08-01 at 10:00):
 * 1: a woman with 3 friends (2, 3, 4) who buys tissues every 10 days (Jul 5, 15, 25: due Aug 4) and looks
 *    at lipstick most (favourite category 30); no recommendations.
 * 2: a man, friend of 1; his top recommendation is item 100 (Arctic snow boots).
 * 3: friend of 1; refused targeting.
 * 4: friend of 1; no behaviour, so no item of his own.
 * 5: a woman who looks at lipstick; one message from another campaign on Jul 30.
 * 6: a man with a profile and nothing else.
 * 7: a woman already sent two messages this week by another campaign.
 */
async function seed(ws: Workspace): Promise<void> {
  const wh = ws.wh;
  await wh.run("INSERT INTO categories (category_id, name, level) VALUES (10, 'Tissues', 1), (20, 'Snow boots', 1), (30, 'Lipstick', 1)");
  await wh.run("INSERT INTO items (item_id, category_id, title) VALUES (100, 20, 'Arctic snow boots'), (200, 30, 'Velvet lipstick'), (300, 10, NULL)");
  await wh.run(
    `INSERT INTO users (user_id, gender) VALUES (1, 'female'), (2, 'male'), (3, 'female'), (4, 'male'), (5, 'female'), (6, 'male'), (7, 'female')`,
  );
  let id = 1;
  const event = async (user: number, type: string, day: number, category: number, amount: number | null = null) =>
    wh.run('INSERT INTO events (event_id, user_id, ts, type, category_id, amount) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4, $5, $6)', [
      id++, user, `2017-07-${String(day).padStart(2, '0')} 12:00:00`, type, category, amount,
    ]);
  for (const d of [5, 15, 25]) await event(1, 'buy', d, 10, 12);
  for (const d of [2, 3, 4, 6, 7]) await event(1, 'pv', d, 30);
  await event(2, 'pv', 20, 20);
  await event(5, 'pv', 21, 30);
  await event(7, 'pv', 22, 20);
  await wh.run(
    `INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts) VALUES
       (1, 2, 'friend', TIMESTAMP '2017-06-01 00:00:00'), (1, 3, 'friend', TIMESTAMP '2017-06-01 00:00:00'),
       (4, 1, 'friend', TIMESTAMP '2017-06-01 00:00:00'), (2, 1, 'friend', TIMESTAMP '2017-06-02 00:00:00'),
       (5, 6, 'follow', TIMESTAMP '2017-06-01 00:00:00')`,
  );
  await wh.run("INSERT INTO consents (user_id, purpose, allowed) VALUES (3, 'targeting', false), (5, 'targeting', true), (6, 'personalisation', false)");
  await wh.run('CREATE TABLE user_recommendations (user_id BIGINT, rank INTEGER, item_id BIGINT, score DOUBLE, source VARCHAR, reason_en VARCHAR, reason_zh VARCHAR)');
  await wh.run("INSERT INTO user_recommendations VALUES (2, 1, 100, 0.9, 'itemcf', 'r', 'r'), (2, 2, 200, 0.5, 'itemcf', 'r', 'r')");
  // Another campaign's earlier messages: the cap counts every campaign.
  await wh.run('CREATE TABLE message_log (campaign VARCHAR, user_id BIGINT, channel VARCHAR, send_at TIMESTAMP, template INTEGER, item_id BIGINT, text VARCHAR)');
  await wh.run(
    `INSERT INTO message_log VALUES
       ('other', 7, 'push', TIMESTAMP '2017-07-28 10:00:00', 0, NULL, 'x'), ('other', 7, 'push', TIMESTAMP '2017-07-30 10:00:00', 0, NULL, 'x'),
       ('other', 5, 'push', TIMESTAMP '2017-07-30 10:00:00', 0, NULL, 'x'),
       ('other', 2, 'push', TIMESTAMP '2017-07-20 10:00:00', 0, NULL, 'x'), ('other', 2, 'push', TIMESTAMP '2017-07-25 10:00:00', 0, NULL, 'x')`,
  );
}

const CAMPAIGN = {
  id: 'autumn',
  sendAt: '2017-08-01 10:00',
  nickname: '亲',
  coupon: '10 yuan off',
  templates: [
    { name: 'due', when: { tag: 'next_due', exists: true }, channel: 'sms', text: 'Hi {nickname}, tissues run out in {days_until_due} days: {item}, {coupon}' },
    { name: 'social', when: { tag: 'friend_count', op: '>=', value: 1 }, text: '{nickname}, {friend_count} friends are looking at {item}' },
    { name: 'women', when: { tag: 'gender', op: '=', value: 'female' }, channel: 'in_app', text: 'Hi {nickname}, {item} picked for you {{new}}' },
  ],
  frequencyCap: { messages: 2, days: 7 },
  quietHours: { from: '22:00', to: '08:00' },
};

const csvRows = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const skips = (r: MessagesResult) => [r.rendered, r.skipped.opted_out, r.skipped.no_template, r.skipped.missing_variable, r.skipped.quiet_hours, r.skipped.capped];

describe('message campaigns on a hand-made story', () => {
  let ws: Workspace;
  let dir: string;
  let root: string;
  let cleanup: () => void;
  before(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    root = t.dir;
    dir = join(t.dir, 'ws');
    ws = await Workspace.init(dir);
    await seed(ws);
    await buildPurchaseCycles(ws, { asOf: AS_OF });
    await buildTags(ws, { asOf: AS_OF });
  });
  after(async () => {
    await ws.close().catch(() => undefined);
    cleanup();
  });

  test('the first matching template gives each user copy and channel from the portrait; skips are counted by reason; the export is audited', async () => {
    const out = join(root, 'autumn.csv');
    const r = await runCampaign(ws, { input: CAMPAIGN, where: 'autumn.json' }, out);
    assert.equal(r.sendAt.toISOString(), '2017-08-01T10:00:00.000Z');
    assert.equal(r.asOf.toISOString(), AS_OF.toISOString());
    assert.equal(r.targeted, 7);
    // rendered 1, 2, 5; opted out 3; no template 6; 4 lacks an item; 7 is capped (2 messages this week).
    assert.deepEqual(skips(r), [3, 1, 1, 1, 0, 1]);
    assert.deepEqual(r.missing, { item: 1, days_until_due: 0 });
    assert.deepEqual(r.byChannel, { push: 1, sms: 1, in_app: 1 });
    assert.deepEqual(r.templates.map((t) => [t.name, t.channel, t.matched, t.rendered]), [
      ['due', 'sms', 1, 1],
      ['social', 'push', 2, 1],
      ['women', 'in_app', 2, 1],
    ]);
    assert.deepEqual(csvRows(out), [
      'user_id,channel,send_at,template,item_id,item_source,text',
      // Due Aug 4, three days after the send day; no recommendation, so the favourite category.
      '1,sms,2017-08-01 10:00:00,due,,favourite category,"Hi 亲, tissues run out in 3 days: Lipstick, 10 yuan off"',
      // One friend (edges either way count once); the top recommendation.
      '2,push,2017-08-01 10:00:00,social,100,recommendation,"亲, 1 friends are looking at Arctic snow boots"',
      '5,in_app,2017-08-01 10:00:00,women,,favourite category,"Hi 亲, Lipstick picked for you {new}"',
    ]);
    assert.deepEqual(r.stored, { status: 'defined', version: 1 });
    const [audit] = (await listAudit(ws, { action: 'export' })).slice(-1);
    assert.deepEqual([audit!.subject, audit!.rows, audit!.file, audit!.details], [
      'message campaign autumn', 3, resolve(out), { kind: 'messages', format: 'csv', send_at: '2017-08-01T10:00:00.000Z', opted_out: 1 },
    ]);
    const log = await ws.wh.query<{ user_id: number; channel: string; text: string }>("SELECT user_id, channel, text FROM message_log WHERE campaign = 'autumn' ORDER BY user_id");
    assert.deepEqual(log.map((l) => [Number(l.user_id), l.channel]), [[1, 'sms'], [2, 'push'], [5, 'in_app']]);
    assert.equal(log[0]!.text, 'Hi 亲, tissues run out in 3 days: Lipstick, 10 yuan off');

    // A re-run at the same send time replaces its own log rows and does not count them against the cap.
    const again = await runCampaign(ws, { input: CAMPAIGN, where: 'autumn.json' }, out);
    assert.deepEqual(skips(again), [3, 1, 1, 1, 0, 1]);
    assert.deepEqual(again.stored, { status: 'unchanged', version: 1 });
    const n = await ws.wh.query<{ n: number }>("SELECT count(*) AS n FROM message_log WHERE campaign = 'autumn'");
    assert.equal(Number(n[0]!.n), 3);
  });

  test('the frequency cap counts every campaign in the days up to the send time; quiet hours skip push and SMS', async () => {
    const other = {
      id: 'catch-all',
      sendAt: '2017-08-01 12:00',
      channel: 'in_app',
      templates: [{ text: 'Hi {nickname}' }],
      frequencyCap: { messages: 2, days: 7 },
    };
    const out = join(root, 'catch-all.csv');
    const r = await runCampaign(ws, { input: other, where: 'catch-all.json' }, out);
    // 5 holds Jul 30 (other) + Aug 1 (autumn): capped; 7 capped; 1 and 2 hold one each this week (2's Jul 25
    // 10:00 message is exactly 7 days before autumn's send but 7 days and 2 hours before this one).
    assert.deepEqual(skips(r), [4, 1, 0, 0, 0, 2]);
    assert.deepEqual(csvRows(out).slice(1).map((l) => l.split(',')[0]), ['1', '2', '4', '6']);
    assert.equal(csvRows(out)[1], '1,in_app,2017-08-01 12:00:00,template 1,,,Hi there');

    // The autumn campaign again at 23:30, a separate send: 1 (sms) and 2 (push) are in quiet hours, 5 (in_app)
    // now holds two messages this week (other, autumn 10:00) and is capped, as is 7; 4 still lacks an item.
    const late = await runCampaign(ws, { id: 'autumn' }, join(root, 'late.csv'), { sendAt: new Date('2017-08-01T23:30:00Z') });
    assert.deepEqual(skips(late), [0, 1, 1, 1, 2, 2]);
    assert.deepEqual(late.templates.map((t) => t.quiet), [true, true, false]);
    assert.deepEqual(csvRows(join(root, 'late.csv')), ['user_id,channel,send_at,template,item_id,item_source,text']);
  });

  test('one product, different copy for different portraits; the campaign item names it', async () => {
    SegmentRegistry.load(ws).define(ws, { name: 'women', condition: { tag: 'gender', op: '=', value: 'female' } }, 'women.json');
    const boots = {
      id: 'boots',
      sendAt: '2017-08-02 09:00',
      item: { id: 100 },
      audience: { or: [{ segment: 'women' }, { tag: 'friend_count', op: '>=', value: 1 }] },
      templates: [
        { when: { tag: 'friend_count', op: '>=', value: 2 }, text: '{friend_count} of your friends may like {item}' },
        { when: 'women', text: '{item}: warm and light' },
        { text: 'Gift idea: {item}' },
      ],
    };
    const out = join(root, 'boots.csv');
    const r = await runCampaign(ws, { input: boots, where: 'boots.json' }, out);
    // Audience: women 1, 3, 5, 7 and friends 2, 4 (6 is neither). 3 opted out.
    assert.equal(r.targeted, 6);
    assert.deepEqual(csvRows(out).slice(1), [
      '1,push,2017-08-02 09:00:00,template 1,100,campaign,3 of your friends may like Arctic snow boots',
      '2,push,2017-08-02 09:00:00,template 3,100,campaign,Gift idea: Arctic snow boots',
      '4,push,2017-08-02 09:00:00,template 3,100,campaign,Gift idea: Arctic snow boots',
      '5,push,2017-08-02 09:00:00,template 2,100,campaign,Arctic snow boots: warm and light',
      '7,push,2017-08-02 09:00:00,template 2,100,campaign,Arctic snow boots: warm and light',
    ]);
    await assert.rejects(runCampaign(ws, { input: { ...boots, item: { id: 300 } }, where: 'boots.json' }, out), /boots\.json: item\.id: item 300 has no title/);
    await assert.rejects(runCampaign(ws, { input: { ...boots, item: { id: 999 } }, where: 'boots.json' }, out), /boots\.json: item\.id: item 999 is not in the items table/);
    const named = await runCampaign(ws, { input: { ...boots, item: { id: 300, name: 'Soft tissues' } }, where: 'boots.json' }, out);
    assert.equal(named.rendered, 5);
    assert.match(readFileSync(out, 'utf8'), /^7,push,.*,300,campaign,Soft tissues: warm and light$/m);
  });

  test('a bad campaign is refused with its file and JSON path, and nothing is stored or written', async () => {
    const base = { ...CAMPAIGN, id: 'refused' };
    const t0 = CAMPAIGN.templates[0]!;
    const cases: [unknown, RegExp][] = [
      [{ ...base, templates: [{ ...t0, text: 'Hi {nick}' }] }, /bad\.json: templates\[0\]\.text: unknown variable \{nick\}; the variables are \{nickname\}, \{item\}, \{friend_count\}, \{days_until_due\}, \{coupon\}/],
      [{ ...base, templates: [{ ...t0, text: 'Hi {nickname' }] }, /bad\.json: templates\[0\]\.text: an unclosed "\{" at character 4/],
      [{ ...base, coupon: undefined }, /bad\.json: templates\[0\]\.text: uses \{coupon\} but the campaign has no "coupon"/],
      [{ ...base, templates: [{ ...t0, channel: 'email' }] }, /bad\.json: templates\[0\]\.channel: /],
      [{ ...base, templates: [t0, { ...t0, when: { tag: 'no_such_tag', exists: true } }] }, /bad\.json: templates\[1\]\.when\.tag: unknown tag "no_such_tag"/],
      [{ ...base, templates: [{ ...t0, when: 'nobody' }] }, /bad\.json: templates\[0\]\.when\.segment: unknown segment "nobody"/],
      [{ ...base, audience: { tag: 'gender', op: '>', value: 'female' } }, /bad\.json: audience\.op: a text tag compares with = or !=/],
      [{ ...base, quietHours: { from: '22:00', to: '22:00' } }, /bad\.json: quietHours\.to: quiet hours from and to are the same time/],
      [{ ...base, quietHours: { from: '25:00', to: '08:00' } }, /bad\.json: quietHours\.from: expected a time of day HH:MM/],
      [{ ...base, sendAt: '2017-02-30 10:00' }, /bad\.json: sendAt: not a real time/],
      [{ ...base, frequencyCap: { messages: 0, days: 7 } }, /bad\.json: frequencyCap\.messages: /],
      [{ ...base, templates: [] }, /bad\.json: templates: /],
      [{ ...base, id: 'Bad Id' }, /bad\.json: id: expected a campaign id/],
    ];
    const out = join(root, 'refused.csv');
    for (const [input, message] of cases) {
      await assert.rejects(runCampaign(ws, { input, where: 'bad.json' }, out), message, JSON.stringify(input));
    }
    await assert.rejects(runCampaign(ws, { input: base, where: 'bad.json' }, join(root, 'x.txt')), /cannot write messages to .*x\.txt/);
    await assert.rejects(runCampaign(ws, { id: 'nope' }, out), /unknown message campaign "nope"/);
    assert.ok(!existsSync(join(dir, 'definitions', 'messages', 'refused.json')));
    assert.ok(!existsSync(out));
    const logged = await ws.wh.query<{ n: number }>("SELECT count(*) AS n FROM message_log WHERE campaign = 'refused'");
    assert.equal(Number(logged[0]!.n), 0);
  });

  test('the messages command: readable and JSON output, a stored campaign by id, bad input', async () => {
    await ws.close();
    const file = join(root, 'autumn.json');
    writeFileSync(file, JSON.stringify(CAMPAIGN));
    const out = join(root, 'cli.csv');
    const readable = await runCli(['-w', dir, 'messages', '--campaign', file, '--out', out]);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /campaign autumn \(unchanged, version 1\): send at 2017-08-01 10:00:00, portrait as of 2017-07-31 23:59:59/);
    assert.match(readable.stdout, /targeted 7 users: 3 messages rendered to .*cli\.csv, 4 skipped/);
    assert.match(readable.stdout, /^by channel: push 1, sms 1, in_app 1$/m);
    assert.match(readable.stdout, /^opted out of targeting\s+1$/m);
    assert.match(readable.stdout, /^missing variable \(item: 1, days_until_due: 0\)\s+1$/m);
    assert.match(readable.stdout, /^frequency cap reached\s+1$/m);
    assert.match(readable.stdout, /^2\s+social\s+push\s+2\s+1\s+user 2: 亲, 1 friends are looking at Arctic snow boots$/m);
    assert.equal(csvRows(out).length, 4);

    const json = await runCli(['-w', dir, 'messages', '--campaign', 'autumn', '--out', out, '--send-at', '2017-08-01 23:30', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.sendAt, '2017-08-01T23:30:00.000Z');
    assert.equal(parsed.skipped.quiet_hours, 2);

    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...CAMPAIGN, templates: [{ text: 'Hello {name}' }] }));
    const refused = await runCli(['-w', dir, 'messages', '--campaign', bad, '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error: .*bad\.json: templates\[0\]\.text: unknown variable \{name\}/);
    assert.match(refused.stderr, /hint: docs\/messages\.md/);
    const badTime = await runCli(['-w', dir, 'messages', '--campaign', file, '--out', out, '--send-at', '2017-08-01']);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--send-at <time>.*expected a local time YYYY-MM-DD HH:MM/);
    const noOut = await runCli(['-w', dir, 'messages', '--campaign', file]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out/);
    ws = await Workspace.open(dir);
  });
});

describe('templates and quiet hours', () => {
  test('text and variables in order; doubled braces are literal', () => {
    assert.deepEqual(parseTemplate('Hi {nickname}, {{x}} {item}!'), [{ text: 'Hi ' }, { variable: 'nickname' }, { text: ', {x} ' }, { variable: 'item' }, { text: '!' }]);
    assert.throws(() => parseTemplate('a } b'), /a lone "\}" at character 3/);
  });

  test('quiet hours may span midnight; from is quiet, to is not; only the listed channels', () => {
    const c = parseCampaign({ id: 'q', templates: [{ text: 'x' }], quietHours: { from: '22:00', to: '08:00' } }, 'q.json');
    const at = (hhmm: string) => new Date(`2017-08-01T${hhmm}:00Z`);
    assert.deepEqual(['21:59', '22:00', '23:59', '00:00', '07:59', '08:00'].map((t) => inQuietHours(c, 'push', at(t))), [false, true, true, true, true, false]);
    assert.equal(inQuietHours(c, 'sms', at('23:00')), true);
    assert.equal(inQuietHours(c, 'in_app', at('23:00')), false);
    const day = parseCampaign({ id: 'q', templates: [{ text: 'x' }], quietHours: { from: '12:00', to: '14:00', channels: ['in_app'] } }, 'q.json');
    assert.deepEqual(['11:59', '12:00', '13:59', '14:00'].map((t) => inQuietHours(day, 'in_app', at(t))), [false, true, true, false]);
    assert.equal(inQuietHours(day, 'push', at('13:00')), false);
  });
});

describe('message campaigns on a synthetic world', () => {
  test('friend counts and days until due in the copy are the portrait\'s; no opted-out user gets a message', async () => {
    const t = tempDir();
    const ws = await Workspace.init(join(t.dir, 'ws'));
    try {
      await synthesize(ws, resolveSynthOptions({ users: 1500, days: 40, seed: 4 }));
      await buildPurchaseCycles(ws);
      await buildTags(ws);
      const campaign = {
        id: 'synthetic',
        sendAt: '2017-12-04 10:00',
        templates: [
          { when: { tag: 'next_due', exists: true }, text: 'due {days_until_due}' },
          { when: { tag: 'friend_count', op: '>=', value: 1 }, text: 'friends {friend_count}' },
          { text: 'item {item}' },
        ],
      };
      const out = join(t.dir, 'synthetic.csv');
      const r = await runCampaign(ws, { input: campaign, where: 'synthetic.json' }, out);
      const known = Number((await ws.wh.query<{ n: number }>('SELECT count(*) AS n FROM known_users'))[0]!.n);
      assert.equal(r.targeted, known);
      assert.equal(r.rendered + Object.values(r.skipped).reduce((a, b) => a + b, 0), known);
      assert.equal(r.skipped.no_template, 0);
      const lines = csvRows(out).slice(1).map((l) => l.split(','));
      assert.equal(lines.length, r.rendered);
      const opted = new Set((await ws.wh.query<{ user_id: number }>("SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed")).map((u) => Number(u.user_id)));
      assert.ok(opted.size > 0);
      assert.equal(r.skipped.opted_out, (await ws.wh.query<{ n: number }>("SELECT count(*) AS n FROM known_users WHERE user_id IN (SELECT user_id FROM consents WHERE purpose = 'targeting' AND NOT allowed)"))[0]!.n);
      assert.ok(lines.every(([user]) => !opted.has(Number(user))));
      // Independently: distinct friends either way up to as-of, and the soonest due date per user.
      const friends = new Map(
        (await ws.wh.query<{ user_id: number; n: number }>(
          `SELECT user_id, count(DISTINCT other) AS n FROM (
             SELECT src_user_id AS user_id, dst_user_id AS other FROM social_edges WHERE kind = 'friend' AND ts <= (SELECT max(ts) FROM events)
             UNION ALL SELECT dst_user_id, src_user_id FROM social_edges WHERE kind = 'friend' AND ts <= (SELECT max(ts) FROM events)) GROUP BY user_id`,
        )).map((f) => [Number(f.user_id), Number(f.n)]),
      );
      const due = new Map(
        (await ws.wh.query<{ user_id: number; days: number }>(
          "SELECT user_id, date_diff('day', DATE '2017-12-04', min(next_due)) AS days FROM purchase_cycles GROUP BY user_id",
        )).map((d) => [Number(d.user_id), Number(d.days)]),
      );
      let dueChecked = 0;
      let friendsChecked = 0;
      for (const [user, , , , , , text] of lines) {
        const id = Number(user);
        if (text!.startsWith('due ')) {
          assert.equal(Number(text!.slice(4)), due.get(id), `user ${id}`);
          dueChecked++;
        } else if (text!.startsWith('friends ')) {
          assert.ok(!due.has(id));
          assert.equal(Number(text!.slice(8)), friends.get(id), `user ${id}`);
          friendsChecked++;
        } else {
          assert.ok(!due.has(id) && !friends.has(id));
        }
      }
      assert.ok(dueChecked > 0 && friendsChecked > 0, `${dueChecked} due, ${friendsChecked} friends`);
    } finally {
      await ws.close();
      t.cleanup();
    }
  });
});
