/**
 * Replenishment: consumables the user is due to buy again, from `purchase_cycles` (docs/cycles.md). A
 * cycle is due when -round(interval) <= d <= horizonDays, d = next_due - the as-of day (the due rule of
 * `portrait due`, measured from this run's as-of). The item is the user's most recent purchase in the
 * cycle's category (ties: smaller id), unless the catalogue says it is not a consumable. score = 1 / (1 + |d|):
 * due today 1, due in 4 days or 4 days late 0.2.
 */
import type { Relation } from '../algorithms/types.js';
import { Params } from './sql.js';
import { T, type Source, type SourceContext } from './types.js';

export const replenishmentSource: Source = {
  name: 'replenishment',
  candidates(ctx: SourceContext, users: Relation, k: number): Relation | null {
    if (!ctx.has.cycles) return null;
    const p = new Params();
    const u = p.nest(users);
    return p.relation(`
      WITH u AS (${u}),
      c AS (
        SELECT user_id, category_id, interval_days, datediff('day', CAST(CAST(${p.value(ctx.asOf)} AS TIMESTAMP) AS DATE), next_due) AS d
        FROM purchase_cycles WHERE user_id IN (SELECT user_id FROM u)),
      due AS (SELECT * FROM c WHERE d >= -round(interval_days) AND d <= ${p.value(ctx.config.replenishment.horizonDays)}),
      usual AS (
        SELECT b.user_id, b.category_id, b.item_id FROM ${T.buys} b
        LEFT JOIN ${T.catalogue} cat ON cat.item_id = b.item_id
        WHERE b.user_id IN (SELECT user_id FROM due) AND coalesce(cat.consumable, true)
        QUALIFY row_number() OVER (PARTITION BY b.user_id, b.category_id ORDER BY b.last_ts DESC, b.item_id) = 1)
      SELECT due.user_id, usual.item_id, 1.0 / (1 + abs(due.d)) AS score,
             CAST(NULL AS BIGINT) AS ev_item, due.category_id AS ev_cat, CAST(round(due.interval_days) AS DOUBLE) AS ev_n,
             CAST(due.d AS DOUBLE) AS ev_m, CAST(NULL AS VARCHAR) AS ev_text, CAST(NULL AS VARCHAR) AS ev_text2
      FROM due JOIN usual ON usual.user_id = due.user_id AND usual.category_id = due.category_id
      QUALIFY row_number() OVER (PARTITION BY due.user_id ORDER BY abs(due.d), usual.item_id) <= ${p.value(k)}`);
  },
};
