/**
 * Evaluation on a synthetic world (it reads truth.abuse; the build never does): the risk scores computed
 * as of a time (default the newest event) into a working table, nothing stored, and the flagged set
 * compared with the planted abusers:
 * - per kind: flagged with that main kind against truth's accounts of that kind (coupon_abuse against
 *   coupon_farm, scalping against scalper);
 * - overall: flagged against all planted abusers, whatever the kind.
 */
import { requireAsOf } from '../analytics/as-of.js';
import { PortraitError } from '../errors.js';
import type { Workspace } from '../workspace/workspace.js';
import { RISK_KINDS, resolveRiskConfig, type RiskConfig, type RiskConfigInput, type RiskKind } from './config.js';
import { scoreUsers } from './score.js';
import { dropRiskWorkTables } from './signals.js';

const SCORES = 'risk_w_scores';

/** The truth.abuse kind each risk kind is checked against. */
export const RISK_TRUTH_KIND: Record<RiskKind, string> = { coupon_abuse: 'coupon_farm', scalping: 'scalper' };

export interface RiskCounts {
  /** Accounts flagged (with this main kind, for a kind). */
  flagged: number;
  /** Planted abusers (of this kind, for a kind). */
  truth: number;
  /** Flagged accounts that are planted abusers (of this kind). */
  hits: number;
  /** hits / flagged; null when nothing is flagged. */
  precision: number | null;
  /** hits / truth; null when nothing is planted. */
  recall: number | null;
}

export interface RiskEvaluation {
  asOf: Date;
  threshold: number;
  users: number;
  kinds: (RiskCounts & { kind: RiskKind; truthKind: string })[];
  overall: RiskCounts;
  /** Flagged planted abusers whose main kind is not their planted kind. */
  wrongKind: number;
  seconds: number;
}

export interface RiskEvaluationOptions {
  asOf?: Date;
  config?: RiskConfigInput | RiskConfig;
}

async function requireTruth(ws: Workspace): Promise<void> {
  const [t] = await ws.wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'truth' AND table_name = 'abuse'",
  );
  if (!Number(t?.n)) {
    throw new PortraitError('risk evaluate: this workspace has no ground truth (truth.abuse)', 'evaluate on a synthetic world: portrait synth --users 20k into an empty workspace');
  }
}

function counts(flagged: number, truth: number, hits: number): RiskCounts {
  return { flagged, truth, hits, precision: flagged ? hits / flagged : null, recall: truth ? hits / truth : null };
}

export async function evaluateRisk(ws: Workspace, options: RiskEvaluationOptions = {}): Promise<RiskEvaluation> {
  const started = Date.now();
  const { wh } = ws;
  await requireTruth(ws);
  const config = resolveRiskConfig(options.config ?? {});
  const asOf = await requireAsOf(wh, options.asOf, 'risk evaluate');
  try {
    await scoreUsers(wh, asOf, config, SCORES, { temporary: true });
    const rows = await wh.query<{ kind: string | null; truth_kind: string | null; flagged: boolean; n: number }>(
      `SELECT CASE WHEN r.flagged THEN r.kind END AS kind, t.kind AS truth_kind, coalesce(r.flagged, false) AS flagged, count(*) AS n
       FROM ${SCORES} r FULL JOIN (SELECT DISTINCT user_id, kind FROM truth.abuse) t USING (user_id)
       WHERE r.flagged OR t.kind IS NOT NULL
       GROUP BY ALL`,
    );
    const [u] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${SCORES}`);
    const sum = (pred: (r: (typeof rows)[number]) => boolean) => rows.filter(pred).reduce((s, r) => s + Number(r.n), 0);
    const kinds = RISK_KINDS.map((kind) => {
      const truthKind = RISK_TRUTH_KIND[kind];
      return {
        kind,
        truthKind,
        ...counts(
          sum((r) => r.flagged && r.kind === kind),
          sum((r) => r.truth_kind === truthKind),
          sum((r) => r.flagged && r.kind === kind && r.truth_kind === truthKind),
        ),
      };
    });
    const overall = counts(sum((r) => r.flagged), sum((r) => r.truth_kind !== null), sum((r) => r.flagged && r.truth_kind !== null));
    const wrongKind = overall.hits - kinds.reduce((s, k) => s + k.hits, 0);
    return { asOf, threshold: config.threshold, users: Number(u?.n ?? 0), kinds, overall, wrongKind, seconds: (Date.now() - started) / 1000 };
  } finally {
    await wh.run(`DROP TABLE IF EXISTS ${SCORES}`);
    await dropRiskWorkTables(wh);
  }
}
