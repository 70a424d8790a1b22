/**
 * Event filters and time windows as SQL predicates over `events e`, shared by behaviour conditions and
 * fact tags so that "bought shoes in the last 7 days" means the same thing everywhere.
 */
import type { SqlParams } from './params.js';
import { durationSeconds, type EventFilter, type Window } from './schema.js';

export interface EventPredicate {
  sql: string;
  /** The predicate reads items (brand), so the scan must join `items it` on the item. */
  needsItems: boolean;
}

/** The predicate an event must meet to pass `filter` (TRUE when the filter is empty). */
export function eventFilterSql(filter: EventFilter | undefined, p: SqlParams, e = 'e', it = 'it'): EventPredicate {
  const parts: string[] = [];
  let needsItems = false;
  if (!filter) return { sql: 'TRUE', needsItems };
  if (filter.event) parts.push(`${e}.type IN (${p.bindList(filter.event)})`);
  if (filter.category) {
    // A category matches its whole subtree: the ids given, plus every descendant the tree knows.
    parts.push(`${e}.category_id IN (
      WITH RECURSIVE d(category_id) AS (
        SELECT unnest([${p.bindList(filter.category, 'BIGINT')}])
        UNION SELECT c.category_id FROM categories c JOIN d ON c.parent_id = d.category_id
      ) SELECT category_id FROM d)`);
  }
  if (filter.item) parts.push(`${e}.item_id IN (${p.bindList(filter.item, 'BIGINT')})`);
  if (filter.content) parts.push(`${e}.content_id IN (${p.bindList(filter.content, 'BIGINT')})`);
  if (filter.live) parts.push(`${e}.live_id IN (${p.bindList(filter.live, 'BIGINT')})`);
  if (filter.brand) {
    needsItems = true;
    parts.push(`${it}.brand IN (${p.bindList(filter.brand)})`);
  }
  if (filter.place) parts.push(`(${filter.place.map((g) => `starts_with(${e}.geohash, ${p.bind(g)})`).join(' OR ')})`);
  for (const [key, value] of Object.entries(filter.properties ?? {})) {
    parts.push(`json_extract_string(${e}.properties, ${p.bind(`$.${key}`)}) = ${p.bind(String(value))}`);
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', needsItems };
}

/**
 * The predicate on an event time for a window; the as-of bound always applies, so nothing after as-of
 * counts. `asOf` is an SQL expression of type TIMESTAMP.
 */
export function windowSql(window: Window | undefined, p: SqlParams, asOf: string, ts = 'e.ts'): string {
  const parts = [`${ts} <= ${asOf}`];
  if (window?.last) parts.push(`${ts} > ${asOf} - to_seconds(CAST(${p.bind(durationSeconds(window.last))} AS BIGINT))`);
  if (window?.olderThan) parts.push(`${ts} <= ${asOf} - to_seconds(CAST(${p.bind(durationSeconds(window.olderThan))} AS BIGINT))`);
  if (window?.from) parts.push(`${ts} >= CAST(${p.bind(window.from)} AS TIMESTAMP)`);
  if (window?.to) {
    // A bare date as the end includes the whole of that day.
    parts.push(window.to.length === 10 ? `${ts} < CAST(CAST(${p.bind(window.to)} AS DATE) + 1 AS TIMESTAMP)` : `${ts} <= CAST(${p.bind(window.to)} AS TIMESTAMP)`);
  }
  return parts.join(' AND ');
}

/** Whether `value` compared to the threshold holds, in JavaScript (to know whether zero satisfies it). */
export function holds(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '=':
      return value === threshold;
    case '!=':
      return value !== threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    default:
      throw new Error(`unknown comparison ${op}`);
  }
}

/** SQL comparison operator for a condition's op ("!=" is "<>"). */
export function sqlOp(op: string): string {
  return op === '!=' ? '<>' : op;
}
