/**
 * Checks a definition beyond its shape: the value type it declares is the type its definition produces,
 * the source and column it reads exist, and its conditions compile (known tags, fitting comparisons, no
 * cycle through other rule tags). Every problem names the JSON path of the offending field.
 */
import { compileCondition, formatPath, type JsonPath } from '../../conditions/compile.js';
import { SqlParams } from '../../conditions/params.js';
import type { Condition } from '../../conditions/schema.js';
import { PortraitError } from '../../errors.js';
import type { TagValueType } from '../value-types.js';
import { bodyForm, CATEGORICAL_FIELDS, NUMERIC_FIELDS, type Aggregate, type SourceRef, type TagDefinition } from './definition.js';
import { findSource, TAG_SOURCES } from './sources.js';

function fail(path: JsonPath, message: string, hint?: string): never {
  throw new PortraitError(`${formatPath(path)}: ${message}`, hint);
}

const isNumeric = (f: string | undefined) => (NUMERIC_FIELDS as readonly string[]).includes(f ?? '');
const isCategorical = (f: string | undefined) => (CATEGORICAL_FIELDS as readonly string[]).includes(f ?? '');

/** The value type an aggregate produces. */
export function aggregateType(a: Aggregate, path: JsonPath): TagValueType {
  const at = [...path, 'field'];
  switch (a.fn) {
    case 'count':
      if (a.field !== undefined) fail(at, 'count counts events and takes no field (use count_distinct to count values)');
      return 'integer';
    case 'count_distinct':
      if (!isCategorical(a.field)) fail(at, `count_distinct needs one of ${CATEGORICAL_FIELDS.join(', ')}`);
      return 'integer';
    case 'sum':
    case 'avg':
      if (!isNumeric(a.field)) fail(at, `${a.fn} needs a number field: one of ${NUMERIC_FIELDS.join(', ')}`);
      return 'number';
    case 'min':
    case 'max':
      if (a.field === 'ts') return 'timestamp';
      if (!isNumeric(a.field)) fail(at, `${a.fn} needs ts or a number field: one of ${NUMERIC_FIELDS.join(', ')}`);
      return 'number';
    case 'top':
      if (!isCategorical(a.field)) fail(at, `top needs one of ${CATEGORICAL_FIELDS.join(', ')}`);
      return 'list';
    case 'mode':
      if (!isCategorical(a.field)) fail(at, `mode needs one of ${CATEGORICAL_FIELDS.join(', ')}`);
      return 'text';
    default: {
      const never: never = a.fn;
      throw new Error(`unknown aggregate ${String(never)}`);
    }
  }
}

export function sourceType(s: SourceRef, path: JsonPath): TagValueType {
  const source = findSource(s.table);
  if (!source) fail([...path, 'table'], `unknown source "${s.table}"`, `sources: ${TAG_SOURCES.map((x) => x.name).join(', ')}`);
  if (source.key && s.key === undefined) fail([...path, 'key'], `source "${s.table}" holds one entry per ${source.key.column}: name it with "key"`);
  if (!source.key && s.key !== undefined) fail([...path, 'key'], `source "${s.table}" takes no key`);
  const column = source.columns[s.column];
  if (!column) fail([...path, 'column'], `source "${s.table}" has no column "${s.column}"`, `its columns: ${Object.keys(source.columns).join(', ')}`);
  const at = [...path, 'reduce'];
  switch (s.reduce) {
    case undefined:
      if (!source.perUser) fail(at, `source "${s.table}" has several rows per user: say how to reduce them (min, max, avg, median, sum, count, list)`);
      return column.type;
    case 'count':
      return 'integer';
    case 'list':
      return 'list';
    case 'min':
    case 'max':
      if (column.type === 'list' || column.type === 'boolean') fail(at, `${s.reduce} does not apply to a ${column.type} column`);
      return column.type === 'integer' ? 'integer' : column.type;
    case 'avg':
    case 'median':
    case 'sum':
      if (column.type !== 'number' && column.type !== 'integer') fail(at, `${s.reduce} needs a number column; "${s.column}" is ${column.type}`);
      return s.reduce === 'sum' && column.type === 'integer' ? 'integer' : 'number';
    default: {
      const never: never = s.reduce;
      throw new Error(`unknown reduce ${String(never)}`);
    }
  }
}

