/**
 * The collaborative sources, from the algorithms module (src/recommend/algorithms): item-CF ("because you
 * viewed X": the user's item that contributed the most similarity) and user-CF ("N shoppers like you
 * viewed or bought this": neighbours who had the item), each the model's top k for the chunk's users,
 * leaving out every item the user interacted with (exclude 'training').
 */
import { itemcf, usercf, type Algorithm, type Relation, type TrainedModel } from '../algorithms/index.js';
import type { SourceName } from '../blend/config.js';
import { Params } from './sql.js';
import type { Source, SourceContext } from './types.js';

function fromModel(name: SourceName & ('itemcf' | 'usercf'), algorithm: Algorithm): Source {
  return {
    name,
    candidates(ctx: SourceContext, users: Relation, k: number): Relation | null {
      const model: TrainedModel | undefined = ctx.models[name];
      if (!model) return null;
      const p = new Params();
      const inner = p.nest(algorithm.recommendSql(model, users, k, 'training'));
      return p.relation(`
        SELECT user_id, item_id, score,
               ${name === 'itemcf' ? 'evidence_item_id' : 'CAST(NULL AS BIGINT)'} AS ev_item, CAST(NULL AS BIGINT) AS ev_cat,
               CAST(evidence_count AS DOUBLE) AS ev_n, CAST(NULL AS DOUBLE) AS ev_m,
               CAST(NULL AS VARCHAR) AS ev_text, CAST(NULL AS VARCHAR) AS ev_text2
        FROM (${inner})`);
    },
  };
}

export const itemcfSource: Source = fromModel('itemcf', itemcf as unknown as Algorithm);
export const usercfSource: Source = fromModel('usercf', usercf as unknown as Algorithm);
