import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { workspaceStats } from '../src/analytics/stats.js';
import { PortraitError } from '../src/errors.js';
import { listQuarantine } from '../src/ingest/quarantine.js';
import { importTaobao, TAOBAO_BEHAVIOUR_TYPE, taobaoEventKeySql } from '../src/ingest/taobao.js';
import { count, SAMPLE, tempWorkspace } from './helpers.js';

// Counts of the real sample, established independently with coreutils:
//   wc -l; cut -d, -f1 | sort -u | wc -l; cut -d, -f4 | sort | uniq -c; awk '$4=="buy"' ...
const GOLDEN_KEY = 12441940252289217673n;

const SAMPLE_COUNTS = {
  rows: 4321,
  users: 43,
  items: 3276,
  categories: 567,
  byType: { pv: 3926, cart: 190, fav: 128, buy: 77 },
  buyers: 23,
};

test('the real Taobao sample imports with exact counts', async () => {
  const { ws, done } = await tempWorkspace();
  const report = await importTaobao(ws, [SAMPLE], { progress: false });
  assert.equal(report.rowsRead, SAMPLE_COUNTS.rows);
  assert.equal(report.rowsImported, SAMPLE_COUNTS.rows);
  assert.equal(report.rowsQuarantined, 0);
  assert.equal(report.rowsDuplicate, 0);

  const stats = await workspaceStats(ws.wh);
  assert.equal(stats.events, SAMPLE_COUNTS.rows);
  assert.equal(stats.users, SAMPLE_COUNTS.users);
  assert.equal(stats.items, SAMPLE_COUNTS.items);
  assert.equal(stats.categories, SAMPLE_COUNTS.categories);
  assert.deepEqual(stats.eventsByType, SAMPLE_COUNTS.byType);
  assert.equal(stats.buyers, SAMPLE_COUNTS.buyers);
  // Taobao buys carry no amount and there are no item prices: GMV is not invented.
  assert.equal(stats.buysWithoutAmount, SAMPLE_COUNTS.byType.buy);
  assert.equal(stats.gmv, 0);
  // Times are Beijing wall-clock: the first event of the main window is just after midnight on 11-25.
  assert.equal(stats.from?.toISOString(), '2017-09-11T16:16:39.000Z');
  const [main] = await ws.wh.query<{ first: Date }>("SELECT min(ts) AS first FROM events WHERE ts >= '2017-11-01'");
  assert.equal(main?.first.toISOString(), '2017-11-25T00:00:41.000Z');
  assert.equal(stats.to?.toISOString().slice(0, 10), '2017-12-03');
  await done();
});

test('the outlier event of 2017-09-11 is kept, counted and reported', async () => {
  const { ws, done } = await tempWorkspace();
  const report = await importTaobao(ws, [SAMPLE], { progress: false });
  assert.equal(report.notes.length, 1);
  const note = report.notes[0]!;
  assert.equal(note.code, 'outside_main_window');
  assert.equal(note.count, 1);
  assert.match(note.detail, /2017-11-25\.\.2017-12-03/);
  assert.match(note.detail, /2017-09-11/);
  assert.equal(await count(ws, "SELECT count(*) AS n FROM events WHERE ts < '2017-11-01'"), 1);
  assert.equal(await count(ws, "SELECT count(*) AS n FROM quality_notes WHERE code = 'outside_main_window'"), 1);
  await done();
});

test('importing the same file twice (or its gzip) does not duplicate events', async () => {
  const { ws, dir, done } = await tempWorkspace();
  await importTaobao(ws, [SAMPLE], { progress: false });
  const again = await importTaobao(ws, [SAMPLE], { progress: false });
  assert.equal(again.rowsRead, SAMPLE_COUNTS.rows);
  assert.equal(again.rowsImported, 0);
  assert.equal(again.rowsDuplicate, SAMPLE_COUNTS.rows);
  const gz = join(dir, 'sample.csv.gz');
  writeFileSync(gz, gzipSync(readFileSync(SAMPLE)));
  const zipped = await importTaobao(ws, [gz], { progress: false });
  assert.equal(zipped.rowsRead, SAMPLE_COUNTS.rows);
  assert.equal(zipped.rowsDuplicate, SAMPLE_COUNTS.rows);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), SAMPLE_COUNTS.rows);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 3);
  await done();
});

test('the event key is stable across engine versions (golden value)', async () => {
  // If an engine upgrade changes this hash, files imported before it would be imported again as new
  // events: migrate the stored keys in that upgrade. Value: the sample's first row.
  const { ws, done } = await tempWorkspace();
  await importTaobao(ws, [SAMPLE], { progress: false });
  const [computed] = await ws.wh.query<{ k: bigint }>(
    `SELECT ${taobaoEventKeySql(ws.wh.dialect)} AS k FROM (SELECT 1::BIGINT AS user_id, 2268318::BIGINT AS item_id,
       2520377::BIGINT AS category_id, CAST('pv' AS ${TAOBAO_BEHAVIOUR_TYPE}) AS behavior_type, 1511544070::BIGINT AS timestamp)`,
  );
  const [stored] = await ws.wh.query<{ event_id: bigint }>(
    "SELECT event_id FROM events WHERE user_id = 1 AND item_id = 2268318 AND type = 'pv'",
  );
  assert.equal(computed?.k, GOLDEN_KEY);
  assert.equal(stored?.event_id, GOLDEN_KEY);
  await done();
});

