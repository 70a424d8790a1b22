/**
 * The one door to a database. Every caller talks to a `Warehouse`; engines differ only behind it and in
 * the small `Dialect` it carries.
 */
import type { Dialect } from './dialect.js';

/** A value bound to a query parameter. Values are always bound, never spliced into SQL text. */
export type SqlValue = string | number | bigint | boolean | null | Date;
export type Row = Record<string, unknown>;

export interface QueryProgress {
  /** 0-100, or -1 when the engine cannot tell. */
  percentage: number;
  rowsProcessed: number;
  totalRows: number;
}

export interface Warehouse {
  readonly dialect: Dialect;
  /** Runs a statement; returns the number of rows it inserted, updated or deleted. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs a query with positional parameters ($1, $2...) and returns plain JS rows. */
  query<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * `query` for a small read repeated with different parameters (serving, profile cards): the statement is
   * planned once and kept for the connection's life, so each call only binds and runs.
   */
  lookup<T = Row>(sql: string, params: readonly SqlValue[]): Promise<T[]>;
  /** Bulk-appends rows to a table, columns in the table's declared order. */
  append(table: string, rows: readonly (readonly SqlValue[])[]): Promise<void>;
  /**
   * Bulk-appends typed arrays as columns (Int32Array to an INTEGER column, Float64Array to a DOUBLE one) to
   * an existing table (`temporary`: a temp table), in the table's column order. For millions of rows
   * computed in JavaScript: the engine takes them in binary chunks, with no text on the way.
   */
  appendColumns(table: string, columns: readonly (Int32Array | Float64Array)[], options?: { temporary?: boolean; rows?: number }): Promise<void>;
  /**
   * Streams a query's numeric result (INTEGER and DOUBLE columns) in chunks of typed arrays, in the
   * result's order, without making a JavaScript object per row: `visit(columns, rows)` gets one array per
   * column (reused: copy what you keep). A NULL reads as 0. For millions of rows handed to typed-array code.
   */
  scanColumns(sql: string, params: readonly SqlValue[], visit: (columns: readonly (Int32Array | Float64Array)[], rows: number) => void): Promise<number>;
  /** Runs `work` in one transaction: all of it is stored, or none of it. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Progress of the statement running now, for progress bars. */
  progress(): QueryProgress;
  /** Asks the running statement to stop (Ctrl-C); it then fails and its transaction rolls back. */
  interrupt(): void;
  close(): Promise<void>;
}
