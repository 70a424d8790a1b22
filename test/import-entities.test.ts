/** Generic entity importers: CSV, JSONL and Parquet into any importable table. */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PortraitError } from '../src/errors.js';
import { importEntity, parseMapping } from '../src/ingest/entities.js';
import { DuckDBWarehouse } from '../src/warehouse/duckdb.js';
import { Workspace } from '../src/workspace/workspace.js';

const FIXTURES = new URL('./fixtures/entities/', import.meta.url).pathname;
const fixture = (name: string) => join(FIXTURES, name);

let root: string;
const open: Workspace[] = [];

before(() => {
  root = mkdtempSync(join(tmpdir(), 'portrait-entities-'));
});

after(async () => {
  for (const ws of open) await ws.close();
  rmSync(root, { recursive: true, force: true });
});

let counter = 0;
async function workspace(): Promise<Workspace> {
  const ws = await Workspace.init(join(root, `ws${++counter}`));
  open.push(ws);
  return ws;
}

/** Writes a file into the test's temporary folder and returns its path. */
function temp(name: string, content: string): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

async function rows<R = Record<string, unknown>>(ws: Workspace, sql: string, params: (string | number)[] = []): Promise<R[]> {
  return ws.wh.query<R>(sql, params);
}

async function count(ws: Workspace, sql: string, params: (string | number)[] = []): Promise<number> {
  const r = await ws.wh.query<{ n: number }>(sql, params);
  return Number(r[0]?.n);
}

async function quarantine(ws: Workspace, batchId: number): Promise<{ line: number; reason: string; raw: string }[]> {
  return rows(ws, 'SELECT line, reason, raw FROM quarantine WHERE batch_id = $1 ORDER BY line', [batchId]);
}

const HEX64 = /^[0-9a-f]{64}$/;
const ts = (iso: string) => new Date(`${iso}Z`).getTime();

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<PortraitError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PortraitError, `expected a PortraitError, got ${String(error)}`);
    assert.match(`${error.message} ${error.hint ?? ''}`, pattern);
    return error;
  }
  assert.fail('expected the import to fail');
}

