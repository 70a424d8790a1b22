/**
 * `evaluatePrediction`: train on the training share of the users who declared the attribute, predict the
 * held-out declared users, and compare with what they declared. See docs/predict.md.
 */
import { PortraitError } from '../../errors.js';
import type { Workspace } from '../../workspace/workspace.js';
import { declaredLabels, isAttribute, ATTRIBUTES, type Attribute } from './attributes.js';
import { resolveAsOf } from '../../analytics/as-of.js';
import { dropFeatures, forEachChunk, gatherRows, prepareFeatures } from './features.js';
import type { LogisticOptions } from './logistic.js';
import { classificationMetrics, majorityClass, type ClassificationMetrics } from './metrics.js';
import { countLabels, predictAttribute, sampleTrainingIds, trainAttribute } from './model.js';
import { isHeldOut } from './split.js';

export interface EvaluateOptions {
  attribute: Attribute | string;
  /** Share of declared users held out for testing (default 0.2). */
  holdoutShare?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  asOf?: Date;
  model?: LogisticOptions;
}

export interface EvaluationReport extends ClassificationMetrics {
  attribute: Attribute;
  asOf: Date;
  holdoutShare: number;
  seed: number;
  /** Classes the model was trained on. */
  trainedClasses: string[];
  /** Declared training users (with behaviour) per class; `trained` is how many of them the model trained on (a sample of at most MAX_TRAIN_USERS). */
  trainLabels: Record<string, number>;
  trained: number;
  /** Held-out declared users in a class the model knows (the others cannot be right and are left out). */
  tested: number;
  /** Held-out declared users in a class left out of training, not scored. */
  untestable: number;
  /** The majority class of the training users and its accuracy on the held-out users. */
  baselineClass: string;
  baselineAccuracy: number;
  iterations: number;
  features: number;
  seconds: number;
}

export async function evaluatePrediction(ws: Workspace, options: EvaluateOptions): Promise<EvaluationReport> {
  const started = Date.now();
  const attribute = options.attribute;
  if (!isAttribute(attribute)) {
    throw new PortraitError(`unknown attribute "${attribute}"`, `predictable attributes: ${ATTRIBUTES.join(', ')}`);
  }
  const holdoutShare = options.holdoutShare ?? 0.2;
  if (!(holdoutShare > 0 && holdoutShare < 1)) throw new PortraitError(`held-out share must be between 0 and 1 (exclusive), got ${holdoutShare}`);
  const seed = options.seed ?? 0;
  if (options.asOf !== undefined && Number.isNaN(options.asOf.getTime())) throw new PortraitError('predict: asOf is not a valid date');
  const asOf = await resolveAsOf(ws.wh, options.asOf);
  if (!asOf) throw new PortraitError('predict: there are no events to learn from', 'import events first (portrait import, portrait synth or portrait demo)');
  const fs = await prepareFeatures(ws, asOf);
  try {
    const declared = await declaredLabels(ws, attribute, asOf);
    const trainIds: number[] = [];
    const testIds: number[] = [];
    for (const u of fs.userIds) {
      if (!declared.has(u)) continue;
      (isHeldOut(u, holdoutShare, seed) ? testIds : trainIds).push(u);
    }
    const trainLabels = trainIds.map((u) => declared.get(u)!);
    // The model trains on a bounded sample of the training users (all of them up to MAX_TRAIN_USERS).
    const sample = sampleTrainingIds(trainIds);
    const am = trainAttribute(attribute, await gatherRows(ws, fs, sample), sample.map((u) => declared.get(u)!), options.model);
    const known = new Set(am.classes);
    const tested = testIds.filter((u) => known.has(declared.get(u)!));
    if (tested.length === 0) throw new PortraitError(`${attribute}: no held-out declared users to test on`, 'raise the held-out share or declare the attribute for more users');
    const actual: string[] = [];
    const values: string[] = [];
    await forEachChunk(ws, fs, tested, (c) => {
      const p = predictAttribute(am, c.x);
      c.userIds.forEach((u, i) => {
        actual.push(declared.get(u)!);
        values.push(p.values[i]!);
      });
    });
    const metrics = classificationMetrics(am.classes, actual, values);
    const baselineClass = majorityClass(am.classes, trainLabels.filter((l) => known.has(l)));
    const baselineAccuracy = actual.filter((a) => a === baselineClass).length / actual.length;
    return {
      attribute,
      asOf,
      holdoutShare,
      seed,
      trainedClasses: am.classes,
      trainLabels: countLabels(attribute, trainLabels),
      trained: am.trainedOn,
      tested: actual.length,
      untestable: testIds.length - actual.length,
      ...metrics,
      baselineClass,
      baselineAccuracy,
      iterations: am.model.iterations,
      features: fs.names.length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dropFeatures(ws);
  }
}
