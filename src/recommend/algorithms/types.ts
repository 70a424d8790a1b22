/**
 * The contract shared by the recommendation algorithms, the offline evaluation and the workspace side
 * (sources, blending, serving). One implementation of each algorithm serves both: the caller hands it a
 * relation of weighted interactions, the algorithm materialises its model in engine tables, and
 * recommendations come back as a relation (to join into a blend) or as rows.
 *
 * Ranking: score descending, then smaller item id (numerically, ids are BIGINT). Scores are compared
 * after rounding to 9 decimal places, so two sums of the same similarities added in a different order
 * still tie and the tie-break stays deterministic.
 */
import type { SqlValue, Warehouse } from '../../warehouse/warehouse.js';

/** A SQL query with its bound parameters ($1, $2...; numbered from 1 within `sql`). */
export interface Relation {
  sql: string;
  params: SqlValue[];
}

/**
 * Interactions: a relation selecting exactly `user_id BIGINT, item_id BIGINT, ts TIMESTAMP, weight DOUBLE`,
 * one row per interaction (event). `weight` is the caller's behaviour weight (e.g. pv 1, fav 2, cart 3,
 * buy 4); textbook algorithms ignore it (binary matrix) unless an option asks for it.
 */
export type InteractionsRelation = Relation;

/** Users to recommend for: a relation selecting `user_id BIGINT` (duplicates are ignored). */
export type UsersRelation = Relation;

/** (user, item) pairs to leave out of the recommendations: a relation selecting `user_id BIGINT, item_id BIGINT`. */
export type PairsRelation = Relation;

export type AlgorithmName = 'popular' | 'itemcf' | 'usercf';

export interface BaseTrainOptions {
  /**
   * Prefix of the tables the model is stored in (e.g. `rec_itemcf` makes `rec_itemcf_neighbours`...).
   * Must match /^[A-Za-z_][A-Za-z0-9_]*$/; existing tables with these names are replaced.
   */
  prefix: string;
  /** Create TEMP tables (dropped with the connection) instead of persistent ones. Default false. */
  temporary?: boolean;
}

export interface PopularOptions extends BaseTrainOptions {
  /**
   * What is counted per item. 'users' (default, textbook): distinct users who interacted with it.
   * 'weight': the sum over users of the user's weight for the item (see `pairWeight`), so a purchase counts more than a view.
   */
  count?: 'users' | 'weight';
  /**
   * Time decay: each interaction counts 0.5^(age / halfLifeDays), age measured from the latest interaction
   * in the training data (or `asOf`). Default: none. With decay, a user's contribution to an item is the
   * largest decayed value among the user's interactions with it (times its weight when count = 'weight').
   */
  halfLifeDays?: number;
  /** Reference time for the decay; default the latest `ts` in the interactions. */
  asOf?: Date;
}

export interface ItemCfOptions extends BaseTrainOptions {
  /** Use the interactions' weights (a user's weight for an item = the sum of its interactions' weights) instead of the binary matrix. Default false (textbook). */
  useWeights?: boolean;
  /** Shrinkage λ: similarity × n_ij / (n_ij + λ), n_ij = users who interacted with both. Default 0 (none). */
  shrinkage?: number;
  /** Neighbours kept per item (the K most similar; ties by smaller item id). Default 20. */
  neighbours?: number;
  /**
   * Per-user history cap: only each user's most recent `historyCap` distinct items (by latest interaction,
   * ties by smaller item id) enter training and scoring, so the co-occurrence work per user is bounded by
   * historyCap². Default 100. 0 or Infinity: no cap.
   */
  historyCap?: number;
  /** Inverse user frequency: a user with n items adds 1/ln(1+n) to a co-occurrence instead of 1 (ItemCF-IUF). Default false. */
  iuf?: boolean;
}

export interface UserCfOptions extends BaseTrainOptions {
  /** As for item-CF: the weighted matrix instead of the binary one. Default false. */
  useWeights?: boolean;
  /** Shrinkage λ on the number of common items. Default 0. */
  shrinkage?: number;
  /** Neighbour users kept per user. Default 20. */
  neighbours?: number;
  /** As for item-CF; default 100 most recent items per user. */
  historyCap?: number;
  /**
   * Inverse item frequency: an item with n users adds 1/ln(1+n) to a user pair's overlap (UserCF-IIF).
   * Default false.
   */
  iif?: boolean;
  /**
   * Items with more than this many users are skipped when pairing users (their user pairs grow as n²).
   * Default: no limit (textbook). Their users still get them recommended.
   */
  maxItemUsers?: number;
}

export type TrainOptions = PopularOptions | ItemCfOptions | UserCfOptions;

/** A trained model: where its tables are and what it was trained with. Plain data, JSON-serialisable. */
export interface TrainedModel {
  algorithm: AlgorithmName;
  prefix: string;
  /** The options used, defaults filled in (without prefix/temporary). */
  options: Record<string, unknown>;
  /** Names of every table the model made (unquoted); `dropModel` removes them. */
  tables: string[];
  /** Counts about the training data and the model. */
  stats: {
    interactions: number;
    users: number;
    items: number;
    /** item-CF: stored item-item neighbour rows; user-CF: user-user rows; popular: ranked items. */
    modelRows: number;
  };
  /** Wall-clock training time, milliseconds. */
  trainMs: number;
}

/**
 * One recommendation. Evidence explains it:
 * - popular: `evidence_count` = distinct users (or the weighted/decayed count) behind the item; `evidence_item_id` null;
 * - itemcf: `evidence_item_id` = the user's item that contributed the most similarity (ties by smaller id),
 *   `evidence_count` = how many of the user's items contributed;
 * - usercf: `evidence_count` = how many of the user's neighbours had the item; `evidence_item_id` null.
 */
export interface Recommendation {
  user_id: number | bigint;
  item_id: number | bigint;
  score: number;
  /** 1-based. */
  rank: number;
  evidence_item_id: number | bigint | null;
  evidence_count: number;
}

/**
 * Which (user, item) pairs are not recommended: 'training' (default) leaves out every item the user
 * interacted with in the training interactions (all of them, not only the capped history); 'none' leaves
 * nothing out; or a relation of pairs.
 */
export type Exclude = 'training' | 'none' | PairsRelation;

export interface Algorithm<O extends BaseTrainOptions = BaseTrainOptions> {
  readonly name: AlgorithmName;
  /** Materialises the model in tables named `${options.prefix}_...`. */
  train(wh: Warehouse, interactions: InteractionsRelation, options: O): Promise<TrainedModel>;
  /**
   * A relation selecting `user_id BIGINT, item_id BIGINT, score DOUBLE, rank BIGINT, evidence_item_id BIGINT,
   * evidence_count DOUBLE` for every user in `users` with at least one candidate: each user's top k,
   * rank 1..k. Parameters of `users` and `exclude` are renumbered inside.
   */
  recommendSql(model: TrainedModel, users: UsersRelation, k: number, exclude?: Exclude): Relation;
  /** The same, run for a list of users; rows ordered by user (as given) then rank. */
  recommend(
    wh: Warehouse,
    model: TrainedModel,
    userIds: readonly (number | bigint)[],
    k: number,
    exclude?: Exclude,
  ): Promise<Recommendation[]>;
}