describe('CSV', () => {
  it('imports users with exact counts, hashing the phone and parsing both time forms', async () => {
    const ws = await workspace();
    const report = await importEntity(ws, 'users', fixture('users.csv'));
    assert.equal(report.entity, 'users');
    assert.equal(report.format, 'csv');
    assert.deepEqual(
      [report.rowsRead, report.rowsImported, report.rowsDuplicate, report.rowsQuarantined],
      [3, 3, 0, 0],
    );
    const users = await rows<{ user_id: number; gender: string | null; city: string; phone: string | null; registered_at: Date; birth_date: Date | null; points: number | null }>(
      ws,
      'SELECT user_id, gender, city, phone, registered_at, birth_date, points FROM users ORDER BY user_id',
    );
    assert.equal(users.length, 3);
    assert.equal(users[0]!.gender, 'female');
    assert.equal(users[2]!.city, 'Beijing, Chaoyang');
    assert.equal(users[2]!.gender, null);
    // ISO text is the platform's local time as written; Unix seconds are shifted by utcOffsetHours (+8).
    assert.equal(users[0]!.registered_at.getTime(), ts('2017-11-25T10:00:00'));
    assert.equal(users[1]!.registered_at.getTime(), ts('2017-11-25T10:00:00'));
    assert.equal(users[2]!.registered_at.getTime(), ts('2016-01-01T08:30:00'));
    assert.equal(users[1]!.birth_date, null);
    assert.equal(users[1]!.points, null);
    // Personal ids: a salted SHA-256, never the number itself.
    assert.match(users[0]!.phone!, HEX64);
    assert.notEqual(users[0]!.phone, '13800138000');
    assert.notEqual(users[0]!.phone, users[2]!.phone);
    assert.equal(users[1]!.phone, null);
    const batch = await rows<{ entity: string; format: string; rows_read: number; rows_imported: number }>(
      ws,
      'SELECT entity, format, rows_read, rows_imported FROM imports WHERE batch_id = $1',
      [report.batchIds[0]!],
    );
    assert.deepEqual(batch, [{ entity: 'users', format: 'csv', rows_read: 3, rows_imported: 3 }]);
  });

  it('replaces re-imported users: no duplicates, new values, stable phone hash', async () => {
    const ws = await workspace();
    await importEntity(ws, 'users', fixture('users.csv'));
    const before = await rows<{ phone: string }>(ws, 'SELECT phone FROM users WHERE user_id = 1');
    const report = await importEntity(ws, 'users', fixture('users-update.csv'));
    assert.deepEqual(
      [report.rowsRead, report.rowsImported, report.rowsDuplicate, report.rowsQuarantined],
      [3, 1, 2, 0],
    );
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM users'), 4);
    assert.equal(await count(ws, 'SELECT count(*) - count(DISTINCT user_id) AS n FROM users'), 0);
    const u1 = await rows<{ city: string; member_level: number; phone: string; birth_date: Date | null }>(
      ws,
      'SELECT city, member_level, phone, birth_date FROM users WHERE user_id = 1',
    );
    assert.equal(u1[0]!.city, 'Suzhou');
    assert.equal(u1[0]!.member_level, 3);
    assert.equal(u1[0]!.phone, before[0]!.phone, 'the same phone hashes the same way');
    // Replace means the whole row: a column the new file lacks is empty afterwards.
    assert.equal(u1[0]!.birth_date, null);
    const u3 = await rows<{ gender: string; city: string }>(ws, 'SELECT gender, city FROM users WHERE user_id = 3');
    assert.deepEqual(u3, [{ gender: 'male', city: 'Beijing' }]);
  });

  it('keeps the last of several rows with the same key in one file and notes it', async () => {
    const ws = await workspace();
    const file = temp('users-repeat.csv', 'user_id,city\n1,Shanghai\n2,Hangzhou\n1,Suzhou\n');
    const report = await importEntity(ws, 'users', file);
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsDuplicate], [3, 2, 1]);
    assert.deepEqual(await rows(ws, 'SELECT city FROM users WHERE user_id = 1'), [{ city: 'Suzhou' }]);
    assert.equal(report.notes.find((n) => n.code === 'repeated_keys')?.count, 1);
  });

  it('quarantines bad rows with their line and a readable reason', async () => {
    const ws = await workspace();
    const report = await importEntity(ws, 'events', fixture('events-bad.csv'));
    assert.deepEqual(
      [report.rowsRead, report.rowsImported, report.rowsDuplicate, report.rowsQuarantined],
      [9, 2, 0, 7],
    );
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), 2);
    const q = await quarantine(ws, report.batchIds[0]!);
    assert.deepEqual(
      q.map((r) => r.line),
      [3, 4, 5, 6, 7, 8, 9],
    );
    const reason = (line: number) => q.find((r) => r.line === line)!.reason;
    assert.equal(reason(3), 'user_id: expected an integer id, got "x"');
    assert.match(reason(4), /^type: expected one of pv, fav, cart, buy, .*invite_click, got "look"$/);
    assert.match(reason(5), /^ts: expected a time: ISO text .* or Unix seconds .*, got "yesterday"$/);
    assert.equal(reason(6), 'expected 5 columns (user_id,ts,type,item_id,amount), found 6');
    assert.equal(reason(7), 'missing user_id');
    assert.equal(reason(8), 'missing ts');
    assert.equal(reason(9), 'item_id: expected an integer id, got "abc"');
    assert.equal(q.find((r) => r.line === 5)!.raw, '3,yesterday,pv,100,');
    const amount = await rows<{ amount: number }>(ws, 'SELECT amount FROM events WHERE user_id = 7');
    assert.equal(amount[0]!.amount, 19.9);
  });

  it('finds the right line after quoted line breaks, blank lines and CRLF endings', async () => {
    const ws = await workspace();
    const file = temp(
      'devices-crlf.csv',
      [
        'device_id,model,os,price,emulator',
        '860000000000001,"Mi\r\n6",android,1999,false',
        '',
        ',iPhone,ios,5000,false',
        '860000000000002,P20,android,abc,false',
        '0123456789abcdef0123456789abcdef,"Mate ""X""",android,3000,true',
        '  ,Nokia,android,100,false',
        '860000000000003,V1,android,100,maybe',
        '',
      ].join('\r\n'),
    );
    const report = await importEntity(ws, 'devices', file);
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsQuarantined], [6, 2, 4]);
    // Lines are numbered as the engine numbers them: a quoted value spanning lines counts once. The
    // quarantined lines keep device ids only as the warehouse would store them (salted SHA-256).
    const stored = (id: string) => createHash('sha256').update(ws.config.salt + id).digest('hex');
    assert.deepEqual(await quarantine(ws, report.batchIds[0]!), [
      { line: 4, reason: 'missing device_id', raw: ',iPhone,ios,5000,false' },
      { line: 5, reason: 'price: expected an amount in yuan, like 12.50, got "abc"', raw: `${stored('860000000000002')},P20,android,abc,false` },
      { line: 7, reason: 'missing device_id', raw: '  ,Nokia,android,100,false' },
      { line: 8, reason: 'emulator: expected true or false, got "maybe"', raw: `${stored('860000000000003')},V1,android,100,maybe` },
    ]);
    const [hashed] = await rows<{ n: number }>(ws, 'SELECT count(*) AS n FROM devices WHERE device_id = $1', [stored('860000000000001')]);
    assert.equal(Number(hashed!.n), 1, 'the same hash as the stored rows');
    assert.deepEqual(
      (await rows<{ model: string }>(ws, 'SELECT model FROM devices ORDER BY model')).map((r) => r.model),
      ['Mate "X"', 'Mi\r\n6'],
    );
  });

  it('reads gzip, tab-separated and header-only files', async () => {
    const ws = await workspace();
    const { gzipSync } = await import('node:zlib');
    const gz = join(root, 'users.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(fixture('users.csv'))));
    const fromGz = await importEntity(ws, 'users', gz);
    assert.deepEqual([fromGz.rowsRead, fromGz.rowsImported], [3, 3]);
    const tsv = temp('categories-tab.csv', 'category_id\tparent_id\tname\n1\t\tBeauty\n2\t1\tLip, gloss\n');
    const fromTsv = await importEntity(ws, 'categories', tsv);
    assert.deepEqual([fromTsv.rowsRead, fromTsv.rowsImported, fromTsv.rowsQuarantined], [2, 2, 0]);
    assert.deepEqual(await rows(ws, 'SELECT category_id, parent_id, name FROM categories ORDER BY category_id'), [
      { category_id: 1, parent_id: null, name: 'Beauty' },
      { category_id: 2, parent_id: 1, name: 'Lip, gloss' },
    ]);
    const empty = await importEntity(ws, 'items', temp('items-empty.csv', 'item_id,title\n'));
    assert.deepEqual([empty.rowsRead, empty.rowsImported, empty.rowsQuarantined], [0, 0, 0]);
  });

  it('uses a supplied event_id: integers as they are, text hashed, repeats in the file skipped', async () => {
    const ws = await workspace();
    const file = temp(
      'events-ids.csv',
      'event_id,user_id,ts,type\n42,1,2017-11-25 10:00:00,pv\nevt-a,1,2017-11-25 10:01:00,pv\n42,2,2017-11-25 10:02:00,fav\n,3,2017-11-25 10:03:00,pv\n',
    );
    const report = await importEntity(ws, 'events', file);
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsDuplicate], [4, 3, 1]);
    const ids = await rows<{ event_id: bigint | number; user_id: number }>(ws, 'SELECT event_id, user_id FROM events ORDER BY user_id');
    assert.deepEqual(
      ids.map((r) => r.user_id),
      [1, 1, 3],
    );
    assert.equal(Number(ids.find((r) => Number(r.event_id) === 42)?.user_id), 1, 'the first row with id 42 is kept');
    assert.equal(report.notes.find((n) => n.code === 'repeated_keys')?.count, 1);
    const again = await importEntity(ws, 'events', file);
    assert.deepEqual([again.rowsImported, again.rowsDuplicate], [0, 4]);
  });

  it('stores device ids hashed, and keeps an MD5 id as it is (lower case)', async () => {
    const ws = await workspace();
    const report = await importEntity(ws, 'devices', fixture('devices.csv'));
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsQuarantined], [3, 3, 0]);
    const ids = (await rows<{ device_id: string; model: string }>(ws, 'SELECT device_id, model FROM devices ORDER BY model')).map((r) => [r.model, r.device_id]);
    const byModel = Object.fromEntries(ids) as Record<string, string>;
    assert.equal(byModel['iPhone 8'], '0123456789abcdef0123456789abcdef');
    for (const model of ['Mi 6', 'Mate 10']) {
      assert.match(byModel[model]!, HEX64);
      assert.notEqual(byModel[model], '860000000000001');
    }
    // The same id hashes the same way in every table: the events' device id joins the device.
    const events = temp('device-events.csv', 'user_id,device_id,ts,type\n1,860000000000001,2017-11-25 10:00:00,login\n');
    await importEntity(ws, 'events', events);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events e JOIN devices d USING (device_id)'), 1);
    // The salt is the workspace's: a raw SHA-256 of the id does not match.
    const unsalted = await rows<{ h: string }>(ws, "SELECT sha256('860000000000001') AS h");
    assert.notEqual(byModel['Mi 6'], unsalted[0]!.h);
  });
});