const MALFORMED = [
  '1,100,10,pv,1511544070', // 1 good
  '2,101,10,xx,1511544070', // 2 unknown behaviour
  ',102,10,pv,1511544070', // 3 missing user
  '4,103,10,pv', // 4 too few columns
  '5,104,10,buy,abc', // 5 unparsable time
  '6,105,10,cart,1511544070,9', // 6 too many columns
  '7,abc,10,fav,1511544070', // 7 unparsable item id
  '8,106,10,fav,99999999999999', // 8 implausible time
  '9,107,10,buy,1511544071', // 9 good
  '10,108', // 10 three columns missing
].join('\n');

test('bad rows go to the quarantine with line and reason; good rows are imported', async () => {
  const { ws, dir, done } = await tempWorkspace();
  const file = join(dir, 'bad.csv');
  writeFileSync(file, `${MALFORMED}\n`);
  const report = await importTaobao(ws, [file], { progress: false });
  assert.equal(report.rowsRead, 10);
  assert.equal(report.rowsImported, 2);
  assert.equal(report.rowsQuarantined, 8);
  const q = await listQuarantine(ws.wh);
  assert.equal(q.total, 8);
  const byLine = Object.fromEntries(q.rows.map((r) => [r.line, r]));
  assert.equal(byLine[2]?.reason, 'behavior_type: expected one of pv, fav, cart, buy, got "xx"');
  assert.equal(byLine[3]?.reason, 'missing user_id');
  assert.equal(byLine[4]?.reason, 'expected 5 columns (user_id,item_id,category_id,behavior_type,timestamp), found 4');
  assert.equal(byLine[5]?.reason, 'timestamp: expected Unix seconds, got "abc"');
  assert.equal(byLine[6]?.reason, 'expected 5 columns (user_id,item_id,category_id,behavior_type,timestamp), found 6');
  assert.equal(byLine[7]?.reason, 'item_id: expected an integer item id, got "abc"');
  assert.equal(byLine[8]?.reason, 'timestamp: expected Unix seconds between 1970 and 2100, got 99999999999999');
  assert.equal(byLine[10]?.reason, 'expected 5 columns (user_id,item_id,category_id,behavior_type,timestamp), found 2');
  assert.equal(byLine[4]?.raw, '4,103,10,pv');
  assert.ok(q.rows.every((r) => r.file === file && r.entity === 'events'));
  assert.deepEqual(
    (await ws.wh.query<{ user_id: number }>('SELECT user_id FROM events ORDER BY user_id')).map((r) => r.user_id),
    [1, 9],
  );
  await done();
});

test('--max-errors 0 stores nothing from the run and keeps what was stored before', async () => {
  const { ws, dir, done } = await tempWorkspace();
  await importTaobao(ws, [SAMPLE], { progress: false });
  const file = join(dir, 'bad.csv');
  writeFileSync(file, MALFORMED);
  await assert.rejects(importTaobao(ws, [SAMPLE, file], { progress: false, maxErrors: 0 }), (e: unknown) => {
    assert.ok(e instanceof PortraitError);
    assert.match(e.message, /8 bad row\(s\), more than --max-errors 0; nothing was imported/);
    const saved = /in (\S+rejected-batch-\d+\.csv)/.exec(e.hint ?? '')?.[1];
    assert.ok(saved && existsSync(saved), 'rejected rows saved for reading');
    assert.match(readFileSync(saved, 'utf8'), /missing user_id/);
    return true;
  });
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), SAMPLE_COUNTS.rows);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM quarantine'), 0);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 1);
  // Within the limit, the same file imports its good rows.
  const ok = await importTaobao(ws, [file], { progress: false, maxErrors: 8 });
  assert.equal(ok.rowsImported, 2);
  await done();
});

test('an import interrupted mid-way (Ctrl-C) leaves the workspace as it was', async () => {
  const { ws, dir, done } = await tempWorkspace();
  await importTaobao(ws, [SAMPLE], { progress: false });
  const big = join(dir, 'big.csv');
  await ws.wh.run(
    `COPY (SELECT i % 50000 AS u, i AS it, i % 900 AS c, 'pv' AS b, 1511539200 + i % 700000 AS t FROM range(3000000) r(i))
     TO $1 (HEADER false)`,
    [big],
  );
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150);
  await assert.rejects(importTaobao(ws, [big], { progress: false, signal: controller.signal }), /interrupted; nothing from this run was stored/);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM events'), SAMPLE_COUNTS.rows);
  assert.equal(await count(ws, 'SELECT count(*) AS n FROM imports'), 1);
  await done();
});

test('a missing file is named in the error', async () => {
  const { ws, done } = await tempWorkspace();
  await assert.rejects(importTaobao(ws, ['/nowhere/UserBehavior.csv']), /cannot read \/nowhere\/UserBehavior\.csv/);
  await done();
});
