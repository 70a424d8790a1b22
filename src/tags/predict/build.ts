/**
 * The build stage of the model tags: features as of a time -> one model per attribute trained on every
 * declared user with behaviour -> a prediction for every user with behaviour -> `predicted_attributes`
 * (CREATE OR REPLACE in one transaction, so a failure leaves the previous table). Declared values are
 * never overwritten: each row carries the prediction and, beside it, what the user declared.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { ATTRIBUTES, declaredLabels, isAttribute, type Attribute } from './attributes.js';
import { resolveAsOf } from '../../analytics/as-of.js';
import { computeFeatures } from './features.js';
import type { LogisticOptions } from './logistic.js';
import { countLabels, notEnoughLabels, predictAttribute, trainAttribute } from './model.js';

export const PREDICTED_TABLE = 'predicted_attributes';

export interface PredictBuildOptions {
  /** Only events at or before it count; ages are measured on its day. Defaults to the newest event. */
  asOf?: Date;
  /** Attributes to predict (default all). */
  attributes?: Attribute[];
  model?: LogisticOptions;
}

export interface PredictBuildReport {
  asOf: Date;
  rows: number;
  seconds: number;
  attributes: { attribute: Attribute; classes: string[]; trainedOn: number; predicted: number }[];
  /** Attributes left out for want of declared labels, with the reason. */
  skipped: { attribute: Attribute; reason: string }[];
}

export async function buildPredictions(ws: Workspace, options: PredictBuildOptions = {}): Promise<PredictBuildReport> {
  const started = Date.now();
  const wanted = options.attributes ?? [...ATTRIBUTES];
  for (const a of wanted) if (!isAttribute(a)) throw new PortraitError(`unknown attribute "${String(a)}"`, `predictable attributes: ${ATTRIBUTES.join(', ')}`);
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) throw new PortraitError('predict: asOf is not a valid date');
  const asOf = await resolveAsOf(ws.wh, options.asOf);
  if (!asOf) throw new PortraitError('predict: there are no events to learn from', 'import events first (portrait import, portrait synth or portrait demo)');
  const m = await computeFeatures(ws, asOf);
  const allRows = m.userIds.map((_, r) => r);
  const cols = { user_id: [] as number[], attribute: [] as string[], value: [] as string[], confidence: [] as number[], declared: [] as (string | null)[] };
  const report: PredictBuildReport = { asOf, rows: 0, seconds: 0, attributes: [], skipped: [] };
  for (const attribute of wanted) {
    const declared = await declaredLabels(ws, attribute, asOf);
    const rows: number[] = [];
    const labels: string[] = [];
    m.userIds.forEach((u, r) => {
      const l = declared.get(u);
      if (l !== undefined) {
        rows.push(r);
        labels.push(l);
      }
    });
    const why = notEnoughLabels(attribute, countLabels(attribute, labels));
    if (why) {
      report.skipped.push({ attribute, reason: why });
      continue;
    }
    const am = trainAttribute(attribute, m, rows, labels, options.model);
    const { values, confidence } = predictAttribute(am, m, allRows);
    m.userIds.forEach((u, r) => {
      cols.user_id.push(u);
      cols.attribute.push(attribute);
      cols.value.push(values[r]!);
      cols.confidence.push(confidence[r]!);
      cols.declared.push(declared.get(u) ?? null);
    });
    report.attributes.push({ attribute, classes: am.classes, trainedOn: am.trainedOn, predicted: m.userIds.length });
  }
  const sql = `CREATE OR REPLACE TABLE ${PREDICTED_TABLE} AS
  SELECT CAST(p.user_id AS BIGINT) AS user_id, CAST(p.attribute AS VARCHAR) AS attribute, CAST(p.value AS VARCHAR) AS value,
    CAST(p.confidence AS DOUBLE) AS confidence, CAST(p.declared AS VARCHAR) AS declared_value, CAST($6 AS TIMESTAMP) AS as_of
  FROM (
    SELECT unnest(from_json($1, '["BIGINT"]')) AS user_id, unnest(from_json($2, '["VARCHAR"]')) AS attribute,
      unnest(from_json($3, '["VARCHAR"]')) AS value, unnest(from_json($4, '["DOUBLE"]')) AS confidence,
      unnest(from_json($5, '["VARCHAR"]')) AS declared
  ) p`;
  const params = [cols.user_id, cols.attribute, cols.value, cols.confidence, cols.declared].map((c) => JSON.stringify(c));
  await ws.wh.transaction(async () => {
    await ws.wh.run(sql, [...params, asOf]);
  });
  const n = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${PREDICTED_TABLE}`);
  report.rows = Number(n[0]?.n ?? 0);
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
