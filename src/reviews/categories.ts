/**
 * The category tree in SQL: each category with its ancestors, the top-level category of a leaf, and the
 * grouping of categories under a chosen one (its children, one level down). Used by the review report
 * (by category, --category) and the live report (viewers' interests by top-level category).
 */
import type { SqlParams } from '../conditions/params.js';

/** Deeper than any real tree; stops a cycle in bad data from recursing forever. */
const MAX_DEPTH = 32;

/** A recursive CTE (name it with WITH RECURSIVE): category_id, ancestor_id (itself included), parent_id of the ancestor. */
export const CATEGORY_PATHS_SQL = `SELECT category_id, category_id AS ancestor_id, parent_id, 0 AS depth FROM categories
  UNION ALL
  SELECT p.category_id, c.category_id, c.parent_id, p.depth + 1
  FROM category_paths p JOIN categories c ON c.category_id = p.parent_id
  WHERE p.depth < ${MAX_DEPTH}`;

/**
 * A query over the CTE category_paths: every category with the group it falls in. Without a root the
 * group is the top-level ancestor; under a root R (a placeholder bound to its id) only R and
 * its descendants appear, grouped by their ancestor one level below R (R itself when R is a leaf).
 */
export function categoryGroupsSql(p: SqlParams, root: number | null): string {
  if (root === null) {
    // The farthest ancestor reached: the top level, or the last one known when a parent is missing.
    return `SELECT category_id, arg_max(ancestor_id, depth) AS grp FROM category_paths GROUP BY category_id`;
  }
  const r = `CAST(${p.bind(root)} AS BIGINT)`;
  return `SELECT category_id, coalesce(max(ancestor_id) FILTER (WHERE parent_id = ${r}), ${r}) AS grp
    FROM category_paths GROUP BY category_id HAVING bool_or(ancestor_id = ${r})`;
}

/**
 * CTEs category_paths and scope_items (item_id, grp): every item with its group; under a root only the
 * items in it. Needs WITH RECURSIVE.
 */
export function scopeItemsCtes(p: SqlParams, root: number | null): string {
  return `category_paths AS (${CATEGORY_PATHS_SQL}),
  category_groups AS (${categoryGroupsSql(p, root)}),
  scope_items AS (
    SELECT i.item_id, ${root === null ? 'coalesce(g.grp, i.category_id)' : 'g.grp'} AS grp
    FROM items i ${root === null ? 'LEFT JOIN' : 'JOIN'} category_groups g ON g.category_id = i.category_id
  )`;
}