describe('JSONL', () => {
  it('imports events with exact counts; a re-import adds nothing', async () => {
    const ws = await workspace();
    const first = await importEntity(ws, 'events', fixture('events.jsonl'));
    assert.equal(first.format, 'jsonl');
    assert.deepEqual([first.rowsRead, first.rowsImported, first.rowsDuplicate, first.rowsQuarantined], [4, 4, 0, 0]);
    const second = await importEntity(ws, 'events', fixture('events.jsonl'));
    assert.deepEqual([second.rowsRead, second.rowsImported, second.rowsDuplicate, second.rowsQuarantined], [4, 0, 4, 0]);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), 4);
    assert.equal(await count(ws, 'SELECT count(DISTINCT event_id) AS n FROM events'), 4);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events WHERE batch_id = $1', [first.batchIds[0]!]), 4);

    const ev = await rows<{ user_id: number; type: string; ts: Date; device_id: string | null; amount: number | null; properties: string | null; dwell_s: number | null }>(
      ws,
      'SELECT user_id, type, ts, device_id, amount, properties, dwell_s FROM events ORDER BY ts',
    );
    assert.deepEqual(
      ev.map((e) => [e.user_id, e.type, new Date(e.ts).toISOString().slice(0, 19)]),
      [
        [1, 'pv', '2017-11-25T10:00:00'], // ISO text: local time as written
        [1, 'cart', '2017-11-25T10:01:00'], // Unix seconds 1511575260 = 02:01 UTC = 10:01 at UTC+8
        [2, 'buy', '2017-11-25T10:02:00'], // 02:02Z converted to the platform's local time
        [3, 'live_watch', '2017-11-25T10:03:00'], // +08:00 is already local
      ],
    );
    assert.match(ev[0]!.device_id!, HEX64);
    assert.equal(ev[0]!.device_id, ev[1]!.device_id);
    assert.equal(ev[2]!.device_id, '0123456789abcdef0123456789abcdef');
    assert.equal(ev[3]!.device_id, null);
    assert.equal(ev[2]!.amount, 35.5);
    assert.deepEqual(JSON.parse(ev[2]!.properties!), { coupon: 'C10', page: 'detail' });
    assert.equal(ev[3]!.dwell_s, 95.5);
  });

  it('quarantines bad lines with their line numbers and reasons', async () => {
    const ws = await workspace();
    const report = await importEntity(ws, 'events', fixture('events-bad.jsonl'));
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsQuarantined], [8, 2, 6]);
    const q = await quarantine(ws, report.batchIds[0]!);
    assert.deepEqual(
      q.map((r) => [r.line, r.reason.replace(/one of pv, .*?, got/, 'one of ..., got')]),
      [
        [2, 'not valid JSON'],
        [3, 'expected a JSON object, got array'],
        [4, 'user_id: expected an integer id, got "abc"'],
        [5, 'missing user_id'],
        [6, 'type: expected one of ..., got "PV"; amount: expected an amount in yuan, like 12.50, got "ten"'],
        [7, 'ts: expected a time: ISO text like 2017-11-25 10:00:00, or Unix seconds between 1970 and 2100, got "99999999999"; properties: expected a JSON object, got "[1,2]"'],
      ],
    );
    assert.equal(q[0]!.raw, '{"user_id": 2, "ts": "2017-11-25 10:00:00", "type": "pv"');
  });

  it('imports gzip-compressed JSONL', async () => {
    const ws = await workspace();
    const { gzipSync } = await import('node:zlib');
    const path = join(root, 'events.ndjson.gz');
    writeFileSync(path, gzipSync(readFileSync(fixture('events.jsonl'))));
    const report = await importEntity(ws, 'events', path);
    assert.deepEqual([report.format, report.rowsRead, report.rowsImported], ['jsonl', 4, 4]);
  });

  it('rejects a key no line maps to a model column', async () => {
    const ws = await workspace();
    const file = temp('events-extra.jsonl', '{"user_id":1,"ts":1511575200,"type":"pv"}\n{"user_id":1,"ts":1511575200,"type":"pv","colour":"red"}\n');
    await rejectsWith(importEntity(ws, 'events', file), /unknown column "colour" \(first on line 2\) for events/);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), 0);
  });
});

