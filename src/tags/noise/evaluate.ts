/**
 * Evaluation on a synthetic world (it reads truth.gifts; the build never does): judge the purchases as the
 * build would, without writing anything, and compare with the ground truth's gift purchases, matched on
 * user, item and time. A naive baseline for scale: "every purchase that is the user's only one in its
 * category group is a gift". See docs/noise.md.
 */
import { requireAsOf } from '../../analytics/as-of.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { resolveNoiseConfig, type NoiseConfig, type NoiseConfigInput } from './config.js';
import { baselineSelectSql, giftFlagsSelectSql } from './sql.js';
import type { SqlValue } from '../../warehouse/warehouse.js';

export interface GiftEvaluationOptions {
  asOf?: Date;
  config?: NoiseConfigInput;
}

export interface Scores {
  /** Purchases flagged. */
  flagged: number;
  /** Flagged purchases that are true gifts. */
  truePositives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface GiftEvaluation {
  asOf: Date;
  config: NoiseConfig;
  /** Buy events up to as-of. */
  purchases: number;
  /** True gifts (truth.gifts) up to as-of. */
  gifts: number;
  flags: Scores;
  /** The naive baseline: a purchase that is the user's only one in its category group. */
  baseline: Scores;
  seconds: number;
}

function scores(flagged: number, tp: number, gifts: number): Scores {
  const precision = flagged > 0 ? tp / flagged : null;
  const recall = gifts > 0 ? tp / gifts : null;
  const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
  return { flagged, truePositives: tp, precision, recall, f1 };
}

export async function evaluateGiftFlags(ws: Workspace, options: GiftEvaluationOptions = {}): Promise<GiftEvaluation> {
  const started = Date.now();
  const config = resolveNoiseConfig(options.config ?? {});
  const { wh } = ws;
  const t = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'truth' AND table_name = 'gifts'",
  );
  if (Number(t[0]?.n ?? 0) < 1) {
    throw new PortraitError('noise evaluate: this workspace has no ground truth (truth.gifts)', 'evaluate on a synthetic world: portrait synth --users 20k into an empty workspace');
  }
  const asOf = await requireAsOf(wh, options.asOf, 'noise evaluate');
  const count = async (select: { sql: string; params: SqlValue[] }): Promise<{ flagged: number; tp: number }> => {
    const rows = await wh.query<{ flagged: number | bigint; tp: number | bigint | null }>(
      `SELECT count(*) AS flagged, count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM truth.gifts g WHERE g.user_id = f.user_id AND g.item_id = f.item_id AND g.ts = f.ts)) AS tp
       FROM (${select.sql}) f`,
      select.params,
    );
    return { flagged: Number(rows[0]?.flagged ?? 0), tp: Number(rows[0]?.tp ?? 0) };
  };
  const flags = await count(giftFlagsSelectSql(config, asOf));
  const baseline = await count(baselineSelectSql(config, asOf));
  const totals = await wh.query<{ purchases: number | bigint; gifts: number | bigint }>(
    `SELECT (SELECT count(*) FROM events WHERE type = 'buy' AND ts <= CAST($1 AS TIMESTAMP)) AS purchases,
       (SELECT count(*) FROM (SELECT DISTINCT user_id, item_id, ts FROM truth.gifts WHERE ts <= CAST($1 AS TIMESTAMP))) AS gifts`,
    [asOf],
  );
  const gifts = Number(totals[0]?.gifts ?? 0);
  return {
    asOf,
    config,
    purchases: Number(totals[0]?.purchases ?? 0),
    gifts,
    flags: scores(flags.flagged, flags.tp, gifts),
    baseline: scores(baseline.flagged, baseline.tp, gifts),
    seconds: (Date.now() - started) / 1000,
  };
}
