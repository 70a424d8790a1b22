/**
 * Baskets from a workspace: one per order (`orders.order_id`), or one per user and local day of buy
 * events (times are the platform's local wall-clock time, so the day is the day the user lived). Items
 * are item ids, or category ids with `items: 'category'`. Only data up to `asOf` is used when given.
 */
import type { Workspace } from '../../workspace/workspace.js';
import { BasketBuilder, type Baskets } from './baskets.js';
import { addBasketLine } from './read.js';
import { mineBasketRules, type BasketRuleSet, type RuleOptions } from './rules.js';

export const BASKET_KINDS = ['order', 'user-day'] as const;
export type BasketKind = (typeof BASKET_KINDS)[number];
export const BASKET_ITEMS = ['item', 'category'] as const;
export type BasketItems = (typeof BASKET_ITEMS)[number];

export interface WorkspaceBasketOptions {
  basket: BasketKind;
  /** Item level: item ids (default) or their category ids. */
  items?: BasketItems;
  /** Only orders / buys at or before this time. */
  asOf?: Date;
}

function basketSql(kind: BasketKind, items: BasketItems): string {
  // $1: as-of time or null. Nothing from the caller is spliced in: only the fixed choices above.
  const upTo = 'CAST($1 AS TIMESTAMP) IS NULL OR ts <= CAST($1 AS TIMESTAMP)';
  const lines =
    kind === 'order'
      ? items === 'item'
        ? `SELECT DISTINCT order_id AS b1, 0 AS b2, item_id AS x FROM orders WHERE ${upTo}`
        : `SELECT DISTINCT o.order_id AS b1, 0 AS b2, i.category_id AS x FROM orders o JOIN items i ON i.item_id = o.item_id
           WHERE i.category_id IS NOT NULL AND (CAST($1 AS TIMESTAMP) IS NULL OR o.ts <= CAST($1 AS TIMESTAMP))`
      : `SELECT DISTINCT user_id AS b1, CAST(ts AS DATE) AS b2, ${items === 'item' ? 'item_id' : 'category_id'} AS x FROM events
         WHERE type = 'buy' AND ${items === 'item' ? 'item_id' : 'category_id'} IS NOT NULL AND (${upTo})`;
  return `SELECT string_agg(CAST(x AS VARCHAR), ',' ORDER BY x) AS items FROM (${lines}) GROUP BY b1, b2 ORDER BY b1, b2`;
}

/** The workspace's baskets, coded for mining; item names are the ids as text. */
export async function basketsFromWorkspace(ws: Workspace, options: WorkspaceBasketOptions): Promise<Baskets> {
  const items = options.items ?? 'item';
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) throw new RangeError('asOf is not a valid date');
  const rows = await ws.wh.query<{ items: string }>(basketSql(options.basket, items), [options.asOf ?? null]);
  const builder = new BasketBuilder();
  for (const row of rows) addBasketLine(builder, row.items);
  const what = options.basket === 'order' ? 'orders' : 'buy events by user and day';
  const asOf = options.asOf ? ` up to ${options.asOf.toISOString().slice(0, 19).replace('T', ' ')}` : '';
  return builder.finish(`workspace ${what}${items === 'category' ? ' (categories)' : ''}${asOf}`);
}

/** Baskets from the workspace, then the rules: the function a bench stage calls. */
export async function workspaceBasketRules(ws: Workspace, options: WorkspaceBasketOptions & RuleOptions): Promise<BasketRuleSet> {
  const baskets = await basketsFromWorkspace(ws, options);
  return mineBasketRules(baskets, options);
}
