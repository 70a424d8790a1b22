import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duckdbDialect } from '../src/warehouse/dialect.js';
import { DuckDBWarehouse } from '../src/warehouse/duckdb.js';

test('bound parameters stay values: a hostile string is stored as text, not run', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  await wh.run('CREATE TABLE t (name VARCHAR, n BIGINT)');
  const hostile = "x'); DROP TABLE t; --";
  await wh.run('INSERT INTO t VALUES ($1, $2)', [hostile, 7]);
  const rows = await wh.query<{ name: string; n: number }>('SELECT name, n FROM t WHERE name = $1', [hostile]);
  assert.deepEqual(rows, [{ name: hostile, n: 7 }]);
  await wh.close();
});

test('a failed transaction leaves the table as it was', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  await wh.run('CREATE TABLE t (n BIGINT)');
  await wh.run('INSERT INTO t VALUES (1)');
  await assert.rejects(
    wh.transaction(async () => {
      await wh.run('INSERT INTO t VALUES (2), (3)');
      throw new Error('crash mid-way');
    }),
    /crash mid-way/,
  );
  const rows = await wh.query<{ n: number }>('SELECT n FROM t ORDER BY n');
  assert.deepEqual(rows, [{ n: 1 }]);
  await wh.close();
});

test('append stores many rows with engine casts and reports rows changed', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  await wh.run('CREATE TABLE t (id BIGINT, price DECIMAL(18,2), seen_at TIMESTAMP, note VARCHAR)');
  const rows = Array.from({ length: 1234 }, (_, i) => [i, i / 4, new Date(Date.UTC(2017, 10, 25, 0, 0, i)), i % 2 ? null : `n${i}`]);
  await wh.append('t', rows);
  const [agg] = await wh.query<{ n: number; total: number; last: Date; notes: number }>(
    'SELECT count(*) AS n, sum(price) AS total, max(seen_at) AS last, count(note) AS notes FROM t',
  );
  assert.equal(agg?.n, 1234);
  assert.equal(agg?.total, (1233 * 1234) / 2 / 4);
  assert.equal(agg?.last.toISOString(), '2017-11-25T00:20:33.000Z');
  assert.equal(agg?.notes, 617);
  assert.equal(await wh.run('DELETE FROM t WHERE id < 10'), 10);
  await wh.close();
});

test('dialect refuses identifiers that are not plain names', () => {
  assert.equal(duckdbDialect.ident('events'), '"events"');
  assert.throws(() => duckdbDialect.ident('events; DROP TABLE users'), /not a valid identifier/);
});

test('Unix seconds become the platform local time', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  const [row] = await wh.query<{ t: Date }>(`SELECT ${duckdbDialect.fromUnixSeconds('1511539241', 8)} AS t`);
  // 1511539241 is 2017-11-24 16:00:41 UTC, the first second of 2017-11-25 in Beijing.
  assert.equal(row?.t.toISOString(), '2017-11-25T00:00:41.000Z');
  await wh.close();
});

test('lookup: a kept statement reads new rows, follows a table replaced under it, and fails once it is gone', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    await wh.run('CREATE TABLE t AS SELECT * FROM (VALUES (1, 10), (2, 20)) v(user_id, v)');
    const sql = 'SELECT v FROM t WHERE user_id = $1';
    assert.deepEqual(await wh.lookup(sql, [1]), [{ v: 10 }]);
    assert.deepEqual(await wh.lookup(sql, [2]), [{ v: 20 }]);
    await wh.run('INSERT INTO t VALUES (3, 30)');
    assert.deepEqual(await wh.lookup(sql, [3]), [{ v: 30 }]);
    // Retraining swaps a staging table in under the same name: the kept statement must read the new one.
    await wh.run('CREATE TABLE s AS SELECT 1 AS user_id, 11 AS v, 0 AS extra');
    await wh.run('DROP TABLE t');
    await wh.run('ALTER TABLE s RENAME TO t');
    assert.deepEqual(await wh.lookup(sql, [1]), [{ v: 11 }]);
    await wh.run('DROP TABLE t');
    await assert.rejects(wh.lookup(sql, [1]), /does not exist/);
  } finally {
    await wh.close();
  }
});

