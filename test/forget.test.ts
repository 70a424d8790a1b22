/**
 * Forgetting a user: a hand-made workspace where every rule of docs/privacy.md has a row to act on (own
 * rows, references, lists, JSON keys, tag values, raw quarantine lines, devices, tables other stages may
 * add), and a synthetic world built with every stage where afterwards no column of any table holds the id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBuild } from '../src/build.js';
import { listAudit, recordAudit } from '../src/privacy/audit.js';
import { setConsent } from '../src/privacy/consent.js';
import { forgetUser, type ForgetReport } from '../src/privacy/forget.js';
import { trainRecommendations } from '../src/recommend/serve/train.js';
import { resolveSynthOptions, synthesize } from '../src/synth/index.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function rows<T = Record<string, unknown>>(ws: Workspace, sql: string, params: (string | number | bigint)[] = []): Promise<T[]> {
  return ws.wh.query<T>(sql, params);
}

async function n(ws: Workspace, sql: string, params: (string | number)[] = []): Promise<number> {
  const [r] = await ws.wh.query<Record<string, unknown>>(sql, params);
  return Number(Object.values(r ?? {})[0]);
}

function tableCounts(report: ForgetReport): Record<string, [number, number]> {
  return Object.fromEntries(report.tables.map((t) => [t.table, [t.deleted, t.cleared]]));
}

/** Every base table of every schema with its row count, for "nothing else changed". */
async function allCounts(ws: Workspace): Promise<Record<string, number>> {
  const tables = await rows<{ s: string; t: string }>(
    ws,
    "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_catalog = current_database() ORDER BY 1, 2",
  );
  const out: Record<string, number> = {};
  for (const { s, t } of tables) out[`${s}.${t}`] = await n(ws, `SELECT count(*) FROM "${s}"."${t}"`);
  return out;
}

