/**
 * Each definition form as SQL: a SELECT of (user_id, num, txt, ts, lst) holding one value per user, the
 * value in the column of the tag's type. Aggregates over events are batched: every count, sum, average,
 * minimum and maximum comes from one scan of the events (aggregateScanSql); top and mode need a grouping
 * of their own.
 */
import { compileCondition, type CompileContext } from '../../conditions/compile.js';
import { eventFilterSql, windowSql } from '../../conditions/events.js';
import { bodyForm, type Aggregate } from '../registry/definition.js';
import type { RegisteredTag } from '../registry/registry.js';
import { findSource } from '../registry/sources.js';
import { declaredSql } from '../predict/attributes.js';
import { valueColumn, type TagValueType, type ValueColumn } from '../value-types.js';

export const VALUE_COLUMNS: Record<ValueColumn, string> = { num: 'DOUBLE', txt: 'VARCHAR', ts: 'TIMESTAMP', lst: 'VARCHAR[]' };
export const PREDICTED_TABLE = 'predicted_attributes';
export const INTEREST_TABLE = 'interest_scores';

/** The four value columns with `value` in the one of `type`. */
export function valueColumnsSql(value: string, type: TagValueType): string {
  const target = valueColumn(type);
  return (Object.keys(VALUE_COLUMNS) as ValueColumn[])
    .map((c) => `CAST(${c === target ? value : 'NULL'} AS ${VALUE_COLUMNS[c]}) AS ${c}`)
    .join(', ');
}

const FIELD_SQL: Record<NonNullable<Aggregate['field']>, string> = {
  amount: 'e.amount',
  quantity: 'e.quantity',
  dwell_s: 'e.dwell_s',
  ts: 'e.ts',
  item_id: 'e.item_id',
  category_id: 'e.category_id',
  content_id: 'e.content_id',
  live_id: 'e.live_id',
  brand: 'it.brand',
  geohash: 'e.geohash',
  type: 'CAST(e.type AS VARCHAR)',
  day: 'CAST(e.ts AS DATE)',
  hour: 'hour(e.ts)',
};

/** Aggregates computed in the one shared scan (top and mode group by their field instead). */
export function isScanAggregate(tag: RegisteredTag): boolean {
  const a = tag.definition.aggregate;
  return a !== undefined && a.fn !== 'top' && a.fn !== 'mode';
}

/** Count and sum are 0 for a known user without such events; the others have no value then. */
export function zeroWhenAbsent(tag: RegisteredTag): boolean {
  const fn = tag.definition.aggregate?.fn;
  return fn === 'count' || fn === 'count_distinct' || fn === 'sum';
}

/**
 * One scan of the events up to as-of, grouped by user, with one column (a0, a1, ...) per scan aggregate
 * in `tags` order.
 */
export function aggregateScanSql(tags: readonly RegisteredTag[], ctx: CompileContext): string {
  let needsItems = false;
  const columns = tags.map((tag, i) => {
    const a = tag.definition.aggregate!;
    const filter = eventFilterSql(a.events, ctx.params);
    needsItems ||= filter.needsItems || a.field === 'brand';
    const where = `${filter.sql} AND ${windowSql(a.window, ctx.params, ctx.asOf)}`;
    const field = a.field ? FIELD_SQL[a.field] : '*';
    const call = a.fn === 'count_distinct' ? `count(DISTINCT ${field})` : `${a.fn}(${field})`;
    return `${call} FILTER (WHERE ${where}) AS a${i}`;
  });
  return `SELECT e.user_id, ${columns.join(',\n    ')}
  FROM events e${needsItems ? ' LEFT JOIN items it ON it.item_id = e.item_id' : ''}
  WHERE e.ts <= ${ctx.asOf}
  GROUP BY e.user_id`;
}

