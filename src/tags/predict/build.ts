/**
 * The build stage of the model tags: features as of a time (kept in the engine) -> one model per
 * attribute trained on the declared users with behaviour (a bounded sample of them) -> a prediction for
 * every user with behaviour, scored chunk by chunk -> `predicted_attributes` (CREATE OR REPLACE in one
 * transaction, so a failure leaves the previous table). Memory stays bounded by the training sample and
 * one chunk, whatever the number of users. Declared values are never overwritten: each row carries the
 * prediction and, beside it, what the user declared.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { ATTRIBUTES, declaredLabels, isAttribute, type Attribute } from './attributes.js';
import { resolveAsOf } from '../../analytics/as-of.js';
import { dropFeatures, forEachChunk, gatherRows, pickRows, prepareFeatures } from './features.js';
import type { LogisticOptions } from './logistic.js';
import { countLabels, notEnoughLabels, predictAttribute, sampleTrainingIds, trainAttribute, type AttributeModel } from './model.js';

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

const OUT_TABLE = 'predict_output';

export async function buildPredictions(ws: Workspace, options: PredictBuildOptions = {}): Promise<PredictBuildReport> {
  const started = Date.now();
  const wanted = options.attributes ?? [...ATTRIBUTES];
  for (const a of wanted) if (!isAttribute(a)) throw new PortraitError(`unknown attribute "${String(a)}"`, `predictable attributes: ${ATTRIBUTES.join(', ')}`);
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) throw new PortraitError('predict: asOf is not a valid date');
  const asOf = await resolveAsOf(ws.wh, options.asOf);
  if (!asOf) throw new PortraitError('predict: there are no events to learn from', 'import events first (portrait import, portrait synth or portrait demo)');
  const report: PredictBuildReport = { asOf, rows: 0, seconds: 0, attributes: [], skipped: [] };
  const fs = await prepareFeatures(ws, asOf);
  try {
    // Training: per attribute, a bounded sample of the declared users with behaviour; their rows are
    // read once (the union of the samples) and kept while the models train.
    const plans: { attribute: Attribute; declared: Map<number, string>; ids: number[] }[] = [];
    for (const attribute of wanted) {
      const declared = await declaredLabels(ws, attribute, asOf);
      const labelled = fs.userIds.filter((u) => declared.has(u));
      const why = notEnoughLabels(attribute, countLabels(attribute, labelled.map((u) => declared.get(u)!)));
      if (why) {
        report.skipped.push({ attribute, reason: why });
        continue;
      }
      plans.push({ attribute, declared, ids: sampleTrainingIds(labelled) });
    }
    const union = [...new Set(plans.flatMap((p) => p.ids))].sort((a, b) => a - b);
    const unionRows = await gatherRows(ws, fs, union);
    const at = new Map(union.map((u, i) => [u, i]));
    const models: { attribute: Attribute; declared: Map<number, string>; am: AttributeModel }[] = [];
    for (const p of plans) {
      const x = pickRows(unionRows, p.ids.map((u) => at.get(u)!));
      const am = trainAttribute(p.attribute, x, p.ids.map((u) => p.declared.get(u)!), options.model);
      models.push({ attribute: p.attribute, declared: p.declared, am });
      report.attributes.push({ attribute: p.attribute, classes: am.classes, trainedOn: am.trainedOn, predicted: fs.userIds.length });
    }
    at.clear();

    // Scoring: every user with behaviour, chunk by chunk, into a staging table.
    await ws.wh.run(`CREATE OR REPLACE TEMP TABLE ${OUT_TABLE} (user_id BIGINT, attribute VARCHAR, value VARCHAR, confidence DOUBLE, declared_value VARCHAR)`);
    if (models.length > 0) {
      await forEachChunk(ws, fs, fs.userIds, async (c) => {
        for (const { attribute, declared, am } of models) {
          const { values, confidence } = predictAttribute(am, c.x);
          await ws.wh.run(
            `INSERT INTO ${OUT_TABLE}
             SELECT unnest(from_json($1, '["BIGINT"]')), $2, unnest(from_json($3, '["VARCHAR"]')),
               unnest(from_json($4, '["DOUBLE"]')), unnest(from_json($5, '["VARCHAR"]'))`,
            [
              JSON.stringify(c.userIds),
              attribute,
              JSON.stringify(values),
              JSON.stringify(Array.from(confidence)),
              JSON.stringify(c.userIds.map((u) => declared.get(u) ?? null)),
            ],
          );
        }
      });
    }
    await ws.wh.transaction(async () => {
      await ws.wh.run(
        `CREATE OR REPLACE TABLE ${PREDICTED_TABLE} AS
         SELECT user_id, attribute, value, confidence, declared_value, CAST($1 AS TIMESTAMP) AS as_of FROM ${OUT_TABLE}`,
        [asOf],
      );
    });
  } finally {
    await ws.wh.run(`DROP TABLE IF EXISTS ${OUT_TABLE}`);
    await dropFeatures(ws);
  }
  const n = await ws.wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${PREDICTED_TABLE}`);
  report.rows = Number(n[0]?.n ?? 0);
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
