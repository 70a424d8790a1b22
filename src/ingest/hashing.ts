/**
 * Personal identifiers (device ids, phone numbers, addresses) are stored only as salted SHA-256 hashes,
 * computed inside the engine. An id the source already MD5-hashed (32 hex digits, as device ids often
 * come) is kept as it is: hashing it again would break joins with other sources that use the same MD5.
 */
import type { Dialect } from '../warehouse/dialect.js';

/** SQL for the stored form of a personal id held in `expr`; the salt is bound at `saltParam`. */
export function personalIdSql(dialect: Dialect, expr: string, saltParam: string): string {
  return `CASE WHEN ${expr} IS NULL OR trim(${expr}) = '' THEN NULL
    WHEN ${dialect.fullMatch(expr, '[0-9a-fA-F]{32}')} THEN lower(${expr})
    ELSE ${dialect.sha256Hex(`${saltParam} || trim(${expr})`)} END`;
}
