/**
 * The tables the sources share, made once per training run (each one pass over its input):
 *
 * - rec_interactions: the weighted interactions (interactions.ts), materialised so nothing rescans events;
 * - rec_catalogue: every item seen (items and interacted items) with its category (items.category_id, else
 *   the smallest category its events carry), brand, price, consumable flag, title and price band (low, middle,
 *   high: the price's mid-rank percentile among priced items of its category, below 1/3 low, from 2/3 high;
 *   the rule of the price_level trait);
 * - rec_buys: distinct (user, item) bought at or before as-of, with the purchase's category (the event's, else
 *   the item's; as purchase cycles), the last purchase time and the purchase days;
 * - rec_item_pop: each item's time-decayed popularity (users, each counting 0.5^(age/halfLife) of their most
 *   recent interaction with it) and its rank in its category;
 * - rec_segment_pop: the same popularity within each predicted segment (gender x age band from the tags;
 *   'all' for everyone), top candidatesPerSource items per segment;
 * - rec_users: every user to recommend for: with interactions, known to the portrait, or declared; their
 *   chunk (by user id), segment, whether personalisation is allowed (consents) and whether they have history;
 * - rec_gift_categories: the categories of each user's gift purchases (gift_purchases);
 * - rec_blocked: (user, item) pairs bought and not marked consumable (the blend's bought filter).
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import { consentAllowsSql } from '../../privacy/consent.js';
import type { InteractionsRelation } from '../algorithms/types.js';
import type { RecsConfig } from '../blend/config.js';
import { Params, tableExists } from './sql.js';
import { T } from './types.js';

export interface Prepared {
  users: number;
  chunks: number;
  has: { interest: boolean; cycles: boolean; gifts: boolean; tags: boolean };
}

export async function prepareSources(wh: Warehouse, interactions: InteractionsRelation, asOf: Date, config: RecsConfig): Promise<Prepared> {
  const has = {
    interest: await tableExists(wh, 'interest_scores'),
    cycles: await tableExists(wh, 'purchase_cycles'),
    gifts: await tableExists(wh, 'gift_purchases'),
    tags: await tableExists(wh, 'tag_values'),
  };
  await wh.run(`CREATE OR REPLACE TABLE ${T.interactions} AS ${interactions.sql}`, interactions.params);

  await wh.run(`CREATE OR REPLACE TABLE ${T.catalogue} AS
    WITH seen AS (
      SELECT item_id, min(category_id) AS category_id FROM events
      WHERE item_id IS NOT NULL AND type IN ('pv', 'fav', 'cart', 'buy') GROUP BY item_id),
    all_items AS (
      SELECT coalesce(i.item_id, s.item_id) AS item_id, coalesce(i.category_id, s.category_id) AS category_id,
             nullif(trim(i.brand), '') AS brand, CAST(i.price AS DOUBLE) AS price, i.consumable, i.title
      FROM items i FULL OUTER JOIN seen s ON s.item_id = i.item_id),
    priced AS (
      SELECT item_id,
        (count(*) OVER (PARTITION BY category_id ORDER BY price RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
         - 0.5 * count(*) OVER (PARTITION BY category_id, price)) / count(*) OVER (PARTITION BY category_id) AS pct
      FROM all_items WHERE price IS NOT NULL AND category_id IS NOT NULL)
    SELECT a.*, CASE WHEN p.pct IS NULL THEN NULL WHEN p.pct < 1.0 / 3 THEN 0 WHEN p.pct >= 2.0 / 3 THEN 2 ELSE 1 END AS price_band
    FROM all_items a LEFT JOIN priced p USING (item_id)`);

  const p = new Params();
  await wh.run(
    `CREATE OR REPLACE TABLE ${T.buys} AS
     SELECT e.user_id, e.item_id, min(coalesce(e.category_id, i.category_id)) AS category_id, max(e.ts) AS last_ts,
            count(DISTINCT CAST(e.ts AS DATE)) AS days
     FROM events e LEFT JOIN items i ON i.item_id = e.item_id
     WHERE e.type = 'buy' AND e.item_id IS NOT NULL AND e.ts <= CAST(${p.value(asOf)} AS TIMESTAMP)
     GROUP BY e.user_id, e.item_id`,
    p.values,
  );

  // Decayed popularity: per (user, item) the most recent interaction's decay, summed over users.
  const decay = (ts: string, asOfP: string, half: string) =>
    `pow(0.5, greatest(epoch_us(CAST(${asOfP} AS TIMESTAMP)) - epoch_us(${ts}), 0) / 86400000000.0 / ${half})`;
  const q = new Params();
  const a = q.value(asOf);
  const h = q.value(config.popular.halfLifeDays);
  await wh.run(
    `CREATE OR REPLACE TABLE ${T.itemPop} AS
     WITH ui AS (SELECT user_id, item_id, max(ts) AS ts FROM ${T.interactions} GROUP BY 1, 2),
     pop AS (SELECT item_id, sum(${decay('ts', a, h)}) AS pop, count(*) AS users FROM ui GROUP BY 1)
     SELECT pop.item_id, c.category_id, pop.pop, pop.users,
            row_number() OVER (PARTITION BY c.category_id ORDER BY round(pop.pop, 9) DESC, pop.item_id) AS cat_rank
     FROM pop LEFT JOIN ${T.catalogue} c USING (item_id)`,
    q.values,
  );

  const segment = has.tags
    ? `SELECT u.user_id, g.txt AS gender, b.txt AS age_band FROM u
       LEFT JOIN tag_values g ON g.user_id = u.user_id AND g.tag = 'gender'
       LEFT JOIN tag_values b ON b.user_id = u.user_id AND b.tag = 'age_band'`
    : `SELECT user_id, CAST(NULL AS VARCHAR) AS gender, CAST(NULL AS VARCHAR) AS age_band FROM u`;
  const known = (await tableExists(wh, 'known_users')) ? 'UNION SELECT user_id FROM known_users' : '';
  await wh.run(
    `CREATE OR REPLACE TABLE ${T.users} AS
     WITH u AS (SELECT DISTINCT user_id FROM ${T.interactions} UNION SELECT user_id FROM users ${known}),
     hist AS (SELECT DISTINCT user_id FROM ${T.interactions}),
     seg AS (${segment})
     SELECT s.user_id,
            CAST((row_number() OVER (ORDER BY s.user_id) - 1) // $1 AS INTEGER) AS chunk,
            s.gender, s.age_band,
            ${consentAllowsSql('s.user_id', 'personalisation', null)} AS personalised,
            s.user_id IN (SELECT user_id FROM hist) AS history
     FROM seg s ORDER BY s.user_id`,
    [config.chunkUsers],
  );

  const r = new Params();
  const ra = r.value(asOf);
  const rh = r.value(config.popular.halfLifeDays);
  const rk = r.value(config.candidatesPerSource);
  await wh.run(
    `CREATE OR REPLACE TABLE ${T.segmentPop} AS
     WITH ui AS (SELECT user_id, item_id, max(ts) AS ts FROM ${T.interactions} GROUP BY 1, 2),
     d AS (SELECT u.gender, u.age_band, ui.item_id, ${decay('ui.ts', ra, rh)} AS w
           FROM ui JOIN ${T.users} u USING (user_id)),
     s AS (
       SELECT gender, age_band, grouping(gender, age_band) > 0 AS seg_all, item_id, sum(w) AS pop
       FROM d GROUP BY GROUPING SETS ((gender, age_band, item_id), (item_id)))
     SELECT gender, age_band, seg_all, item_id, pop,
            row_number() OVER (PARTITION BY seg_all, gender, age_band ORDER BY round(pop, 9) DESC, item_id) AS rank
     FROM s
     QUALIFY rank <= ${rk}`,
    r.values,
  );
  // seg_all marks the global list (everyone); users without gender and age band read it. A user with one of
  // the two reads the group of users with that value and the other missing.

  if (has.gifts) {
    await wh.run(`CREATE OR REPLACE TABLE ${T.giftCats} AS SELECT DISTINCT user_id, category_id FROM gift_purchases WHERE category_id IS NOT NULL`);
  } else {
    await wh.run(`CREATE OR REPLACE TABLE ${T.giftCats} (user_id BIGINT, category_id BIGINT)`);
  }
  // The bought filter's pairs: bought at or before as-of and not marked consumable (a small table the blend anti-joins).
  await wh.run(`CREATE OR REPLACE TABLE ${T.blocked} AS
    SELECT b.user_id, b.item_id FROM ${T.buys} b LEFT JOIN ${T.catalogue} c ON c.item_id = b.item_id
    WHERE NOT coalesce(c.consumable, false) ORDER BY b.user_id, b.item_id`);
  const [row] = await wh.query<{ n: number; chunks: number }>(`SELECT count(*) AS n, coalesce(max(chunk) + 1, 0) AS chunks FROM ${T.users}`);
  return { users: Number(row!.n), chunks: Number(row!.chunks), has };
}

export async function dropPrepared(wh: Warehouse): Promise<void> {
  for (const t of Object.values(T)) await wh.run(`DROP TABLE IF EXISTS ${t}`);
}
