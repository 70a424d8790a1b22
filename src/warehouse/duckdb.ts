/** The embedded default: a `Warehouse` on a single DuckDB file. */
import { DOUBLE, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBTypeId, INTEGER, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api';
import { duckdbDialect } from './dialect.js';
import type { QueryProgress, Row, SqlValue, Warehouse } from './warehouse.js';

export interface DuckDBOptions {
  /** Memory the engine may use before spilling to disk, e.g. '6GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Where spilled data goes; defaults next to the database file. */
  tempDirectory?: string;
}

export class DuckDBWarehouse implements Warehouse {
  readonly dialect = duckdbDialect;
  private inTransaction = false;
  /** Statements kept by `lookup`, by SQL text (a handful: the serving reads), each with its last turn. */
  private readonly prepared = new Map<string, { statement: DuckDBPreparedStatement; last: Promise<void> }>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Opens (or creates) a database file; ':memory:' for a throwaway one. */
  static async open(path: string, options: DuckDBOptions = {}): Promise<DuckDBWarehouse> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(path, config);
    const connection = await instance.connect();
    // Progress is tracked (for our own bars) but never printed by the engine itself.
    await connection.run('SET enable_progress_bar = true');
    await connection.run('SET enable_progress_bar_print = false');
    return new DuckDBWarehouse(instance, connection);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.connection.run(sql, params.length ? toDuckValues(params) : undefined);
    return Number(result.rowsChanged);
  }

  async query<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params.length ? toDuckValues(params) : undefined);
    return reader.getRowObjectsJS().map((row) => normaliseRow(row) as T);
  }

  async lookup<T = Row>(sql: string, params: readonly SqlValue[]): Promise<T[]> {
    let kept = this.prepared.get(sql);
    if (!kept) {
      // A handful of serving reads are kept; anything beyond is an ordinary query.
      if (this.prepared.size >= 64) return this.query<T>(sql, params);
      kept = { statement: await this.connection.prepare(sql), last: Promise.resolve() };
      this.prepared.set(sql, kept);
    }
    // Bind and run take turns on a kept statement: a second call binding while the first still runs
    // would hand the first caller the second's rows.
    const statement = kept.statement;
    const turn = kept.last.then(async () => {
      statement.bind(toDuckValues(params));
      const reader = await statement.runAndReadAll();
      return reader.getRowObjectsJS().map((row) => normaliseRow(row) as T);
    });
    kept.last = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private clearPrepared(): void {
    for (const k of this.prepared.values()) k.statement.destroySync();
    this.prepared.clear();
  }

  async append(table: string, rows: readonly (readonly SqlValue[])[]): Promise<void> {
    // Batched multi-row INSERTs with bound values: the engine casts each value to its column's type.
    // Large loads go through the engine's own file readers instead.
    const width = rows[0]?.length ?? 0;
    const perStatement = Math.max(1, Math.floor(2000 / Math.max(1, width)));
    for (let start = 0; start < rows.length; start += perStatement) {
      const batch = rows.slice(start, start + perStatement);
      const params: SqlValue[] = [];
      const tuples = batch.map((row) => {
        if (row.length !== width) throw new Error(`append to ${table}: rows differ in length (${row.length} vs ${width})`);
        const marks = row.map((v) => {
          params.push(v);
          return this.dialect.param(params.length);
        });
        return `(${marks.join(', ')})`;
      });
      await this.run(`INSERT INTO ${this.dialect.ident(table)} VALUES ${tuples.join(', ')}`, params);
    }
  }

  async appendColumns(table: string, columns: readonly (Int32Array | Float64Array)[], options: { temporary?: boolean; rows?: number } = {}): Promise<void> {
    const rows = options.rows ?? columns[0]?.length ?? 0;
    if (columns.some((c) => c.length < rows)) throw new Error(`appendColumns to ${table}: a column is shorter than ${rows} rows`);
    if (rows === 0) return;
    const appender = await this.connection.createAppender(table, options.temporary ? 'main' : null, options.temporary ? 'temp' : null);
    try {
      const chunk = DuckDBDataChunk.create(columns.map((c) => (c instanceof Int32Array ? INTEGER : DOUBLE)), 2048);
      const size = 2048; // the engine's vector size
      for (let lo = 0; lo < rows; lo += size) {
        const n = Math.min(size, rows - lo);
        chunk.rowCount = n;
        columns.forEach((column, c) => {
          const vector = chunk.getColumnVector(c);
          const items = rawItems(vector, column, n);
          if (items) items.set(column.subarray(lo, lo + n));
          else for (let i = 0; i < n; i++) vector.setItem(i, column[lo + i]!);
          vector.flush();
        });
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async scanColumns(
    sql: string,
    params: readonly SqlValue[],
    visit: (columns: readonly (Int32Array | Float64Array)[], rows: number) => void,
  ): Promise<number> {
    const result = await this.connection.stream(sql, params.length ? toDuckValues(params) : undefined);
    const types = Array.from({ length: result.columnCount }, (_, c) => result.columnTypeId(c));
    types.forEach((t, c) => {
      if (t !== DuckDBTypeId.INTEGER && t !== DuckDBTypeId.DOUBLE) throw new Error(`scanColumns: column ${result.columnName(c)} is not INTEGER or DOUBLE`);
    });
    const size = 2048;
    const arrays = types.map((t) => (t === DuckDBTypeId.INTEGER ? new Int32Array(size) : new Float64Array(size)));
    let total = 0;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const n = chunk.rowCount;
      if (n > arrays[0]!.length) arrays.forEach((a, c) => (arrays[c] = a instanceof Int32Array ? new Int32Array(n) : new Float64Array(n)));
      arrays.forEach((a, c) => {
        const vector = chunk.getColumnVector(c);
        const items = rawItems(vector, a, n);
        if (items) a.set(items.subarray(0, n));
        else for (let i = 0; i < n; i++) a[i] = (vector.getItem(i) as number | null) ?? 0;
      });
      visit(arrays, n);
      total += n;
    }
    return total;
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    await this.connection.run('BEGIN TRANSACTION');
    this.inTransaction = true;
    try {
      const result = await work();
      await this.connection.run('COMMIT');
      return result;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  progress(): QueryProgress {
    const p = this.connection.progress;
    return {
      percentage: p.percentage,
      rowsProcessed: Number(p.rows_processed),
      totalRows: Number(p.total_rows_to_process),
    };
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  async close(): Promise<void> {
    this.clearPrepared();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * The typed array behind a number vector of the pinned node-api (its `items`, not in the typings), when it
 * has the column's element type, at least `n` items and no null mask (every value valid): then whole
 * chunks are copied with `set` instead of a checked call per value (ten times faster on the neighbour
 * tables). Anything else (another node-api version, nulls) gets undefined and takes `setItem`/`getItem`.
 */
function rawItems<T extends Int32Array | Float64Array>(vector: unknown, like: T, n: number): T | undefined {
  const v = vector as { items?: unknown; validity?: { data?: unknown } };
  const items = v.items;
  if (!(items instanceof (like instanceof Int32Array ? Int32Array : Float64Array)) || items.length < n) return undefined;
  if (!v.validity || v.validity.data != null) return undefined;
  return items as T;
}

function toDuckValue(v: SqlValue): DuckDBValue {
  if (v instanceof Date) return v.toISOString();
  return v as DuckDBValue;
}

function toDuckValues(params: readonly SqlValue[]): DuckDBValue[] {
  return params.map(toDuckValue);
}

/** Engine values as callers expect them: safe integers as numbers, decimals as numbers. */
function normaliseRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') {
      out[k] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    } else {
      out[k] = v;
    }
  }
  return out;
}