/** The values of one scan aggregate, read from the scan's table. */
export function scanAggregateValuesSql(tag: RegisteredTag, column: string, scanTable: string, ctx: CompileContext): string {
  if (zeroWhenAbsent(tag)) {
    return `SELECT u.user_id, ${valueColumnsSql(`coalesce(a.${column}, 0)`, tag.type)}
      FROM ${ctx.universe} u LEFT JOIN ${scanTable} a ON a.user_id = u.user_id`;
  }
  return `SELECT a.user_id, ${valueColumnsSql(`a.${column}`, tag.type)} FROM ${scanTable} a WHERE a.${column} IS NOT NULL`;
}

function topSql(tag: RegisteredTag, ctx: CompileContext): string {
  const a = tag.definition.aggregate!;
  const filter = eventFilterSql(a.events, ctx.params);
  const field = FIELD_SQL[a.field!];
  const k = a.fn === 'mode' ? 1 : (a.top ?? 3);
  // Most frequent first; ties go to the smaller value (numerically for ids). The ranking is a window
  // (which the engine can spill to disk) so the list built per user holds only k values.
  const ranked = `SELECT user_id, list(CAST(v AS VARCHAR) ORDER BY k) AS top FROM (
      SELECT user_id, v, row_number() OVER (PARTITION BY user_id ORDER BY n DESC, v) AS k FROM (
        SELECT e.user_id, ${field} AS v, count(*) AS n
        FROM events e${filter.needsItems || a.field === 'brand' ? ' LEFT JOIN items it ON it.item_id = e.item_id' : ''}
        WHERE ${windowSql(a.window, ctx.params, ctx.asOf)} AND ${filter.sql} AND ${field} IS NOT NULL
        GROUP BY ALL)
      QUALIFY k <= CAST(${ctx.params.bind(k)} AS BIGINT)) GROUP BY user_id`;
  return `SELECT user_id, ${valueColumnsSql(a.fn === 'mode' ? 'top[1]' : 'top', tag.type)} FROM (${ranked})`;
}

function sourceSql(tag: RegisteredTag, ctx: CompileContext): string {
  const ref = tag.definition.source!;
  const source = findSource(ref.table)!;
  const expr = source.columns[ref.column]!.sql.replaceAll('{asOf}', () => ctx.asOf);
  const from = source.from.replaceAll('{asOf}', () => ctx.asOf);
  // A keyed source's entry is bound, like every value a definition carries.
  const entry = source.key && ref.key !== undefined ? ` AND s.${source.key.column} = ${ctx.params.bind(ref.key)}` : '';
  if (!ref.reduce) {
    return `SELECT s.user_id, ${valueColumnsSql(expr, tag.type)} FROM ${from} s WHERE s.user_id IS NOT NULL AND (${expr}) IS NOT NULL${entry}`;
  }
  const reduced = {
    min: `min(${expr})`,
    max: `max(${expr})`,
    avg: `avg(${expr})`,
    median: `median(${expr})`,
    sum: `sum(${expr})`,
    count: `count(DISTINCT ${expr})`,
    list: `list_sort(list_distinct(list(CAST(${expr} AS VARCHAR))))`,
  }[ref.reduce];
  return `SELECT user_id, ${valueColumnsSql('v', tag.type)} FROM (
      SELECT s.user_id, ${reduced} AS v FROM ${from} s WHERE s.user_id IS NOT NULL${entry} GROUP BY s.user_id) WHERE v IS NOT NULL`;
}

function ruleSql(tag: RegisteredTag, ctx: CompileContext): string {
  const rule = tag.definition.rule!;
  const member = (sql: string) => `u.user_id IN (SELECT user_id FROM (${sql}))`;
  if (rule.when) {
    const when = compileCondition(rule.when, ctx, ['definition', 'rule', 'when']);
    return `SELECT u.user_id, ${valueColumnsSql(`CASE WHEN ${member(when)} THEN 1 ELSE 0 END`, tag.type)} FROM ${ctx.universe} u`;
  }
  const cases = rule.cases!.map((c, i) => {
    const when = compileCondition(c.when, ctx, ['definition', 'rule', 'cases', i, 'when']);
    return `WHEN ${member(when)} THEN ${ctx.params.bind(c.value)}`;
  });
  const otherwise = rule.else !== undefined ? ` ELSE ${ctx.params.bind(rule.else)}` : '';
  return `SELECT user_id, num, txt, ts, lst FROM (
      SELECT u.user_id, ${valueColumnsSql(`CASE ${cases.join(' ')}${otherwise} END`, tag.type)} FROM ${ctx.universe} u)
    WHERE coalesce(CAST(num AS VARCHAR), txt) IS NOT NULL`;
}

