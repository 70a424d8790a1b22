/**
 * What every candidate source produces, for the users of one chunk: a relation selecting
 *
 *   user_id BIGINT, item_id BIGINT, score DOUBLE,
 *   ev_item BIGINT, ev_cat BIGINT, ev_n DOUBLE, ev_m DOUBLE, ev_text VARCHAR, ev_text2 VARCHAR
 *
 * where `score` is the source's own score (any scale: the blend divides by the user's best) and the `ev_*`
 * columns are the evidence its reason is written from (blend/reasons.ts):
 *
 * | source | ev_item | ev_cat | ev_n | ev_m | ev_text | ev_text2 |
 * |---|---|---|---|---|---|---|
 * | content | | matched category | its interest score | 1 when the price band matches | | matched brand |
 * | social | | | friends who bought it | friends | | |
 * | replenishment | | cycle's category | interval (days) | days until due | | |
 * | popular | | | decayed users | | gender (segment) | age band (segment) |
 * | itemcf | the user's item that contributed most | | contributing items | | | |
 * | usercf | | | neighbours who had it | | | |
 */
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { Relation, TrainedModel } from '../algorithms/types.js';
import type { RecsConfig, SourceName } from '../blend/config.js';

export const CANDIDATE_COLUMNS = 'user_id, item_id, score, ev_item, ev_cat, ev_n, ev_m, ev_text, ev_text2';

export interface SourceContext {
  wh: Warehouse;
  asOf: Date;
  config: RecsConfig;
  /** Which optional build tables exist. */
  has: { interest: boolean; cycles: boolean; gifts: boolean; tags: boolean };
  /** Models trained by the algorithms module for this run. */
  models: Partial<Record<'popular' | 'itemcf' | 'usercf', TrainedModel>>;
}

export interface Source {
  name: SourceName;
  /** Candidates for `users` (a relation selecting user_id), or null when the source has nothing to offer here. */
  candidates(ctx: SourceContext, users: Relation, k: number): Relation | null;
}

/** Shared tables the sources read, made by `prepareSources` (sources/prepare.ts). */
export const T = {
  interactions: 'rec_interactions',
  catalogue: 'rec_catalogue',
  buys: 'rec_buys',
  itemPop: 'rec_item_pop',
  segmentPop: 'rec_segment_pop',
  users: 'rec_users',
  giftCats: 'rec_gift_categories',
  blocked: 'rec_blocked',
  chunk: 'rec_chunk_users',
  candidates: 'rec_candidates',
} as const;
