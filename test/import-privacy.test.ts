/** Imports and privacy: rejected lines keep personal ids only hashed; consent imports are audited. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importEntity } from '../src/ingest/entities.js';
import { maskCsvLine, maskJsonLine, storedPersonalId, WITHHELD_LINE } from '../src/ingest/quarantine-privacy.js';
import { tempWorkspace } from './helpers.js';

const SALT = 'pepper-pepper-pepper';
const sha = (v: string) => createHash('sha256').update(SALT + v).digest('hex');

test('masking lines: CSV fields by position (quotes kept valid), JSON keys, MD5 kept, unsplittable lines withheld', () => {
  assert.equal(storedPersonalId(' 13800000000 ', SALT), sha('13800000000'));
  assert.equal(storedPersonalId('0123456789ABCDEF0123456789ABCDEF', SALT), '0123456789abcdef0123456789abcdef');
  assert.equal(storedPersonalId('  ', SALT), null);
  assert.equal(maskCsvLine('7,"Shang,hai",13800000000', ',', 3, [2], SALT), `7,"Shang,hai",${sha('13800000000')}`);
  assert.equal(maskCsvLine('7,Shanghai,', ',', 3, [2], SALT), '7,Shanghai,');
  assert.equal(maskCsvLine('7;x;"138 0000"', ';', 3, [2], SALT), `7;x;${sha('138 0000')}`);
  assert.equal(maskCsvLine('7,Shanghai,13800000000,extra', ',', 3, [2], SALT), WITHHELD_LINE);
  assert.equal(maskJsonLine('{"user_id":7,"phone":13800000000,"city":"Wuhan"}', ['phone'], SALT), `{"user_id":7,"phone":"${sha('13800000000')}","city":"Wuhan"}`);
  assert.equal(maskJsonLine('{"user_id":7,"phone":null}', ['phone'], SALT), '{"user_id":7,"phone":null}');
  assert.equal(maskJsonLine('{"user_id": 7, "phone": "1380', ['phone'], SALT), WITHHELD_LINE);
  assert.equal(maskJsonLine('[1, 2]', ['phone'], SALT), WITHHELD_LINE);
});

test('a bad users CSV and a bad events JSONL quarantine their lines without the phone or device id in the clear, in the table and in the rejected-batch file', async () => {
  const { ws, dir, done } = await tempWorkspace();
  try {
    const salted = (v: string) => createHash('sha256').update(ws.config.salt + v).digest('hex');
    const users = join(dir, 'users.csv');
    writeFileSync(users, 'uid,phone,city\n1,13800000001,Shanghai\nx,13800000002,Hangzhou\n3,13800000003,Suzhou,extra\n');
    const u = await importEntity(ws, 'users', users, { mapping: { user_id: 'uid' } });
    assert.equal(u.rowsQuarantined, 2);
    const q = await ws.wh.query<{ line: number; raw: string }>('SELECT line, raw FROM quarantine WHERE batch_id = $1 ORDER BY line', [u.batchIds[0]!]);
    assert.deepEqual(q.map((r) => [Number(r.line), r.raw]), [
      [3, `x,${salted('13800000002')},Hangzhou`],
      [4, WITHHELD_LINE],
    ]);
    // The stored user's phone is the same hash the quarantine uses.
    const [stored] = await ws.wh.query<{ phone: string }>('SELECT phone FROM users WHERE user_id = 1');
    assert.equal(stored!.phone, salted('13800000001'));

    const events = join(dir, 'events.jsonl');
    writeFileSync(events, '{"user_id":1,"ts":"2017-11-25 10:00:00","type":"pv","device_id":"IDFA-AAA"}\n{"user_id":2,"ts":"never","type":"pv","device_id":"IDFA-BBB"}\n');
    await assert.rejects(importEntity(ws, 'events', events, { maxErrors: 0 }), /nothing was imported/);
    const saved = readFileSync(join(ws.paths.quarantine, 'rejected-batch-2.csv'), 'utf8');
    assert.ok(!saved.includes('IDFA-BBB'), saved);
    assert.ok(saved.includes(salted('IDFA-BBB')), saved);
    const all = await ws.wh.query<{ raw: string }>('SELECT raw FROM quarantine');
    assert.ok(all.every((r) => !/1380000000[23]|IDFA-/.test(r.raw)));
  } finally {
    await done();
  }
});

test('an import of consents is recorded in the audit log, like a consent changed by hand', async () => {
  const { ws, dir, done } = await tempWorkspace();
  try {
    const file = join(dir, 'consents.csv');
    writeFileSync(file, 'user_id,purpose,allowed\n1,targeting,false\n2,personalisation,true\n3,targeting,maybe\n');
    const report = await importEntity(ws, 'consents', file);
    assert.equal(report.rowsImported, 2);
    const { listAudit } = await import('../src/privacy/audit.js');
    const audit = await listAudit(ws, { action: 'consent' });
    assert.deepEqual(audit.map((a) => [a.subject, a.rows, a.file, a.details.quarantined]), [['import', 2, file, 1]]);
  } finally {
    await done();
  }
});
