/**
 * Bound parameters for compiled SQL: every value a definition carries is bound, never spliced into text.
 */
import type { SqlValue } from '../warehouse/warehouse.js';

export class SqlParams {
  readonly values: SqlValue[] = [];

  /** Binds a value and returns its placeholder. */
  bind(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Binds each value of a list and returns the placeholders for an IN (...) list. */
  bindList(values: readonly SqlValue[], cast?: string): string {
    return values.map((v) => (cast ? `CAST(${this.bind(v)} AS ${cast})` : this.bind(v))).join(', ');
  }
}
