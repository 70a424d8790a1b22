/**
 * The places where SQL differs between engines. Callers build SQL from these pieces so a ClickHouse
 * warehouse can be added without touching them.
 */
import type { ColumnType } from '../model/schema.js';
import { ENUMS, type EnumName } from '../model/enums.js';

export interface Dialect {
  readonly name: 'duckdb' | 'clickhouse';
  /** Engine type for a logical column type. */
  columnType(type: ColumnType): string;
  /** Statements that declare the enum types, run once when a workspace is created. */
  enumDeclarations(): string[];
  /** A 64-bit unsigned hash of the given SQL expressions, stable across runs and versions. */
  hash64(exprs: string[]): string;
  /** Lower-case hex SHA-256 of a text expression. */
  sha256Hex(expr: string): string;
  /** Local wall-clock timestamp from an expression holding Unix seconds, shifted by a whole-hour offset. */
  fromUnixSeconds(expr: string, utcOffsetHours: number): string;
  /** True when a text expression matches a regular expression in full. */
  fullMatch(expr: string, pattern: string): string;
  /** Truncate a timestamp expression to a grain. */
  truncate(grain: 'hour' | 'day' | 'week' | 'month' | 'year', expr: string): string;
  /** Positional parameter placeholder, 1-based. */
  param(index: number): string;
  /** Checks and quotes an identifier (identifiers come from the model, never from users). */
  ident(name: string): string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  columnType(type) {
    if (typeof type === 'object') return type.enum;
    switch (type) {
      case 'id':
        return 'BIGINT';
      case 'int':
        return 'BIGINT';
      case 'key':
        return 'UBIGINT';
      case 'float':
        return 'DOUBLE';
      case 'money':
        return 'DECIMAL(18,2)';
      case 'bool':
        return 'BOOLEAN';
      case 'timestamp':
        return 'TIMESTAMP';
      case 'date':
        return 'DATE';
      case 'text':
      case 'hash':
        return 'VARCHAR';
      case 'json':
        return 'JSON';
      default: {
        const never: never = type;
        throw new Error(`unknown column type ${String(never)}`);
      }
    }
  },
  enumDeclarations() {
    return (Object.keys(ENUMS) as EnumName[]).map(
      (name) => `CREATE TYPE ${name} AS ENUM (${ENUMS[name].map((v) => `'${v}'`).join(', ')})`,
    );
  },
  hash64: (exprs) => `hash(${exprs.join(', ')})`,
  sha256Hex: (expr) => `sha256(${expr})`,
  fromUnixSeconds: (expr, offset) =>
    `make_timestamp((CAST(${expr} AS BIGINT) + ${Math.round(offset * 3600)}) * 1000000)`,
  fullMatch: (expr, pattern) => `regexp_full_match(${expr}, '${pattern.replaceAll("'", "''")}')`,
  truncate: (grain, expr) => `date_trunc('${grain}', ${expr})`,
  param: (i) => `$${i}`,
  ident(name) {
    if (!IDENT.test(name)) throw new Error(`not a valid identifier: ${name}`);
    return `"${name}"`;
  },
};
