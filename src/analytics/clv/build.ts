/**
 * The lifetime-value build stage: BG/NBD and Gamma-Gamma fitted on the workspace's purchases (daily
 * periods, calibration ending on the as-of day) and every buyer scored into `clv_scores`. Without enough
 * repeat buyers with amounts, Gamma-Gamma is skipped and clv stays empty while the purchase model's
 * scores are kept. See docs/clv.md.
 */
import { requireAsOf } from '../as-of.js';
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { expectedPurchases, fitBgNbd, probabilityAlive, type BgNbdParams } from './bgnbd.js';
import { fitClv, type ClvResult } from './index.js';
import type { TransactionSummary } from './transactions.js';

export const CLV_TABLE = 'clv_scores';
/** Days ahead for expected purchases and CLV. */
export const CLV_HORIZON_DAYS = 365;

export interface ClvBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
  /** Fitted parameters, or why there are none. */
  bgnbd: BgNbdParams | null;
  gammaGamma: { p: number; q: number; gamma: number } | null;
  note?: string;
}

/** Per buyer: repeat purchase days (x), days from first to last (t_x), from first to as-of (T), mean repeat-day spend. */
async function summariseBuyers(ws: Workspace, asOf: Date): Promise<TransactionSummary> {
  const rows = await ws.wh.query<{ user_id: number; x: number; tx: number; T: number; mean_spend: number | null }>(
    `WITH d AS (
       SELECT user_id, CAST(ts AS DATE) AS day, sum(coalesce(amount, 0)) AS amount
       FROM events WHERE type = 'buy' AND ts <= CAST($1 AS TIMESTAMP) GROUP BY ALL
     ), f AS (SELECT *, min(day) OVER (PARTITION BY user_id) AS first FROM d)
     SELECT user_id, CAST(count(*) - 1 AS DOUBLE) AS x, CAST(max(day) - min(first) AS DOUBLE) AS tx,
       CAST(CAST(CAST($1 AS TIMESTAMP) AS DATE) - min(first) AS DOUBLE) AS "T",
       avg(amount) FILTER (WHERE day > first) AS mean_spend
     FROM f GROUP BY user_id ORDER BY user_id`,
    [asOf],
  );
  const n = rows.length;
  const summary: TransactionSummary = {
    file: 'events',
    period: 'day',
    calibrationEnd: asOf.toISOString().slice(0, 10),
    users: rows.map((r) => String(r.user_id)),
    x: Float64Array.from(rows, (r) => r.x),
    tx: Float64Array.from(rows, (r) => r.tx),
    T: Float64Array.from(rows, (r) => r.T),
    meanSpend: Float64Array.from(rows, (r) => r.mean_spend ?? 0),
    holdout: new Float64Array(n),
    holdoutPeriods: 0,
    rows: n,
    newInHoldout: 0,
    firstDate: null,
    lastDate: null,
  };
  return summary;
}

export async function buildClvScores(ws: Workspace, options: { asOf?: Date; discountRate?: number } = {}): Promise<ClvBuildReport> {
  const started = Date.now();
  const { wh } = ws;
  const asOf = await requireAsOf(wh, options.asOf, 'lifetime value');
  const summary = await summariseBuyers(ws, asOf);
  const report: ClvBuildReport = { asOf, rows: 0, seconds: 0, bgnbd: null, gammaGamma: null };
  const columns = { user_id: [] as number[], x: [] as number[], ep: [] as number[], alive: [] as number[], spend: [] as (number | null)[], clv: [] as (number | null)[] };
  const repeaters = summary.x.filter((x) => x > 0).length;
  if (summary.users.length >= 10 && repeaters >= 3) {
    let result: ClvResult | null = null;
    try {
      result = fitClv(summary, { horizon: CLV_HORIZON_DAYS, discountRate: options.discountRate ?? 0.1 });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      report.note = `Gamma-Gamma not fitted: ${error.message}`;
    }
    const params = result?.bgnbd.params ?? fitBgNbd({ x: summary.x, tx: summary.tx, T: summary.T }).params;
    report.bgnbd = params;
    report.gammaGamma = result ? result.gammaGamma.params : null;
    summary.users.forEach((u, i) => {
      const [x, tx, T] = [summary.x[i]!, summary.tx[i]!, summary.T[i]!];
      columns.user_id.push(Number(u));
      columns.x.push(x);
      columns.ep.push(result ? result.scores.expectedPurchases[i]! : expectedPurchases(params, CLV_HORIZON_DAYS, x, tx, T));
      columns.alive.push(result ? result.scores.probabilityAlive[i]! : probabilityAlive(params, x, tx, T));
      columns.spend.push(result ? result.scores.expectedSpend[i]! : null);
      columns.clv.push(result ? result.scores.clv[i]! : null);
    });
  } else {
    report.note = `too few buyers to fit (${summary.users.length} buyers, ${repeaters} with repeat purchases; need 10 and 3)`;
  }
  const json = [columns.user_id, columns.x, columns.ep, columns.alive, columns.spend, columns.clv].map((c) => JSON.stringify(c));
  await wh.transaction(async () => {
    await wh.run(
      `CREATE OR REPLACE TABLE ${CLV_TABLE} AS
       SELECT CAST(user_id AS BIGINT) AS user_id, CAST(x AS BIGINT) AS repeat_purchases, CAST(ep AS DOUBLE) AS expected_purchases,
         CAST(alive AS DOUBLE) AS p_alive, CAST(spend AS DOUBLE) AS expected_spend, CAST(clv AS DOUBLE) AS clv, CAST($7 AS TIMESTAMP) AS as_of
       FROM (SELECT unnest(from_json($1, '["BIGINT"]')) AS user_id, unnest(from_json($2, '["DOUBLE"]')) AS x,
         unnest(from_json($3, '["DOUBLE"]')) AS ep, unnest(from_json($4, '["DOUBLE"]')) AS alive,
         unnest(from_json($5, '["DOUBLE"]')) AS spend, unnest(from_json($6, '["DOUBLE"]')) AS clv)`,
      [...json, asOf],
    );
  });
  if (columns.user_id.length === 0 && !report.note) throw new PortraitError('lifetime value: no buyers');
  report.rows = columns.user_id.length;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
