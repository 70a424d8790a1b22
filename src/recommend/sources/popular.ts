/**
 * Popularity within the user's predicted segment (gender x age band from the `gender` and `age_band` tags,
 * declared else predicted): the segment's items by time-decayed popularity (rec_segment_pop: each user
 * counts 0.5^(age / halfLifeDays) of their latest interaction with the item). Users with neither tag read
 * everyone's list. This is what cold-start users (no interactions) get, and a low-weight filler for others.
 */
import type { Relation } from '../algorithms/types.js';
import { Params } from './sql.js';
import { T, type Source, type SourceContext } from './types.js';

export const popularSource: Source = {
  name: 'popular',
  candidates(_ctx: SourceContext, users: Relation, k: number): Relation | null {
    const p = new Params();
    const u = p.nest(users);
    return p.relation(`
      WITH u AS (${u})
      SELECT ru.user_id, s.item_id, s.pop AS score,
             CAST(NULL AS BIGINT) AS ev_item, CAST(NULL AS BIGINT) AS ev_cat, s.pop AS ev_n, CAST(NULL AS DOUBLE) AS ev_m,
             s.gender AS ev_text, s.age_band AS ev_text2
      FROM ${T.users} ru
      JOIN ${T.segmentPop} s ON s.seg_all = (ru.gender IS NULL AND ru.age_band IS NULL)
        AND s.gender IS NOT DISTINCT FROM ru.gender AND s.age_band IS NOT DISTINCT FROM ru.age_band
      WHERE ru.user_id IN (SELECT user_id FROM u) AND s.rank <= ${p.value(k)}`);
  },
};
