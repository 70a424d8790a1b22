/**
 * Social proof: items the user's friends bought. Friends are the social module's friend relation
 * (`friendsSql`: `social_edges` of kind friend in either direction that appeared at or before as-of); a friend's purchases are their buy events at or before as-of
 * (rec_buys). score = the number of distinct friends who bought the item (evidence: that number and the
 * user's friends: "6 of your 10 friends bought this"). Ties: smaller item id.
 */
import type { Relation } from '../algorithms/types.js';
import { friendsSql } from '../../social/relations.js';
import { Params } from './sql.js';
import { T, type Source, type SourceContext } from './types.js';

export const socialSource: Source = {
  name: 'social',
  candidates(ctx: SourceContext, users: Relation, k: number): Relation | null {
    const p = new Params();
    const u = p.nest(users);
    const asOf = p.value(ctx.asOf);
    return p.relation(`
      WITH u AS (${u}),
      f AS (SELECT user_id, friend_id AS friend FROM (${friendsSql(asOf, 'SELECT user_id FROM u')}) fr),
      nf AS (SELECT user_id, count(*) AS friends FROM f GROUP BY user_id),
      fb AS (SELECT f.user_id, b.item_id, count(*) AS n FROM f JOIN ${T.buys} b ON b.user_id = f.friend GROUP BY f.user_id, b.item_id)
      SELECT fb.user_id, fb.item_id, CAST(fb.n AS DOUBLE) AS score,
             CAST(NULL AS BIGINT) AS ev_item, CAST(NULL AS BIGINT) AS ev_cat, CAST(fb.n AS DOUBLE) AS ev_n, CAST(nf.friends AS DOUBLE) AS ev_m,
             CAST(NULL AS VARCHAR) AS ev_text, CAST(NULL AS VARCHAR) AS ev_text2
      FROM fb JOIN nf USING (user_id)
      QUALIFY row_number() OVER (PARTITION BY fb.user_id ORDER BY fb.n DESC, fb.item_id) <= ${p.value(k)}`);
  },
};
