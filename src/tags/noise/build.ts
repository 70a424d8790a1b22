/**
 * The build stage: purchases -> `gift_purchases`, the buy events judged one-off purchases for someone
 * else. One CREATE OR REPLACE TABLE ... AS in one transaction (a failure leaves the previous table).
 * Interest scores built afterwards leave these purchases out (src/tags/interest/build.ts). See docs/noise.md.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveNoiseConfig, type NoiseConfigInput } from './config.js';
import { GIFT_TABLE, giftFlagsSelectSql } from './sql.js';

export interface GiftBuildOptions {
  /** Only events at or before it count. Defaults to the newest event. */
  asOf?: Date;
  /** Overrides of the defaults. */
  config?: NoiseConfigInput;
}

export interface GiftBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
}

/** Builds gift_purchases; returns the as-of time used, the rows written and the seconds taken. */
export async function buildGiftFlags(ws: Workspace, options: GiftBuildOptions = {}): Promise<GiftBuildReport> {
  const started = Date.now();
  const config = resolveNoiseConfig(options.config ?? {});
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) {
    throw new PortraitError('gift purchases: asOf is not a valid date');
  }
  const { wh } = ws;
  return wh.transaction(async () => {
    const asOf = await requireAsOf(wh, options.asOf, 'gift purchases');
    const { sql, params } = giftFlagsSelectSql(config, asOf);
    await wh.run(
      `CREATE OR REPLACE TABLE ${GIFT_TABLE} AS
       SELECT user_id, event_id, item_id, category_id, ts, reason, score,
         group_id, episode_interactions, episode_items, other_days, history,
         CAST($1 AS TIMESTAMP) AS as_of
       FROM (${sql}) g`,
      params,
    );
    const n = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${GIFT_TABLE}`);
    return { asOf, rows: Number(n[0]?.n ?? 0), seconds: (Date.now() - started) / 1000 };
  });
}
