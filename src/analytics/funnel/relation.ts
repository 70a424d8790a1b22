/**
 * Relations of users handed in from elsewhere (a segment's members, a `--by` grouping): SQL with its own
 * parameters from $1, embedded in a larger query by renumbering its parameters onto the caller's.
 */
import { PortraitError } from '../../errors.js';
import type { SqlParams } from '../../conditions/params.js';
import type { SqlValue } from '../../warehouse/warehouse.js';

/** A set of users: `SELECT user_id ...` with positional parameters $1, $2... of its own. */
export interface UserRelation {
  sql: string;
  params: SqlValue[];
}

/**
 * `sql` with each `$n` replaced by a placeholder bound in `p` to `params[n-1]` (each value bound once,
 * however often it is referenced). The text must not hold a `$n` inside a string literal.
 */
export function embedSql(sql: string, params: readonly SqlValue[], p: SqlParams): string {
  const placeholders = params.map((v) => p.bind(v));
  return sql.replace(/\$(\d+)/g, (_m, n: string) => {
    const placeholder = placeholders[Number(n) - 1];
    if (placeholder === undefined) throw new PortraitError(`embedded query refers to $${n} but has ${params.length} parameter(s)`);
    return placeholder;
  });
}

/** `user_id IN (the relation's users)` for column `col`. */
export function inRelationSql(col: string, rel: UserRelation, p: SqlParams): string {
  return `${col} IN (SELECT user_id FROM (${embedSql(rel.sql, rel.params, p)}))`;
}