describe('Parquet', () => {
  let itemsFile: string;
  before(async () => {
    itemsFile = join(root, 'items.parquet');
    const db = await DuckDBWarehouse.open(':memory:');
    try {
      await db.run(
        `COPY (SELECT * FROM (VALUES
            (1::BIGINT, 10, 'Acme', 12.5::DOUBLE, true, 'yes', TIMESTAMP '2017-11-11 00:00:00', 'Tissue'),
            (2, 11, 'Bolt', 99.99, false, 'no', NULL, 'Sneaker'),
            (3, 12, NULL, NULL, NULL, 'maybe', NULL, 'Lipstick'),
            (4, NULL, 'Acme', 5, true, NULL, NULL, 'Soap'))
          t(sku, category_id, brand, price, consumable, limited, released_at, title))
         TO '${itemsFile}' (FORMAT parquet)`,
      );
    } finally {
      await db.close();
    }
  });

  it('imports items with a mapping; a bad row is quarantined with its row number', async () => {
    const ws = await workspace();
    const report = await importEntity(ws, 'items', itemsFile, { mapping: parseMapping('item_id=sku', 'items') });
    assert.equal(report.format, 'parquet');
    assert.deepEqual([report.rowsRead, report.rowsImported, report.rowsDuplicate, report.rowsQuarantined], [4, 3, 0, 1]);
    const q = await quarantine(ws, report.batchIds[0]!);
    assert.equal(q.length, 1);
    assert.equal(q[0]!.line, 3);
    assert.equal(q[0]!.reason, 'limited: expected true or false, got "maybe"');
    assert.equal(JSON.parse(q[0]!.raw).sku, 3);
    const items = await rows<{ item_id: number; price: number | null; limited: boolean | null; released_at: Date | null }>(
      ws,
      'SELECT item_id, price, limited, released_at FROM items ORDER BY item_id',
    );
    assert.deepEqual(
      items.map((i) => [i.item_id, i.price, i.limited]),
      [
        [1, 12.5, true],
        [2, 99.99, false],
        [4, 5, null],
      ],
    );
    assert.equal(items[0]!.released_at!.getTime(), ts('2017-11-11T00:00:00'));
  });

  it('replaces items on a re-import', async () => {
    const ws = await workspace();
    const mapping = { item_id: 'sku' };
    await importEntity(ws, 'items', itemsFile, { mapping });
    const again = await importEntity(ws, 'items', itemsFile, { mapping });
    assert.deepEqual([again.rowsRead, again.rowsImported, again.rowsDuplicate, again.rowsQuarantined], [4, 0, 3, 1]);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM items'), 3);
  });
});

