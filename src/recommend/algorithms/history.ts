/** The training steps every algorithm shares: the user-item pairs seen in training, and the capped history. */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { countOf, createAs, table, withoutInsertionOrder } from './sql.js';
import type { BaseTrainOptions, InteractionsRelation } from './types.js';

export interface SeenStats {
  interactions: number;
  users: number;
  items: number;
}

/**
 * `{prefix}_seen`: one row per (user, item) in training with the sum of weights `w` (a missing weight
 * counts 1), the latest time `last_ts` and the number of interactions `n`. It is the exclusion list
 * ("not in the user's training interactions") and the base of every model.
 */
export async function trainSeen(wh: Warehouse, interactions: InteractionsRelation, options: BaseTrainOptions): Promise<SeenStats> {
  await withoutInsertionOrder(wh, () => wh.run(
    createAs(
      options,
      'seen',
      `SELECT CAST(user_id AS BIGINT) AS user_id, CAST(item_id AS BIGINT) AS item_id,
         CAST(sum(coalesce(weight, 1)) AS DOUBLE) AS w, max(ts) AS last_ts, count(*) AS n
       FROM (${interactions.sql}) i WHERE user_id IS NOT NULL AND item_id IS NOT NULL
       GROUP BY 1, 2`,
    ),
    interactions.params,
  ));
  const seen = table(options.prefix, 'seen');
  const rows = await wh.query<{ interactions: number; users: number; items: number }>(
    `SELECT coalesce(sum(n), 0) AS interactions, count(DISTINCT user_id) AS users, count(DISTINCT item_id) AS items FROM ${seen}`,
  );
  const r = rows[0]!;
  return { interactions: Number(r.interactions), users: Number(r.users), items: Number(r.items) };
}

/**
 * `{prefix}_history`: each user's `cap` most recent distinct items (latest interaction first, ties by
 * smaller item id) with value `v`: 1 on the binary matrix, the pair's summed weight otherwise.
 */
export async function trainHistory(wh: Warehouse, options: BaseTrainOptions, cap: number, useWeights: boolean): Promise<number> {
  const seen = table(options.prefix, 'seen');
  const v = useWeights ? 'w' : 'CAST(1 AS DOUBLE)';
  await withoutInsertionOrder(wh, () => writeHistory(wh, options, seen, v, cap));
  return countOf(wh, `SELECT count(*) AS n FROM ${table(options.prefix, 'history')}`);
}

async function writeHistory(wh: Warehouse, options: BaseTrainOptions, seen: string, v: string, cap: number): Promise<void> {
  if (Number.isFinite(cap) && cap > 0) {
    const c = Math.floor(cap);
    // Only users over the cap need the sort by time; the others keep every item (half the rows or more).
    await wh.run(
      createAs(
        options,
        'history',
        `WITH sizes AS (SELECT user_id, count(*) AS n FROM ${seen} GROUP BY user_id)
         SELECT user_id, item_id, ${v} AS v FROM ${seen} WHERE user_id IN (SELECT user_id FROM sizes WHERE n <= ${c})
         UNION ALL
         SELECT user_id, item_id, ${v} AS v FROM ${seen} WHERE user_id IN (SELECT user_id FROM sizes WHERE n > ${c})
         QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY last_ts DESC, item_id ASC) <= ${c}`,
      ),
    );
  } else {
    await wh.run(createAs(options, 'history', `SELECT user_id, item_id, ${v} AS v FROM ${seen}`));
  }
}

export function tableNames(prefix: string, parts: string[]): string[] {
  return parts.map((p) => `${prefix}_${p}`);
}
