/**
 * Scores from signals. A signal's evidence is weight x strength; a kind's score combines its evidence as
 * independent chances of being right (noisy-OR): 1 - the product of (1 - evidence). So scores stay within
 * 0..1, each further signal raises the score by a share of what is left, and a signal whose weight is
 * below the threshold cannot flag a user alone. The user's score is the larger kind's; that is the main kind.
 */
import { SqlParams } from '../conditions/params.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { RISK_SIGNALS, riskSignalKind, type RiskConfig } from './config.js';
import { computeSignals, W } from './signals.js';

/** The columns of user_risk, in order. */
export const RISK_COLUMNS = 'user_id BIGINT, flagged BOOLEAN, score DOUBLE, kind VARCHAR, coupon_abuse DOUBLE, scalping DOUBLE, reasons VARCHAR[]';

/** Scores are rounded to this many decimals, so a score written as 0.5 on paper is 0.5 when compared with the threshold. */
const DECIMALS = 6;

/**
 * Writes every account known as of `asOf` (declared users registered by then, and everyone with an event
 * by then) with its scores and reasons into `table` (created or replaced; a temporary table when asked),
 * sorted by user.
 */
export async function scoreUsers(wh: Warehouse, asOf: Date, config: RiskConfig, table: string, options: { temporary?: boolean } = {}): Promise<void> {
  await computeSignals(wh, asOf, config, RISK_SIGNALS);
  const p = new SqlParams();
  const weights = RISK_SIGNALS.map((s) => `(${p.bind(s)}, ${p.bind(riskSignalKind(s))}, CAST(${p.bind(config.weights[s])} AS DOUBLE))`).join(', ');
  const t = `CAST(${p.bind(asOf)} AS TIMESTAMP)`;
  const noisyOr = (kind: string) => `round(1 - coalesce(product(1 - evidence) FILTER (WHERE kind = ${p.bind(kind)}), 1), ${DECIMALS})`;
  await wh.run(
    `CREATE OR REPLACE ${options.temporary ? 'TEMP ' : ''}TABLE ${table} AS
     WITH w(signal, kind, weight) AS (VALUES ${weights}),
     e AS (SELECT s.user_id, s.signal, w.kind, w.weight * s.strength AS evidence, s.reasons FROM ${W.signals} s JOIN w USING (signal)),
     k AS (
       SELECT user_id, ${noisyOr('coupon_abuse')} AS coupon_abuse, ${noisyOr('scalping')} AS scalping,
         flatten(list(reasons ORDER BY evidence DESC, signal)) AS reasons
       FROM e GROUP BY user_id
     ),
     u AS (
       SELECT user_id FROM users WHERE registered_at IS NULL OR registered_at <= ${t}
       UNION SELECT user_id FROM events WHERE ts <= ${t}
       UNION SELECT user_id FROM k
     )
     SELECT CAST(u.user_id AS BIGINT) AS user_id,
       coalesce(greatest(k.coupon_abuse, k.scalping), 0) >= CAST(${p.bind(config.threshold)} AS DOUBLE) AS flagged,
       coalesce(greatest(k.coupon_abuse, k.scalping), 0) AS score,
       CASE WHEN coalesce(greatest(k.coupon_abuse, k.scalping), 0) = 0 THEN NULL
            WHEN k.scalping > k.coupon_abuse THEN 'scalping' ELSE 'coupon_abuse' END AS kind,
       coalesce(k.coupon_abuse, 0) AS coupon_abuse, coalesce(k.scalping, 0) AS scalping,
       coalesce(k.reasons, CAST([] AS VARCHAR[])) AS reasons
     FROM u LEFT JOIN k USING (user_id)
     ORDER BY user_id`,
    p.values,
  );
}