function interestSql(tag: RegisteredTag, ctx: CompileContext): string {
  const i = tag.definition.interest!;
  const p = ctx.params;
  if (i.tag !== undefined) {
    return `SELECT user_id, ${valueColumnsSql('score', tag.type)} FROM ${ctx.interestTable}
      WHERE dimension = ${p.bind(i.dimension)} AND tag = ${p.bind(i.tag)}`;
  }
  // Best score first; ties go to the smaller tag (numerically when tags are ids); ranked by a window so
  // only the kept tags are gathered into each user's list.
  return `SELECT user_id, ${valueColumnsSql('top', tag.type)} FROM (
      SELECT user_id, list(tag ORDER BY k) AS top FROM (
        SELECT user_id, tag, row_number() OVER (PARTITION BY user_id ORDER BY score DESC, TRY_CAST(tag AS BIGINT) NULLS LAST, tag) AS k
        FROM ${ctx.interestTable}
        WHERE dimension = ${p.bind(i.dimension)} AND score >= CAST(${p.bind(i.minScore ?? 0)} AS DOUBLE)
        QUALIFY k <= CAST(${p.bind(i.top!)} AS BIGINT))
      GROUP BY user_id)`;
}

function modelSql(tag: RegisteredTag, ctx: CompileContext, predictions: boolean): string {
  const m = tag.definition.model!;
  const predicted = predictions
    ? `SELECT user_id, value, confidence FROM ${PREDICTED_TABLE} WHERE attribute = ${ctx.params.bind(m.attribute)}`
    : 'SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS VARCHAR) AS value, CAST(NULL AS DOUBLE) AS confidence WHERE false';
  if (m.use !== 'value') return `SELECT user_id, ${valueColumnsSql(m.use === 'predicted' ? 'value' : 'confidence', tag.type)} FROM (${predicted}) WHERE user_id IS NOT NULL`;
  const declared = `SELECT u.user_id, ${declaredSql(m.attribute, () => ctx.asOf)} AS value FROM users u`;
  return `SELECT user_id, ${valueColumnsSql('v', tag.type)} FROM (
      SELECT coalesce(d.user_id, p.user_id) AS user_id, coalesce(d.value, p.value) AS v
      FROM (${declared}) d FULL OUTER JOIN (${predicted}) p ON p.user_id = d.user_id) WHERE v IS NOT NULL`;
}

/** The SELECT of one tag's values, for every form but the scan aggregates. */
export function tagValuesSql(tag: RegisteredTag, ctx: CompileContext, tables: ReadonlySet<string>): string {
  const form = bodyForm(tag.definition);
  switch (form) {
    case 'aggregate':
      return topSql(tag, ctx);
    case 'source':
      return sourceSql(tag, ctx);
    case 'rule':
      return ruleSql(tag, ctx);
    case 'interest':
      return interestSql(tag, ctx);
    case 'model':
      return modelSql(tag, ctx, tables.has(PREDICTED_TABLE));
    default: {
      const never: never = form;
      throw new Error(`unknown form ${String(never)}`);
    }
  }
}

/** The table a tag's values come from, which must exist before it can be computed (null: always there). */
export function requiredTable(tag: RegisteredTag): { table: string; builtBy: string } | null {
  const form = bodyForm(tag.definition);
  if (form === 'source') {
    const s = findSource(tag.definition.source!.table)!;
    return { table: s.requires, builtBy: s.builtBy };
  }
  if (form === 'interest') return { table: INTEREST_TABLE, builtBy: 'portrait build (interest scores)' };
  // Only the prediction itself needs the predictions table; a model tag's value falls back to declared ones.
  if (form === 'model' && tag.definition.model!.use !== 'value') return { table: PREDICTED_TABLE, builtBy: 'portrait build (predicted attributes)' };
  return null;
}
