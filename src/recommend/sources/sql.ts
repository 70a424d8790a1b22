/** Composing parameterised SQL: relations carry `$1..$n` of their own and are renumbered when nested. */
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';
import type { Relation } from '../algorithms/types.js';

/** Renumbers `$n` placeholders of `sql` by `offset` (the SQL this module writes has no `$` in literals). */
export function shiftParams(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/** Collects bound values while a query is written: `p.value(x)` gives its placeholder, `p.nest(rel)` a relation's SQL. */
export class Params {
  readonly values: SqlValue[] = [];

  value(v: SqlValue): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }

  nest(rel: Relation): string {
    const sql = shiftParams(rel.sql, this.values.length);
    this.values.push(...rel.params);
    return sql;
  }

  relation(sql: string): Relation {
    return { sql, params: [...this.values] };
  }
}

export async function tableExists(wh: Warehouse, name: string): Promise<boolean> {
  const rows = await wh.query<{ n: number }>("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $1 AND schema_name = 'main'", [name]);
  return Number(rows[0]?.n) > 0;
}
