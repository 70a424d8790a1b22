/**
 * Compiles a condition to one SQL query returning the user_id of every user who meets it, as of a time.
 * `and` keeps the first part's users where every other part holds (semi-joins), `or` is a UNION and
 * `not` the known users EXCEPT the part's; a count that zero satisfies ("bought fewer than 2") includes
 * users with no such events at all.
 */
import { PortraitError } from '../errors.js';
import { RFM_GROUP_NAMES } from '../segments/rfm-groups.js';
import { valueColumn, type TagValueType } from '../tags/value-types.js';
import { eventFilterSql, holds, sqlOp, windowSql } from './events.js';
import type { SqlParams } from './params.js';
import { durationSeconds, type BehaviourCondition, type Condition, type InterestCondition, type TagCondition } from './schema.js';

export type JsonPath = (string | number)[];

export interface CompileContext {
  params: SqlParams;
  /** SQL expression of the as-of time (TIMESTAMP). */
  asOf: string;
  /** Relation holding the user_id of every known user (what "not" is taken against). */
  universe: string;
  /** Relation of tag values: tag, user_id, num, txt, ts, lst. */
  tagTable: string;
  /** Relation of interest scores: user_id, dimension, tag, score. */
  interestTable: string;
  /** The value type of a tag, or undefined when no such tag is defined. */
  tagType(key: string): TagValueType | undefined;
  /** The members of a named segment as a query (absent where segments cannot be read, e.g. in a tag). */
  segmentSql?: (name: string, path: JsonPath) => string;
}

/**
 * A context whose as-of time is bound on first use, so a statement never carries a parameter it does
 * not read (the engine refuses those).
 */
export function conditionContext(
  params: SqlParams,
  asOf: Date,
  relations: Omit<CompileContext, 'params' | 'asOf'>,
): CompileContext {
  let asOfSql: string | undefined;
  return {
    ...relations,
    params,
    get asOf() {
      return (asOfSql ??= `CAST(${params.bind(asOf)} AS TIMESTAMP)`);
    },
  };
}

/** "when.and[1].value" from a path. */
export function formatPath(path: JsonPath): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '') || '(root)';
}

function fail(path: JsonPath, message: string, hint?: string): never {
  throw new PortraitError(`${formatPath(path)}: ${message}`, hint);
}

