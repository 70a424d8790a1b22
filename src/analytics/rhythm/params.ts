/** Bound parameters for the rhythm SQL: every value is bound as $n, never spliced into the text. */
import type { SqlValue } from '../../warehouse/warehouse.js';

export class Params {
  readonly values: SqlValue[] = [];

  /** Binds a value and returns its placeholder, cast to `type` so the engine never guesses. */
  add(value: SqlValue, type: 'BIGINT' | 'DOUBLE' | 'TIMESTAMP' | 'INTEGER'): string {
    this.values.push(value);
    return `CAST($${this.values.length} AS ${type})`;
  }
}