describe('mapping', () => {
  it('maps source columns to model columns', async () => {
    const ws = await workspace();
    const mapping = parseMapping('user_id=uid, gender=sex,city=home_city,phone=mobile');
    assert.deepEqual(mapping, { user_id: 'uid', gender: 'sex', city: 'home_city', phone: 'mobile' });
    const report = await importEntity(ws, 'users', fixture('users-mapped.csv'), { mapping });
    assert.deepEqual([report.rowsRead, report.rowsImported], [2, 2]);
    const users = await rows<{ user_id: number; gender: string; city: string; phone: string | null }>(
      ws,
      'SELECT user_id, gender, city, phone FROM users ORDER BY user_id',
    );
    assert.deepEqual(
      users.map((u) => [u.user_id, u.gender, u.city]),
      [
        [10, 'female', 'Guangzhou'],
        [11, 'male', 'Shenzhen'],
      ],
    );
    assert.match(users[0]!.phone!, HEX64);
    assert.equal(users[1]!.phone, null);
  });

  it('gives clear errors for malformed specs and unknown targets', () => {
    for (const spec of ['', 'user_id', 'user_id=', '=uid', 'user_id=uid,,ts=time', 'a=b=c']) {
      assert.throws(() => parseMapping(spec), (e: unknown) => e instanceof PortraitError && /malformed mapping/.test(e.message), spec);
    }
    assert.throws(() => parseMapping('user_id=a,user_id=b'), /maps user_id twice/);
    assert.throws(() => parseMapping('colour=c'), (e: unknown) => e instanceof PortraitError && /"colour" is not a column of any importable entity/.test(e.message));
    assert.throws(() => parseMapping('ts=time', 'users'), (e: unknown) => e instanceof PortraitError && /"ts" is not a column of users/.test(e.message));
    assert.deepEqual(parseMapping('ts=time,user_id=uid', 'events'), { ts: 'time', user_id: 'uid' });
  });

  it('refuses a mapping whose source column is not in the file', async () => {
    const ws = await workspace();
    await rejectsWith(
      importEntity(ws, 'users', fixture('users-mapped.csv'), { mapping: { user_id: 'userid' } }),
      /users-mapped\.csv: mapping user_id=userid: the file has no column "userid"/,
    );
  });
});