test('appendColumns: typed arrays into INTEGER and DOUBLE columns, exactly, across many chunks, temp tables too', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const n = 5000; // more than two of the engine's 2,048-row chunks
    const ids = Int32Array.from({ length: n + 10 }, (_, i) => i - 7);
    const values = Float64Array.from({ length: n + 10 }, (_, i) => i / 3 + 0.1);
    await wh.run('CREATE TEMP TABLE t (id INTEGER, v DOUBLE)');
    await wh.appendColumns('t', [ids, values], { temporary: true, rows: n });
    const [r] = await wh.query<{ n: number; min: number; max: number; exact: number }>(
      'SELECT count(*) AS n, min(id) AS min, max(id) AS max, count(*) FILTER (WHERE v = (id + 7) / 3 + 0.1) AS exact FROM t',
    );
    assert.deepEqual(r, { n, min: -7, max: n - 8, exact: n });
    await wh.run('CREATE TABLE p (id INTEGER)');
    await wh.appendColumns('p', [Int32Array.of(4, 5, 6)]);
    assert.deepEqual(await wh.query('SELECT sum(id) AS s FROM p'), [{ s: 15 }]);
    await assert.rejects(wh.appendColumns('p', [Int32Array.of(1)], { rows: 2 }), /shorter than 2 rows/);
  } finally {
    await wh.close();
  }
});

test('scanColumns: a numeric result in order as typed-array chunks; other column types are refused', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    const seen: number[] = [];
    let chunks = 0;
    const rows = await wh.scanColumns(
      'SELECT CAST(range AS INTEGER) AS i, range / 2 AS h, CAST(NULL AS INTEGER) AS z, CASE WHEN range % 3 = 0 THEN NULL ELSE range / 4 END AS m FROM range(5000)',
      [],
      (columns, n) => {
        chunks++;
        const [i, h, z, m] = columns;
        assert.ok(i instanceof Int32Array && h instanceof Float64Array && z instanceof Int32Array && m instanceof Float64Array);
        for (let r = 0; r < n; r++) {
          assert.equal(h[r], i[r]! / 2);
          assert.equal(z[r], 0);
          // Some nulls in a chunk: read one by one, a null as 0.
          assert.equal(m[r], i[r]! % 3 === 0 ? 0 : i[r]! / 4);
          seen.push(i[r]!);
        }
      },
    );
    assert.equal(rows, 5000);
    assert.ok(chunks >= 3);
    assert.deepEqual(seen, Array.from({ length: 5000 }, (_, k) => k));
    await assert.rejects(wh.scanColumns("SELECT 'a' AS t", [], () => {}), /column t is not INTEGER or DOUBLE/);
  } finally {
    await wh.close();
  }
});

test('lookup: calls that overlap each get their own rows', async () => {
  const wh = await DuckDBWarehouse.open(':memory:');
  try {
    await wh.run('CREATE TABLE t AS SELECT range AS user_id, range * 10 AS v FROM range(200)');
    const sql = 'SELECT user_id, v FROM t WHERE user_id = $1';
    for (let round = 0; round < 20; round++) {
      const ids = Array.from({ length: 8 }, (_, i) => round * 8 + i);
      const results = await Promise.all(ids.map((id) => wh.lookup<{ user_id: number; v: number }>(sql, [id])));
      assert.deepEqual(results.map((r) => r[0]!.user_id), ids);
      assert.deepEqual(results.map((r) => r[0]!.v), ids.map((id) => id * 10));
    }
    // A failed call does not block the next one.
    await assert.rejects(wh.lookup(sql, ['not a number']));
    assert.deepEqual(await wh.lookup(sql, [3]), [{ user_id: 3, v: 30 }]);
  } finally {
    await wh.close();
  }
});
