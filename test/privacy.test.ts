/**
 * Consent per purpose as of a time (the one SQL definition, the reads, the writes and their audit entries),
 * the audit log, and personal ids: hashed at ingest and absent from every export.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PortraitError } from '../src/errors.js';
import { listAudit, recordAudit } from '../src/privacy/audit.js';
import { consentAllowsSql, consentRefusedSql, consentSummary, setConsent, userConsent, type ConsentSummary, type UserConsent } from '../src/privacy/consent.js';
import { Workspace } from '../src/workspace/workspace.js';
import { runCli, tempDir } from './helpers.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const T = new Date('2017-11-30T12:00:00Z'); // the newest event: the default as-of
const LATER = new Date('2017-12-31T00:00:00Z');

async function ids(ws: Workspace, sql: string, params: (Date | null)[]): Promise<number[]> {
  return (await ws.wh.query<{ user_id: number }>(sql, params)).map((r) => Number(r.user_id));
}

describe('consent: who may be targeted or personalised as of a time', () => {
  const { dir, cleanup } = tempDir('portrait-consent-');
  const wsDir = join(dir, 'ws');
  let ws: Workspace;

  before(async () => {
    ws = await Workspace.init(wsDir);
    await ws.wh.run('INSERT INTO users (user_id) VALUES (1), (2), (3), (4), (5), (6), (7)');
    await ws.wh.run(`INSERT INTO events (event_id, user_id, ts, type) VALUES (1, 1, '2017-11-29 10:00:00', 'pv'), (2, 2, '2017-11-30 12:00:00', 'pv')`);
    await ws.wh.run(`INSERT INTO consents VALUES
      (2, 'targeting', false, '2017-11-01 00:00:00'),
      (3, 'targeting', false, '2017-12-15 00:00:00'),
      (4, 'targeting', true, '2017-11-01 00:00:00'),
      (5, 'targeting', true, '2017-12-10 00:00:00'),
      (6, 'targeting', true, NULL),
      (7, 'personalisation', false, '2017-11-01 00:00:00'),
      (8, 'targeting', false, '2017-11-02 00:00:00')`);
  });

  after(async () => {
    await ws.close();
    cleanup();
  });

  test('the SQL definition: no row or an allow by then is allowed; a refusal always counts; a later allow does not count yet', async () => {
    const allowed = (asOf: Date | null) =>
      ids(ws, `SELECT user_id FROM users WHERE ${consentAllowsSql('users.user_id', 'targeting', asOf === null ? null : '$1')} ORDER BY 1`, asOf === null ? [] : [asOf]);
    assert.deepEqual(await allowed(T), [1, 4, 6, 7]); // 2, 3 refused (3 after T: still out); 5 allowed only after T
    assert.deepEqual(await allowed(LATER), [1, 4, 5, 6, 7]);
    assert.deepEqual(await allowed(null), [1, 4, 5, 6, 7]); // the latest choices, whenever made
    assert.deepEqual(await ids(ws, `${consentRefusedSql('targeting', '$1')} ORDER BY 1`, [T]), [2, 3, 5, 8]);
    assert.deepEqual(
      await ids(ws, `SELECT user_id FROM users WHERE ${consentAllowsSql('users.user_id', 'personalisation', '$1')} ORDER BY 1`, [T]),
      [1, 2, 3, 4, 5, 6], // 7 refused personalisation; targeting choices do not matter here
    );
    assert.throws(() => consentAllowsSql('u', 'marketing' as never, '$1'), PortraitError);
  });

  test('a user\'s consent: the stored choice and what it means as of a time', async () => {
    const five = await userConsent(ws, 5);
    assert.equal(five.asOf?.getTime(), T.getTime());
    assert.deepEqual(
      five.purposes.map((p) => [p.purpose, p.choice, p.updatedAt?.toISOString() ?? null, p.allowed, p.reason]),
      [
        ['targeting', true, '2017-12-10T00:00:00.000Z', false, 'allowed only after the as-of time'],
        ['personalisation', null, null, true, 'no choice recorded: allowed by default'],
      ],
    );
    assert.equal((await userConsent(ws, 5, { asOf: LATER })).purposes[0]!.allowed, true);
    assert.deepEqual((await userConsent(ws, 3)).purposes[0]!.reason, 'refused');
  });

  test('summary: counts per purpose over users, event actors and anyone with a choice', async () => {
    const s = await consentSummary(ws);
    assert.equal(s.asOf?.getTime(), T.getTime());
    // Users 1-7 and 8 (known only from its choice). Targeting: no choice 1, 7; allowed 4, 6; refused 2, 3, 8; later 5.
    assert.deepEqual(s.purposes, [
      { purpose: 'targeting', users: 8, noChoice: 2, allowedChoice: 2, refused: 3, allowedLater: 1, allowed: 4 },
      { purpose: 'personalisation', users: 8, noChoice: 7, allowedChoice: 0, refused: 1, allowedLater: 0, allowed: 7 },
    ]);
    const later = await consentSummary(ws, { asOf: LATER });
    assert.deepEqual(later.purposes[0], { purpose: 'targeting', users: 8, noChoice: 2, allowedChoice: 3, refused: 3, allowedLater: 0, allowed: 5 });
  });

  test('setting a choice replaces the stored one and writes the audit log under the id hash', async () => {
    const change = await setConsent(ws, 5, 'targeting', false, { at: new Date('2017-12-20T00:00:00Z') });
    assert.deepEqual(change.previous, { allowed: true, updatedAt: new Date('2017-12-10T00:00:00Z') });
    const stored = await ws.wh.query<{ allowed: boolean; updated_at: Date }>("SELECT allowed, updated_at FROM consents WHERE user_id = 5 AND purpose = 'targeting'");
    assert.deepEqual(stored, [{ allowed: false, updated_at: new Date('2017-12-20T00:00:00Z') }]);
    const [entry] = await listAudit(ws, { action: 'consent' });
    assert.equal(entry!.subject, sha256(`${ws.config.salt}5`));
    assert.equal(entry!.rows, 1);
    assert.deepEqual(entry!.details, {
      purpose: 'targeting',
      allowed: false,
      updated_at: '2017-12-20T00:00:00.000Z',
      previous: { allowed: true, updated_at: '2017-12-10T00:00:00.000Z' },
    });
    assert.ok(!JSON.stringify(await listAudit(ws)).includes('"5"'));
  });

  test('CLI: consent set, show, summary and audit; bad input is refused with the option named', async () => {
    await ws.close();
    const set = await runCli(['-w', wsDir, 'consent', 'set', '1', '--purpose', 'personalisation', '--deny', '--at', '2017-11-29 08:00']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /user 1: personalisation refused, recorded as of 2017-11-29 08:00:00/);
    const show = await runCli(['-w', wsDir, 'consent', 'show', '1', '--json']);
    const shown = JSON.parse(show.stdout) as UserConsent;
    assert.deepEqual(shown.purposes.map((p) => [p.purpose, p.allowed, p.reason]), [
      ['targeting', true, 'no choice recorded: allowed by default'],
      ['personalisation', false, 'refused'],
    ]);
    const summary = JSON.parse((await runCli(['-w', wsDir, 'consent', 'summary', '--as-of', '2017-11-30', '--json'])).stdout) as ConsentSummary;
    // Targeting: 5 now refused too (2, 3, 5, 8); personalisation: 1 and 7 refused.
    assert.deepEqual(summary.purposes.map((p) => [p.purpose, p.refused, p.allowed]), [['targeting', 4, 4], ['personalisation', 2, 6]]);
    const readable = await runCli(['-w', wsDir, 'consent', 'summary']);
    assert.match(readable.stdout, /targeting +8 +2 +2 +4 +0 +4 +50\.00%/);

    // Without --at the choice is dated now (platform local time): later than every event, so an allow
    // does not count for analyses as of the data, and the output says so.
    const start = Date.now() + 8 * 3600_000;
    const now = await runCli(['-w', wsDir, 'consent', 'set', '2', '--purpose', 'targeting', '--allow', '--json']);
    const recorded = new Date((JSON.parse(now.stdout) as { updatedAt: string }).updatedAt).getTime();
    assert.ok(recorded >= Math.floor(start / 1000) * 1000 && recorded <= Date.now() + 8 * 3600_000, String(recorded));
    const readableAllow = await runCli(['-w', wsDir, 'consent', 'set', '2', '--purpose', 'targeting', '--allow']);
    assert.match(readableAllow.stdout, /still leave the user out for targeting/);

    const bad: [string[], number, RegExp][] = [
      [['consent', 'set', '1', '--purpose', 'targeting'], 1, /say --allow or --deny/],
      [['consent', 'set', '1', '--purpose', 'targeting', '--allow', '--deny'], 2, /cannot be used with/],
      [['consent', 'set', '1', '--purpose', 'marketing', '--allow'], 2, /Allowed choices are targeting, personalisation/],
      [['consent', 'set', '1', '--allow'], 2, /required option '--purpose <purpose>'/],
      [['consent', 'show', 'abc'], 2, /expected a user id/],
      [['consent', 'summary', '--as-of', 'yesterday'], 2, /expected YYYY-MM-DD/],
      [['audit', '--action', 'delete'], 2, /Allowed choices are export, forget, consent/],
    ];
    for (const [args, code, message] of bad) {
      const r = await runCli(['-w', wsDir, ...args]);
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }

    const audit = JSON.parse((await runCli(['-w', wsDir, 'audit', '--json'])).stdout) as { action: string; subject: string }[];
    assert.deepEqual(audit.map((a) => a.action), ['consent', 'consent', 'consent', 'consent']);
    const newest = JSON.parse((await runCli(['-w', wsDir, 'audit', '--action', 'consent', '--limit', '1', '--json'])).stdout) as { subject: string; details: { previous: unknown } }[];
    assert.equal(newest.length, 1);
    assert.equal(newest[0]!.subject, sha256(`${JSON.parse(readFileSync(join(wsDir, 'portrait.json'), 'utf8')).salt}2`));
    const table = await runCli(['-w', wsDir, 'audit']);
    assert.match(table.stdout, /at \(UTC\) +action +subject +rows/);
    ws = await Workspace.open(wsDir);
  });

  test('audit entries are validated; the log lists oldest first', async () => {
    await assert.rejects(recordAudit(ws, { action: 'delete' as never, subject: 'x', rows: 1 }), /audit entry: action/);
    await assert.rejects(recordAudit(ws, { action: 'export', subject: '', rows: 1 }), /audit entry: subject/);
    await recordAudit(ws, { action: 'export', subject: 'seg', rows: 3, file: '/tmp/a.csv', at: new Date('2001-01-01T00:00:00Z') });
    const all = await listAudit(ws);
    assert.deepEqual(all[0], { at: new Date('2001-01-01T00:00:00Z'), action: 'export', subject: 'seg', rows: 3, file: '/tmp/a.csv', details: {} });
  });
});

describe('personal ids: hashed at ingest, in no export', () => {
  const { dir, cleanup } = tempDir('portrait-pii-');
  const wsDir = join(dir, 'ws');
  const USERS = 60;
  // Phones as people type them, iOS advertising ids (IDFA), street addresses: each has spaces or dashes,
  // so none can occur by chance inside a hex hash or a numeric id.
  const phone = (i: number) => `+86 139 ${String(i).padStart(4, '0')} 0000`;
  const device = (i: number) => `E621E1F8-C36C-495A-93FC-${String(i).padStart(12, '0')}`;
  const address = (i: number) => `No. ${i} Nanjing Road, Shanghai`;
  const CLEAR = '\\+86 139|E621E1F8-C36C|Nanjing Road';
  let ws: Workspace;

  before(async () => {
    const file = (name: string, lines: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    };
    const users = Array.from({ length: USERS }, (_, k) => k + 1);
    const files: [string, string][] = [
      ['users', file('users.csv', ['user_id,gender,city,phone', ...users.map((i) => `${i},${i % 2 ? 'female' : 'male'},Shanghai,${phone(i)}`)])],
      ['items', file('items.csv', ['item_id,category_id,price,title', ...Array.from({ length: 12 }, (_, k) => `${k + 1},${(k % 3) + 1},${10 + k}.00,item ${k + 1}`)])],
      [
        'events',
        file('events.csv', [
          'user_id,device_id,ts,type,item_id,category_id',
          ...users.flatMap((i) => [0, 1, 2, 3].map((d) => `${i},${device(i)},2017-11-2${d} 1${d}:00:00,${d === 3 ? 'buy' : 'pv'},${((i + d) % 12) + 1},${((i + d) % 3) + 1}`)),
        ]),
      ],
      ['orders', file('orders.csv', ['order_id,user_id,item_id,ts,amount,address,device_id', ...users.map((i) => `${1000 + i},${i},${((i + 3) % 12) + 1},2017-11-23 13:00:00,20.00,"${address(i)}",${device(i)}`)])],
      ['devices', file('devices.csv', ['device_id,model,os,price', ...users.map((i) => `${device(i)},Phone ${i % 3},android,${1000 + i}`)])],
      ['identity_links', file('links.csv', ['device_id,user_id,first_seen', ...users.map((i) => `${device(i)},${i},2017-11-20 10:00:00`)])],
    ];
    for (const [entity, path] of [['init', ''] as [string, string], ...files]) {
      const r = entity === 'init' ? await runCli(['init', wsDir]) : await runCli(['-w', wsDir, 'import', entity, path, '--no-progress']);
      assert.equal(r.code, 0, `${entity}: ${r.stderr}`);
    }
    for (const args of [['build'], ['recs', 'train']]) {
      const r = await runCli(['-w', wsDir, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const segment = file('everyone.json', [JSON.stringify({ name: 'everyone', condition: { tag: 'active_days_30d', op: '>=', value: 1 } })]);
    assert.equal((await runCli(['-w', wsDir, 'segment', 'define', segment])).code, 0);
    for (const args of [
      ['segment', 'export', 'everyone', '--out', join(dir, 'everyone.csv')],
      ['segment', 'export', 'everyone', '--out', join(dir, 'everyone.parquet')],
      ['recs', 'export', '--segment', 'everyone', '--out', join(dir, 'recs.csv')],
    ]) {
      const r = await runCli(['-w', wsDir, ...args]);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    ws = await Workspace.open(wsDir);
  });

  after(async () => {
    await ws.close();
    cleanup();
  });

  test('the warehouse holds salted hashes only: no clear phone, device id or address in any column of any table', async () => {
    const [stored] = await ws.wh.query<{ phone: string }>('SELECT phone FROM users WHERE user_id = 7');
    assert.equal(stored!.phone, sha256(`${ws.config.salt}${phone(7)}`));
    const columns = await ws.wh.query<{ s: string; t: string; c: string }>(
      `SELECT c.table_schema AS s, c.table_name AS t, c.column_name AS c FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
       WHERE t.table_type = 'BASE TABLE' AND c.table_catalog = current_database()`,
    );
    assert.ok(columns.length > 100);
    for (const { s, t, c } of columns) {
      const [hit] = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM "${s}"."${t}" WHERE regexp_matches(CAST("${c}" AS VARCHAR), $1)`, [CLEAR]);
      assert.equal(Number(hit!.n), 0, `${s}.${t}.${c}`);
    }
  });

  test('exports (segment CSV and Parquet, recommendations) carry user ids only: no personal id, clear or hashed', async () => {
    for (const name of ['everyone.csv', 'everyone.parquet', 'recs.csv']) {
      const path = join(dir, name);
      const reader = name.endsWith('.parquet') ? 'read_parquet($1)' : 'read_csv($1, header = true)';
      const [counts] = await ws.wh.query<{ n: number; clear: number; hashed: number }>(
        `WITH f AS (SELECT CAST(t AS VARCHAR) AS line FROM ${reader} t),
              hashes AS (SELECT phone AS h FROM users UNION SELECT device_id FROM events UNION SELECT address FROM orders UNION SELECT device_id FROM devices)
         SELECT (SELECT count(*) FROM f) AS n,
                (SELECT count(*) FROM f WHERE regexp_matches(line, $2)) AS clear,
                (SELECT count(*) FROM f, hashes WHERE h IS NOT NULL AND strpos(line, h) > 0) AS hashed`,
        [path, CLEAR],
      );
      assert.ok(Number(counts!.n) >= USERS, `${name} has rows`);
      assert.equal(Number(counts!.clear), 0, `${name}: clear personal ids`);
      assert.equal(Number(counts!.hashed), 0, `${name}: hashed personal ids`);
    }
    assert.equal(readFileSync(join(dir, 'everyone.csv'), 'utf8').split('\n')[0], 'user_id');
    assert.equal(readFileSync(join(dir, 'recs.csv'), 'utf8').split('\n')[0], 'user_id,rank,item_id,score,source,reason_en,reason_zh');
  });

  test('segment and recommendation exports are recorded in the audit log: the audience, the rows written, the file', async () => {
    const exports = await listAudit(ws, { action: 'export' });
    const recs = readFileSync(join(dir, 'recs.csv'), 'utf8').trim().split('\n').length - 1;
    assert.deepEqual(
      exports.map((e) => [e.subject, e.rows, e.file, e.details.format ?? e.details.kind, e.details.opted_out]),
      [
        ['everyone', USERS, resolve(join(dir, 'everyone.csv')), 'csv', 0],
        ['everyone', USERS, resolve(join(dir, 'everyone.parquet')), 'parquet', 0],
        ['recommendations: segment everyone', recs, resolve(join(dir, 'recs.csv')), 'recommendations', 0],
      ],
    );
  });
});