describe('errors and safety', () => {
  it('names the valid entities for an unknown one', async () => {
    const ws = await workspace();
    const error = await rejectsWith(importEntity(ws, 'customers', fixture('users.csv')), /unknown entity "customers"/);
    assert.match(error.hint ?? '', /events, users, items, categories, orders, reviews, content, creators, live_streams, social_edges, devices, identity_links, consents/);
  });

  it('names the file and the column for a missing required column or an unknown one', async () => {
    const ws = await workspace();
    const noTs = temp('events-no-ts.csv', 'user_id,type\n1,pv\n');
    await rejectsWith(importEntity(ws, 'events', noTs), /events-no-ts\.csv: missing required column ts for events/);
    const extra = temp('users-extra.csv', 'user_id,city,shoe_size\n1,Shanghai,42\n');
    const error = await rejectsWith(importEntity(ws, 'users', extra), /users-extra\.csv: unknown column "shoe_size" for users/);
    assert.match(error.hint ?? '', /map it with <column>=shoe_size/);
    const batch = temp('events-batch.csv', 'user_id,ts,type,batch_id\n1,1511575200,pv,9\n');
    await rejectsWith(importEntity(ws, 'events', batch), /column "batch_id" cannot be imported/);
    await rejectsWith(importEntity(ws, 'users', temp('users.txt', 'user_id\n1\n')), /cannot tell the format/);
    await rejectsWith(importEntity(ws, 'users', join(root, 'nowhere.csv')), /cannot read .*nowhere\.csv/);
    await rejectsWith(importEntity(ws, 'users', temp('empty.csv', '')), /empty\.csv: no header line/);
    await rejectsWith(importEntity(ws, 'items', temp('broken.parquet', 'not parquet at all')), /broken\.parquet: cannot read it as Parquet/);
    await rejectsWith(importEntity(ws, 'users', fixture('users.csv'), { mapping: { shoe_size: 'x' } }), /"shoe_size" is not a column of users/);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 0);
  });

  it('with maxErrors 0, stores nothing from a file with bad rows and keeps earlier data', async () => {
    const ws = await workspace();
    await importEntity(ws, 'users', fixture('users.csv'));
    await importEntity(ws, 'events', fixture('events.jsonl'));
    const error = await rejectsWith(
      importEntity(ws, 'events', fixture('events-bad.csv'), { maxErrors: 0 }),
      /events-bad\.csv: 7 bad row\(s\), more than --max-errors 0; nothing was imported/,
    );
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM users'), 3);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), 4);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 2);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM quarantine'), 0);
    // The rejected lines are saved for the user to read.
    const saved = /in (\S+\.csv)/.exec(error.hint ?? '')?.[1];
    assert.ok(saved && existsSync(saved), `saved rejects at ${saved}`);
    assert.match(readFileSync(saved, 'utf8'), /missing user_id/);
    // Below the limit the same file imports.
    const ok = await importEntity(ws, 'events', fixture('events-bad.csv'), { maxErrors: 7 });
    assert.equal(ok.rowsQuarantined, 7);
  });

  it('an aborted import leaves the workspace unchanged', async () => {
    const ws = await workspace();
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(importEntity(ws, 'users', fixture('users.csv'), { signal: controller.signal }), /interrupted/);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM users'), 0);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 0);
  });

  it('skips social edges already stored', async () => {
    const ws = await workspace();
    const file = temp('edges.csv', 'src_user_id,dst_user_id,kind,ts\n1,2,invite,2017-11-25 10:00:00\n1,3,share,1511575200\n1,2,invite,2017-11-25 10:00:00\n');
    const first = await importEntity(ws, 'social_edges', file);
    assert.deepEqual([first.rowsRead, first.rowsImported, first.rowsDuplicate], [3, 2, 1]);
    const second = await importEntity(ws, 'social_edges', file);
    assert.deepEqual([second.rowsRead, second.rowsImported, second.rowsDuplicate], [3, 0, 3]);
    assert.equal(await count(ws, 'SELECT count(*) AS n FROM social_edges'), 2);
  });
});