export function compileCondition(c: Condition, ctx: CompileContext, path: JsonPath = []): string {
  switch (c.kind) {
    case 'and': {
      // The first condition's users, kept where each other condition holds: semi-joins cost less than
      // INTERSECT, which also de-duplicates both sides (every part already yields each user once).
      const [first, ...rest] = c.and.map((x, i) => compileCondition(x, ctx, [...path, 'and', i]));
      if (!rest.length) return first!;
      return `SELECT user_id FROM (${first}) WHERE ${rest.map((q) => `user_id IN (SELECT user_id FROM (${q}))`).join(' AND ')}`;
    }
    case 'or':
      return c.or.map((x, i) => `SELECT user_id FROM (${compileCondition(x, ctx, [...path, 'or', i])})`).join(' UNION ');
    case 'not':
      return `SELECT user_id FROM ${ctx.universe} EXCEPT SELECT user_id FROM (${compileCondition(c.not, ctx, [...path, 'not'])})`;
    case 'tag':
      return tagSql(c, ctx, path);
    case 'interest':
      return interestSql(c, ctx);
    case 'behaviour':
      return behaviourSql(c, ctx);
    case 'segment':
      if (!ctx.segmentSql) fail([...path, 'segment'], 'a segment can be read by other segments, not by a tag definition');
      return ctx.segmentSql(c.segment, [...path, 'segment']);
    case 'lifecycle':
      return tagSql({ kind: 'tag', tag: 'lifecycle_stage', in: c.lifecycle }, ctx, path);
    case 'rfm': {
      // A group may be named in English or Chinese.
      const groups = c.rfm.map((g) => RFM_GROUP_NAMES.get(g));
      const unknown = c.rfm.find((_, i) => groups[i] === undefined);
      if (unknown !== undefined) fail([...path, 'rfm'], `unknown RFM group "${unknown}"`, `groups: ${[...new Set(RFM_GROUP_NAMES.values())].join(', ')}`);
      return tagSql({ kind: 'tag', tag: 'rfm_group', in: groups as string[] }, ctx, path);
    }
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
}

function tagSql(c: TagCondition, ctx: CompileContext, path: JsonPath): string {
  const type = ctx.tagType(c.tag);
  if (!type) fail([...path, 'tag'], `unknown tag "${c.tag}"`, 'portrait tags list shows the defined tags');
  const p = ctx.params;
  const col = valueColumn(type);
  const rows = (predicate: string) => `SELECT user_id FROM ${ctx.tagTable} WHERE tag = ${p.bind(c.tag)} AND ${predicate}`;
  if (c.exists !== undefined) {
    const present = rows(`${col} IS NOT NULL`);
    return c.exists ? present : `SELECT user_id FROM ${ctx.universe} EXCEPT ${present}`;
  }
  if (c.in !== undefined) {
    const where = [...path, 'in'];
    switch (type) {
      case 'number':
      case 'integer':
        if (!c.in.every((v) => typeof v === 'number')) fail(where, `tag "${c.tag}" holds numbers; "in" needs a list of numbers`);
        return rows(`num IN (${p.bindList(c.in, 'DOUBLE')})`);
      case 'text':
        return rows(`txt IN (${p.bindList(c.in.map(String))})`);
      case 'list':
        return rows(`list_has_any(lst, [${p.bindList(c.in.map(String), 'VARCHAR')}])`);
      default:
        return fail(where, `"in" does not apply to the ${type} tag "${c.tag}"; compare it with "op" and "value"`);
    }
  }
  if (c.contains !== undefined) {
    if (type === 'list') return rows(`list_contains(lst, CAST(${p.bind(String(c.contains))} AS VARCHAR))`);
    if (type === 'text') return rows(`contains(txt, ${p.bind(String(c.contains))})`);
    return fail([...path, 'contains'], `"contains" applies to list and text tags; "${c.tag}" is ${type}`);
  }
  const op = c.op!;
  if (c.ago !== undefined) {
    if (type !== 'timestamp') fail([...path, 'ago'], `"ago" compares a time tag; "${c.tag}" is ${type}`);
    return rows(`ts ${sqlOp(op)} ${ctx.asOf} - to_seconds(CAST(${p.bind(durationSeconds(c.ago))} AS BIGINT))`);
  }
  const value = c.value!;
  const at = [...path, 'value'];
  switch (type) {
    case 'number':
    case 'integer':
      if (typeof value !== 'number') fail(at, `tag "${c.tag}" holds numbers; expected a number, got ${JSON.stringify(value)}`);
      return rows(`num ${sqlOp(op)} CAST(${p.bind(value)} AS DOUBLE)`);
    case 'boolean':
      if (typeof value !== 'boolean') fail(at, `tag "${c.tag}" is true or false; expected true or false, got ${JSON.stringify(value)}`);
      if (op !== '=' && op !== '!=') fail([...path, 'op'], `a true/false tag compares with = or != only`);
      return rows(`num ${sqlOp(op)} ${p.bind(value ? 1 : 0)}`);
    case 'text':
      if (op !== '=' && op !== '!=') fail([...path, 'op'], `a text tag compares with = or != (or use "in" / "contains")`);
      return rows(`txt ${sqlOp(op)} ${p.bind(String(value))}`);
    case 'timestamp':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/.test(value)) {
        fail(at, `tag "${c.tag}" holds times; expected "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(value)}`);
      }
      return rows(`ts ${sqlOp(op)} CAST(${p.bind(value)} AS TIMESTAMP)`);
    case 'list':
      return fail([...path, 'op'], `tag "${c.tag}" holds a list; use "contains" or "in"`);
    default: {
      const never: never = type;
      throw new Error(`unknown type ${String(never)}`);
    }
  }
}

/** Users whose measure meets the comparison; when zero meets it, users without a row are in too. */
function thresholdSql(perUser: string, measure: string, op: string, value: number, ctx: CompileContext): string {
  const v = `CAST(${ctx.params.bind(value)} AS DOUBLE)`;
  if (holds(0, op, value)) {
    return `SELECT user_id FROM ${ctx.universe} EXCEPT SELECT user_id FROM (${perUser}) WHERE NOT (${measure} ${sqlOp(op)} ${v})`;
  }
  return `SELECT user_id FROM (${perUser}) WHERE ${measure} ${sqlOp(op)} ${v}`;
}

function interestSql(c: InterestCondition, ctx: CompileContext): string {
  const p = ctx.params;
  const perUser = `SELECT user_id, score FROM ${ctx.interestTable} WHERE dimension = ${p.bind(c.interest.dimension)} AND tag = ${p.bind(c.interest.tag)}`;
  return thresholdSql(perUser, 'score', c.op, c.value, ctx);
}

function behaviourSql(c: BehaviourCondition, ctx: CompileContext): string {
  const p = ctx.params;
  const filter = eventFilterSql(c.behaviour, p);
  const window = windowSql(c.window, p, ctx.asOf);
  const measure = { count: 'count(*)', amount: 'coalesce(sum(e.amount), 0)', days: 'count(DISTINCT CAST(e.ts AS DATE))' }[c.measure];
  const perUser = `SELECT e.user_id, ${measure} AS m FROM events e${filter.needsItems ? ' LEFT JOIN items it ON it.item_id = e.item_id' : ''}
    WHERE ${window} AND ${filter.sql} GROUP BY e.user_id`;
  return thresholdSql(perUser, 'm', c.op, c.value, ctx);
}