describe('forget on a hand-made workspace: each rule once', () => {
  const { dir, cleanup } = tempDir('portrait-forget-');
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let report: ForgetReport;
  let countsBefore: Record<string, number>;
  const exportWithUser = join(dir, 'audience-with-5.csv');
  const exportWithout = join(dir, 'audience-without-5.csv');

  before(async () => {
    ws = await Workspace.init(wsDir);
    const run = (sql: string) => ws.wh.run(sql);
    await run(`INSERT INTO users (user_id, city, phone) VALUES (5, 'Shanghai', 'h5'), (6, 'Beijing', NULL), (7, NULL, NULL)`);
    await run(`INSERT INTO events (event_id, user_id, device_id, ts, type, item_id, category_id, referrer_user_id, properties) VALUES
      (1, 5, 'dA', '2017-11-25 10:00:00', 'pv', 100, 9, NULL, NULL),
      (2, 5, 'dS', '2017-11-25 11:00:00', 'buy', 100, 9, NULL, NULL),
      (3, 6, 'dS', '2017-11-25 12:00:00', 'invite_click', NULL, NULL, 5, '{"inviter_user_id": 5, "campaign_id": "c1"}'),
      (4, 6, NULL, '2017-11-25 13:00:00', 'live_watch', 5, NULL, NULL, '{"creator_id": 7}'),
      (5, 7, NULL, '2017-11-25 14:00:00', 'pv', 101, 5, NULL, '{"note": "5"}')`);
    await run(`INSERT INTO orders (order_id, user_id, item_id, ts, address, device_id) VALUES (11, 5, 100, '2017-11-25 11:00:00', 'addr5', 'dA'), (12, 6, 5, '2017-11-25 12:00:00', NULL, NULL)`);
    await run(`INSERT INTO content (content_id, creator_id, kind, item_id) VALUES (21, 5, 'graphic', 100), (22, 6, 'short_video', 5)`);
    await run(`INSERT INTO creators (creator_id, name) VALUES (5, 'five'), (6, 'six')`);
    await run(`INSERT INTO live_streams (live_id, creator_id, started_at) VALUES (31, 5, '2017-11-25 20:00:00')`);
    await run(`INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts) VALUES
      (5, 6, 'invite', '2017-11-25 09:00:00'), (6, 5, 'friend', '2017-11-25 09:00:00'), (6, 7, 'share', '2017-11-25 09:00:00'), (7, 5, 'share', '2017-11-25 09:00:00')`);
    await run(`INSERT INTO devices (device_id, model) VALUES ('dA', 'only five'), ('dS', 'shared with six'), ('dZ', 'nobody')`);
    await run(`INSERT INTO identity_links (device_id, user_id) VALUES ('dA', 5), ('dS', 5), ('dS', 6)`);
    await run(`INSERT INTO quarantine (batch_id, entity, file, line, raw, reason) VALUES
      (1, 'events', 'e.csv', 2, '5,100,9,pv,abc', 'bad ts'),
      (1, 'events', 'e.csv', 3, '6,15,9,pv,2017-11-05 10:05:00', 'bad type'),
      (2, 'events', 'e.jsonl', 1, '{"user_id":5,"ts":"x"}', 'bad ts'),
      (2, 'events', 'e.jsonl', 2, '{"user_id":6,"amount":3.5}', 'bad ts')`);
    // Tag values as the tag build stores them; brought_by and shares_with hold user ids, top_categories category ids.
    await run('CREATE TABLE tag_values (tag VARCHAR, user_id BIGINT, num DOUBLE, txt VARCHAR, ts TIMESTAMP, lst VARCHAR[])');
    await run(`INSERT INTO tag_values (tag, user_id, txt, lst) VALUES
      ('city', 5, 'Shanghai', NULL), ('brought_by', 6, '5', NULL), ('brought_by', 7, '6', NULL),
      ('shares_with', 7, NULL, ['5']), ('shares_with', 6, NULL, ['5', '7']), ('top_categories', 6, NULL, ['5', '9'])`);
    // Tables other stages may add: the naming rule covers them without a list.
    await run('CREATE TABLE message_log (user_id BIGINT, channel VARCHAR)');
    await run(`INSERT INTO message_log VALUES (5, 'sms'), (6, 'push')`);
    await run('CREATE TABLE lead_pool (lead_user_id BIGINT NOT NULL, owner_user_id BIGINT)');
    await run('INSERT INTO lead_pool VALUES (5, 6), (6, 5), (6, 7)');
    await run('CREATE TABLE campaign_members (campaign VARCHAR, user_id BIGINT, invited_by_user_id BIGINT NOT NULL)');
    await run(`INSERT INTO campaign_members VALUES ('a', 6, 5), ('a', 5, 6), ('a', 7, 6)`);
    await run('CREATE TABLE communities (community INTEGER, member_user_ids BIGINT[])');
    await run('INSERT INTO communities VALUES (1, [5, 6]), (2, [7])');
    await run('CREATE SCHEMA ops');
    await run('CREATE TABLE ops.scores (user_id VARCHAR, score DOUBLE)');
    await run(`INSERT INTO ops.scores VALUES ('5', 1.5), ('6', 2.5)`);
    await run('CREATE TABLE ops.visits (user_id INTEGER, host_user_ids VARCHAR[])');
    await run(`INSERT INTO ops.visits VALUES (5, ['6']), (6, ['5', NULL, '7'])`);
    await run(`INSERT INTO consents VALUES (5, 'targeting', false, '2017-11-20 00:00:00')`);
    // A quarantine file as a failed import leaves it: header, a multi-line value, the user's line.
    writeFileSync(
      join(ws.paths.quarantine, 'rejected-batch-9.csv'),
      'file,line,reason,raw\ne.csv,2,bad ts,"5,100,9,pv,abc"\ne.csv,3,bad ts,"6,100,9,pv,abc"\ne.csv,4,"two\nlines","7,5,9,pv,abc"\n',
    );
    // What forget cannot change: exports on record, a stray database copy, a definition naming the user.
    writeFileSync(exportWithUser, 'user_id\n5\n6\n');
    writeFileSync(exportWithout, 'user_id\n6\n7\n');
    await recordAudit(ws, { action: 'export', subject: 'with-five', rows: 2, file: exportWithUser });
    await recordAudit(ws, { action: 'export', subject: 'without-five', rows: 2, file: exportWithout });
    await recordAudit(ws, { action: 'export', subject: 'gone', rows: 2, file: join(dir, 'gone.csv') });
    mkdirSync(join(ws.paths.tmp, 'recs-evaluate-dead'), { recursive: true });
    writeFileSync(join(ws.paths.tmp, 'recs-evaluate-dead', 'portrait.duckdb'), '');
    mkdirSync(join(ws.paths.definitions, 'campaigns'), { recursive: true });
    writeFileSync(join(ws.paths.definitions, 'campaigns', 'holdout.json'), JSON.stringify({ name: 'holdout', holdout_user_ids: [5, 9] }));
    writeFileSync(join(ws.paths.definitions, 'campaigns', 'other.json'), JSON.stringify({ name: 'other', budget: 5, user_ids: [6] }));
    countsBefore = await allCounts(ws);
    report = await forgetUser(ws, 5);
  });

  after(async () => {
    await ws.close();
    cleanup();
  });

  test('reports rows deleted and mentions cleared per table, each rule applied', () => {
    assert.deepEqual(tableCounts(report), {
      campaign_members: [2, 0], // own row; a row whose NOT NULL invited_by_user_id named 5 cannot stay
      communities: [0, 1], // 5 taken out of [5, 6]
      consents: [1, 0],
      content: [1, 0], // created by 5
      creators: [1, 0],
      devices: [1, 0], // dA: only 5 used it; dS is still 6's; dZ nobody's
      events: [2, 2], // 5's two events; on 6's event the referrer and the JSON key inviter_user_id
      identity_links: [2, 0],
      lead_pool: [2, 0], // no user_id column: every user column is a party
      live_streams: [1, 0],
      message_log: [1, 0],
      'ops.scores': [1, 0], // a text user_id in another schema
      'ops.visits': [1, 1], // an INTEGER user_id; '5' taken out of a text list, the unknown (null) host kept
      orders: [1, 0],
      quarantine: [2, 0], // the CSV line and the JSONL line of user 5
      social_edges: [3, 0], // edges from or to 5; 6 -> 7 stays
      tag_values: [3, 1], // 5's city; 6's brought_by 5; 7's shares_with [5]; 6's shares_with [5, 7] -> [7]
      users: [1, 0],
    });
    assert.equal(report.deleted, 26);
    assert.equal(report.cleared, 5);
    assert.equal(report.dryRun, false);
    assert.equal(report.tablesChecked, Object.keys(countsBefore).length);
  });

  test('rows that are not the user\'s stay, with the mention cleared', async () => {
    assert.deepEqual(
      (await rows<{ event_id: number; user_id: number; referrer_user_id: number | null; p: string | null; item_id: number | null; category_id: number | null }>(
        ws,
        'SELECT event_id, user_id, referrer_user_id, CAST(properties AS VARCHAR) AS p, item_id, category_id FROM events ORDER BY event_id',
      )).map((r) => [Number(r.event_id), r.user_id, r.referrer_user_id, r.p, r.item_id, r.category_id]),
      [
        [3, 6, null, '{"campaign_id":"c1"}', null, null],
        [4, 6, null, '{"creator_id": 7}', 5, null], // item 5 is an item, not the user
        [5, 7, null, '{"note": "5"}', 101, 5], // a key outside the rule is not read
      ],
    );
    assert.deepEqual((await rows<{ order_id: number }>(ws, 'SELECT order_id FROM orders')).map((r) => r.order_id), [12]);
    assert.deepEqual((await rows<{ content_id: number }>(ws, 'SELECT content_id FROM content')).map((r) => r.content_id), [22]);
    assert.deepEqual(
      (await rows<{ src_user_id: number; dst_user_id: number }>(ws, 'SELECT src_user_id, dst_user_id FROM social_edges')).map((r) => [r.src_user_id, r.dst_user_id]),
      [[6, 7]],
    );
    assert.deepEqual((await rows<{ device_id: string }>(ws, 'SELECT device_id FROM devices ORDER BY 1')).map((r) => r.device_id), ['dS', 'dZ']);
    assert.deepEqual(
      (await rows<{ tag: string; user_id: number; txt: string | null; lst: string[] | null }>(ws, 'SELECT tag, user_id, txt, lst FROM tag_values ORDER BY tag, user_id')).map((r) => [r.tag, r.user_id, r.txt, r.lst]),
      [
        ['brought_by', 7, '6', null],
        ['shares_with', 6, null, ['7']],
        ['top_categories', 6, null, ['5', '9']],
      ],
    );
    assert.deepEqual((await rows<{ raw: string }>(ws, 'SELECT raw FROM quarantine ORDER BY batch_id, line')).map((r) => r.raw), [
      '6,15,9,pv,2017-11-05 10:05:00',
      '{"user_id":6,"amount":3.5}',
    ]);
    assert.deepEqual(
      (await rows<{ l: number; o: number | null }>(ws, 'SELECT lead_user_id AS l, owner_user_id AS o FROM lead_pool')).map((r) => [r.l, r.o]),
      [[6, 7]],
    );
    assert.deepEqual(
      (await rows<{ u: number; i: number }>(ws, 'SELECT user_id AS u, invited_by_user_id AS i FROM campaign_members')).map((r) => [r.u, r.i]),
      [[7, 6]],
    );
    assert.deepEqual(
      (await rows<{ c: number; m: number[] }>(ws, 'SELECT community AS c, member_user_ids AS m FROM communities ORDER BY 1')).map((r) => [r.c, r.m.map(Number)]),
      [[1, [6]], [2, [7]]],
    );
    assert.deepEqual((await rows<{ user_id: string }>(ws, 'SELECT user_id FROM ops.scores')).map((r) => r.user_id), ['6']);
    assert.deepEqual(
      (await rows<{ user_id: number; host_user_ids: (string | null)[] }>(ws, 'SELECT user_id, host_user_ids FROM ops.visits')).map((r) => [r.user_id, r.host_user_ids]),
      [[6, [null, '7']]],
    );
    // Every other table lost exactly what the report says.
    const after = await allCounts(ws);
    for (const [table, count] of Object.entries(countsBefore)) {
      const label = table.startsWith('main.') ? table.slice(5) : table;
      const added = table === 'main.audit_log' ? 1 : 0; // the forget's own entry
      assert.equal(after[table], count + added - (tableCounts(report)[label]?.[0] ?? 0), table);
    }
  });

  test('the quarantine file loses the user\'s line only; what is out of reach is named', () => {
    assert.deepEqual(report.quarantineFiles, [{ file: join('quarantine', 'rejected-batch-9.csv'), removed: 2, kept: 1 }]);
    const text = readFileSync(join(ws.paths.quarantine, 'rejected-batch-9.csv'), 'utf8');
    assert.equal(text, 'file,line,reason,raw\ne.csv,3,bad ts,"6,100,9,pv,abc"\n');
    assert.ok(!existsSync(join(ws.paths.quarantine, 'rejected-batch-9.csv.forget')));
    assert.deepEqual(
      report.outOfReach.map((o) => [o.kind, o.file, o.holdsUser]),
      [
        ['export', exportWithUser, true],
        ['export', join(dir, 'gone.csv'), null],
        ['database', join('tmp', 'recs-evaluate-dead', 'portrait.duckdb'), null],
        ['definition', join('definitions', 'campaigns', 'holdout.json'), true],
      ],
    );
  });

  test('the audit log records it under the salted hash of the id, never the id', async () => {
    const [entry] = await listAudit(ws, { action: 'forget' });
    assert.ok(entry);
    assert.equal(entry.subject, sha256(`${ws.config.salt}5`));
    assert.equal(report.subject, entry.subject);
    assert.equal(entry.rows, 26);
    assert.deepEqual((entry.details.tables as Record<string, unknown>)['events'], { deleted: 2, cleared: 2 });
    assert.equal(entry.details.cleared, 5);
  });

  test('a user found nowhere: nothing changes, and the request is still on record', async () => {
    const again = await forgetUser(ws, 5);
    assert.deepEqual(again.tables, []);
    assert.equal(again.deleted, 0);
    assert.equal((await listAudit(ws, { action: 'forget' })).length, 2);
    await assert.rejects(forgetUser(ws, '5x'), /not a user id: "5x"/);
    await assert.rejects(forgetUser(ws, '99999999999999999999'), /outside the 64-bit range/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// A synthetic world with every stage: the forgotten user leaves no trace in any column of any table.

/** An id no synthetic table uses for anything else (ids there are small), so a text search cannot mistake it. */
const ID = 9000000017;

/** Rows per table.column whose value, as text, contains the id. */
async function traces(ws: Workspace): Promise<Record<string, number>> {
  const columns = await rows<{ s: string; t: string; c: string }>(
    ws,
    `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c FROM information_schema.columns c
     JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_catalog = current_database() ORDER BY 1, 2, 3`,
  );
  const found: Record<string, number> = {};
  for (const { s, t, c } of columns) {
    const hits = await n(ws, `SELECT count(*) FROM "${s}"."${t}" WHERE strpos(CAST("${c}" AS VARCHAR), $1) > 0`, [String(ID)]);
    if (hits) found[`${s}.${t}.${c}`] = hits;
  }
  return found;
}

/** The one file a failed import left in the quarantine folder. */
function quarantineFile(ws: Workspace): string {
  const files = readdirSync(ws.paths.quarantine).filter((f) => /^rejected-batch-\d+\.csv$/.test(f));
  assert.equal(files.length, 1, files.join(', '));
  return join(ws.paths.quarantine, files[0]!);
}

describe('forget in a synthetic world built with every stage', () => {
  const { dir, cleanup } = tempDir('portrait-forget-world-');
  const wsDir = join(dir, 'ws');
  let ws: Workspace;
  let traced: Record<string, number>;
  let u1 = 0;
  let u3 = 0;

  before(async () => {
    ws = await Workspace.init(wsDir);
    await synthesize(ws, resolveSynthOptions({ users: 800, days: 20, seed: 5 }));
    // The subject: a creator with content, live streams, orders and reviews, renumbered to an id that
    // cannot be confused with an item or category. The columns below are the synthetic world's user ids.
    const [kol] = await rows<{ user_id: number }>(
      ws,
      `SELECT user_id FROM truth.kols WHERE live_streams > 0 AND user_id IN (SELECT user_id FROM orders) AND user_id IN (SELECT user_id FROM reviews)
       ORDER BY contents DESC, user_id LIMIT 1`,
    );
    const old = kol!.user_id;
    const renumber: [string, string][] = [
      ['events', 'user_id'], ['events', 'referrer_user_id'], ['users', 'user_id'], ['orders', 'user_id'], ['reviews', 'user_id'],
      ['content', 'creator_id'], ['creators', 'creator_id'], ['live_streams', 'creator_id'], ['social_edges', 'src_user_id'],
      ['social_edges', 'dst_user_id'], ['identity_links', 'user_id'], ['consents', 'user_id'], ['truth.users', 'user_id'],
      ['truth.cycles', 'user_id'], ['truth.gifts', 'user_id'], ['truth.interests', 'user_id'], ['truth.invites', 'user_id'],
      ['truth.invites', 'inviter_user_id'], ['truth.invites', 'root_user_id'], ['truth.kols', 'user_id'], ['truth.lifecycle', 'user_id'],
      ['truth.shares', 'kol_user_id'], ['truth.shares', 'user_id'], ['truth.friend_buys', 'user_id'], ['truth.friend_buys', 'friend_user_id'],
      ['truth.abuse', 'user_id'],
    ];
    for (const [table, column] of renumber) await ws.wh.run(`UPDATE ${table} SET ${column} = $1 WHERE ${column} = $2`, [ID, old]);
    await ws.wh.run(
      `UPDATE events SET properties = json_merge_patch(properties, json_object('creator_id', CAST($1 AS BIGINT))) WHERE json_extract_string(properties, '$.creator_id') = $2`,
      [ID, String(old)],
    );
    // Nothing named for users still holds the old id.
    const leftover = await rows<{ s: string; t: string; c: string }>(
      ws,
      `SELECT table_schema AS s, table_name AS t, column_name AS c FROM information_schema.columns
       WHERE table_catalog = current_database() AND data_type = 'BIGINT' AND (column_name LIKE '%user%' OR column_name LIKE '%creator%')`,
    );
    for (const { s, t, c } of leftover) assert.equal(await n(ws, `SELECT count(*) FROM "${s}"."${t}" WHERE "${c}" = $1`, [old]), 0, `${s}.${t}.${c}`);
    // Ties the creator to others: invites two users (their brought_by), is shared with (u3's shares_with),
    // refers an event, refuses targeting.
    const others = await rows<{ user_id: number }>(ws, 'SELECT user_id FROM users WHERE user_id <> $1 AND user_id NOT IN (SELECT dst_user_id FROM social_edges WHERE kind = \'invite\') ORDER BY user_id LIMIT 3', [ID]);
    [u1, , u3] = others.map((o) => o.user_id) as [number, number, number];
    const u2 = others[1]!.user_id;
    await ws.wh.run(
      `INSERT INTO social_edges (src_user_id, dst_user_id, kind, ts, campaign_id) VALUES
       ($1, $2, 'invite', '2017-11-20 10:00:00', 'forget-test'), ($1, $3, 'invite', '2017-11-20 10:00:00', 'forget-test'),
       ($4, $1, 'share', '2017-11-20 11:00:00', NULL), ($4, $2, 'share', '2017-11-20 11:00:00', NULL)`,
      [ID, u1, u2, u3],
    );
    await ws.wh.run(
      `INSERT INTO events (event_id, user_id, ts, type, referrer_user_id, properties) VALUES
       (424242, $2, '2017-11-20 10:05:00', 'invite_click', $1, json_object('inviter_user_id', CAST($1 AS BIGINT), 'campaign_id', 'forget-test'))`,
      [ID, u1],
    );
    await setConsent(ws, ID, 'personalisation', false, { at: new Date('2017-11-21T00:00:00Z') });
    await runBuild(ws);
    await trainRecommendations(ws);
    // A bad line of the user's in the quarantine table, and a failed import's quarantine file.
    await ws.close();
    const good = join(dir, 'late.csv');
    writeFileSync(good, `user_id,ts,type,item_id\n${ID},2017-11-26 10:00:00,pv,1\n${ID},yesterday,pv,2\n${u1},2017-11-26 10:00:00,look,3\n`);
    const imported = await runCli(['-w', wsDir, 'import', 'events', good, '--no-progress']);
    assert.equal(imported.code, 0, imported.stderr);
    const failing = join(dir, 'failing.csv');
    writeFileSync(failing, `user_id,ts,type,item_id\n${ID},never,pv,1\n${u1},never,pv,1\n`);
    const failed = await runCli(['-w', wsDir, 'import', 'events', failing, '--max-errors', '0', '--no-progress']);
    assert.equal(failed.code, 1);
    ws = await Workspace.open(wsDir);
    traced = await traces(ws);
  });

  after(async () => {
    await ws.close();
    cleanup();
  });

  test('before: the id is in raw, derived and truth tables alike', () => {
    for (const where of [
      'main.events.user_id', 'main.events.referrer_user_id', 'main.events.properties', 'main.users.user_id', 'main.orders.user_id',
      'main.content.creator_id', 'main.live_streams.creator_id', 'main.social_edges.src_user_id', 'main.social_edges.dst_user_id',
      'main.identity_links.user_id', 'main.consents.user_id', 'main.quarantine.raw', 'main.tag_values.user_id', 'main.tag_values.txt',
      'main.tag_values.lst', 'main.tag_values_by_user.user_id', 'main.known_users.user_id', 'main.user_recommendations.user_id',
      'main.user_rfm.user_id', 'main.user_rhythm.user_id', 'main.reviews.user_id', 'main.user_traits.user_id', 'main.user_lifecycle.user_id',
      'main.interest_scores.user_id', 'main.clv_scores.user_id', 'main.predicted_attributes.user_id', 'truth.users.user_id',
      'truth.kols.user_id', 'truth.lifecycle.user_id', 'main.purchase_cycles.user_id',
    ]) {
      assert.ok(traced[where], `${where} should hold the id before forget: ${JSON.stringify(traced)}`);
    }
  });

  test('a failure part-way changes nothing: database, quarantine file and audit log stay as they were', async () => {
    // A table whose reference may not be cleared (a CHECK the rule cannot see) makes the forget fail late.
    await ws.wh.run('CREATE TABLE blocker (user_id BIGINT, friend_user_id BIGINT CHECK (friend_user_id IS NOT NULL))');
    await ws.wh.run('INSERT INTO blocker VALUES (1, $1)', [ID]);
    const counts = await allCounts(ws);
    const file = quarantineFile(ws);
    const fileText = readFileSync(file, 'utf8');
    const audit = (await listAudit(ws)).length;
    await assert.rejects(forgetUser(ws, ID), /CHECK constraint/);
    assert.deepEqual(await allCounts(ws), counts);
    assert.equal(readFileSync(file, 'utf8'), fileText);
    assert.ok(!existsSync(`${file}.forget`));
    assert.equal((await listAudit(ws)).length, audit);
    assert.deepEqual(await traces(ws), { ...traced, 'main.blocker.friend_user_id': 1 });
    await ws.wh.run('DROP TABLE blocker');
  });

  test('a dry run reports what the forget then does, and changes nothing', async () => {
    const counts = await allCounts(ws);
    // Counted by hand: the user's events, and others' events that name the user (referrer, JSON keys).
    const ownEvents = await n(ws, 'SELECT count(*) FROM events WHERE user_id = $1', [ID]);
    const mentions = await n(
      ws,
      `SELECT count(*) FILTER (WHERE referrer_user_id = $1) + count(*) FILTER (WHERE json_extract_string(properties, '$.creator_id') = $2)
              + count(*) FILTER (WHERE json_extract_string(properties, '$.inviter_user_id') = $2)
       FROM events WHERE user_id <> $1`,
      [ID, String(ID)],
    );
    const edges = await n(ws, 'SELECT count(*) FROM social_edges WHERE src_user_id = $1 OR dst_user_id = $1', [ID]);
    const dry = await forgetUser(ws, ID, { dryRun: true });
    assert.equal(dry.dryRun, true);
    assert.ok(dry.deleted > 0);
    assert.deepEqual(await allCounts(ws), counts);
    assert.equal((await listAudit(ws, { action: 'forget' })).length, 0);

    await ws.close();
    const cli = await runCli(['-w', wsDir, 'forget', String(ID), '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    ws = await Workspace.open(wsDir);
    const real = JSON.parse(cli.stdout) as ForgetReport;
    assert.deepEqual({ ...real, dryRun: true }, dry);

    // Own rows, counted by hand before, are what the report says it deleted.
    const after = await allCounts(ws);
    for (const [table, count] of Object.entries(counts)) {
      const label = table.startsWith('main.') ? table.slice(5) : table;
      const t = real.tables.find((x) => x.table === label);
      const added = table === 'main.audit_log' ? 1 : 0; // the forget's own entry
      assert.equal(after[table], count + added - (t?.deleted ?? 0), table);
    }
    assert.deepEqual(real.tables.find((t) => t.table === 'events'), { table: 'events', deleted: ownEvents, cleared: mentions });
    assert.ok(mentions > 2, `the creator's live streams and the invite are mentioned in others' events (${mentions})`);
    assert.deepEqual(real.tables.find((t) => t.table === 'social_edges'), { table: 'social_edges', deleted: edges, cleared: 0 });
    assert.equal(real.quarantineFiles.length, 1);
    assert.equal(real.quarantineFiles[0]!.removed, 1);
    assert.equal(real.quarantineFiles[0]!.kept, 1);
  });

  test('after: no column of any table holds the id, and what others did stays', async () => {
    assert.deepEqual(await traces(ws), {});
    // u1's invite click stays, without the referrer and the JSON key; u3's shares_with keeps u2.
    const [click] = await rows<{ user_id: number; referrer_user_id: number | null; p: string }>(
      ws,
      'SELECT user_id, referrer_user_id, CAST(properties AS VARCHAR) AS p FROM events WHERE event_id = 424242',
    );
    assert.deepEqual(click, { user_id: u1, referrer_user_id: null, p: '{"campaign_id":"forget-test"}' });
    const [shares] = await rows<{ lst: string[] }>(ws, "SELECT lst FROM tag_values WHERE tag = 'shares_with' AND user_id = $1", [u3]);
    assert.ok(shares && shares.lst.length > 0 && !shares.lst.includes(String(ID)));
    assert.equal(await n(ws, "SELECT count(*) FROM tag_values WHERE tag = 'brought_by' AND user_id = $1", [u1]), 0);
    // The failed import's file keeps the other user's line.
    const file = readFileSync(quarantineFile(ws), 'utf8');
    assert.ok(!file.includes(String(ID)));
    assert.ok(file.includes(`${u1},never,pv,1`));
    const [entry] = await listAudit(ws, { action: 'forget' });
    assert.equal(entry!.subject, sha256(`${ws.config.salt}${ID}`));
  });
});