/** Every tag a condition names. */
export function referencedTags(c: Condition, into: Set<string> = new Set()): Set<string> {
  switch (c.kind) {
    case 'and':
      c.and.forEach((x) => referencedTags(x, into));
      break;
    case 'or':
      c.or.forEach((x) => referencedTags(x, into));
      break;
    case 'not':
      referencedTags(c.not, into);
      break;
    case 'tag':
      into.add(c.tag);
      break;
    case 'interest':
    case 'behaviour':
    case 'segment':
      break;
    case 'lifecycle':
      into.add('lifecycle_stage');
      break;
    case 'rfm':
      into.add('rfm_group');
      break;
    default: {
      const never: never = c;
      throw new Error(`unknown condition ${JSON.stringify(never)}`);
    }
  }
  return into;
}

/** The conditions of a rule tag with their paths. */
export function ruleConditions(def: TagDefinition): { when: Condition; path: JsonPath }[] {
  const rule = def.definition.rule;
  if (!rule) return [];
  if (rule.when) return [{ when: rule.when, path: ['definition', 'rule', 'when'] }];
  return (rule.cases ?? []).map((c, i) => ({ when: c.when, path: ['definition', 'rule', 'cases', i, 'when'] }));
}

/** The type a definition produces. */
export function producedType(def: TagDefinition): TagValueType {
  const body = def.definition;
  const form = bodyForm(body);
  switch (form) {
    case 'aggregate':
      return aggregateType(body.aggregate!, ['definition', 'aggregate']);
    case 'source':
      return sourceType(body.source!, ['definition', 'source']);
    case 'rule': {
      const rule = body.rule!;
      if (rule.when) return 'boolean';
      const values = [...(rule.cases ?? []).map((c) => c.value), ...(rule.else !== undefined ? [rule.else] : [])];
      if (values.every((v) => typeof v === 'number')) return values.every(Number.isInteger) && def.type === 'integer' ? 'integer' : 'number';
      if (values.every((v) => typeof v === 'string')) return 'text';
      return fail(['definition', 'rule', 'cases'], 'case values must all be numbers or all be text');
    }
    case 'interest':
      return body.interest!.top !== undefined ? 'list' : 'number';
    case 'model':
      return body.model!.use === 'confidence' ? 'number' : 'text';
    default: {
      const never: never = form;
      throw new Error(`unknown form ${String(never)}`);
    }
  }
}

const KIND_OF_FORM = { aggregate: ['fact'], source: ['fact', 'model'], rule: ['rule'], interest: ['interest'], model: ['model'] } as const;

/**
 * Checks `def` against the registry: `typeOf` gives every other tag's type, `dependenciesOf` the tags a
 * rule tag reads (to refuse a cycle through other rules).
 */
export function checkDefinition(
  def: TagDefinition,
  typeOf: (key: string) => TagValueType | undefined,
  dependenciesOf: (key: string) => readonly string[],
): void {
  const form = bodyForm(def.definition);
  const kinds: readonly string[] = KIND_OF_FORM[form];
  if (!kinds.includes(def.kind)) fail(['kind'], `a ${form} definition makes a ${kinds.join(' or ')} tag, not ${def.kind}`);
  const produced = producedType(def);
  const fits = produced === def.type || (def.type === 'number' && produced === 'integer');
  if (!fits) fail(['type'], `this definition produces ${produced} values, not ${def.type}`);
  for (const { when, path } of ruleConditions(def)) {
    // Compiling is the check: unknown tags and comparisons that do not fit the tag's type fail here.
    compileCondition(when, { params: new SqlParams(), asOf: 'NULL', universe: 'u', tagTable: 't', interestTable: 'i', tagType: (k) => (k === def.key ? def.type : typeOf(k)) }, path);
    const seen = new Set<string>();
    const visit = (key: string, trail: string[]): void => {
      if (key === def.key) fail(path, `tag "${def.key}" depends on itself (${[def.key, ...trail].join(' -> ')})`);
      if (seen.has(key)) return;
      seen.add(key);
      for (const next of dependenciesOf(key)) visit(next, [...trail, next]);
    };
    for (const key of referencedTags(when)) visit(key, [key]);
  }
}
