/** Training a model tag on declared users' features, and predicting with it. */
import { PortraitError } from '../../errors.js';
import { CLASSES, MIN_LABELS_PER_CLASS, type Attribute } from './attributes.js';
import type { FeatureMatrix } from './features.js';
import { fitLogistic, predictClasses, type LogisticModel, type LogisticOptions } from './logistic.js';

export interface AttributeModel {
  attribute: Attribute;
  /** The classes trained, in model order (those with at least MIN_LABELS_PER_CLASS training users). */
  classes: string[];
  /** Declared training users per class (every class of the attribute, trained or not). */
  labelCounts: Record<string, number>;
  trainedOn: number;
  model: LogisticModel;
}

/** The rows of `m` for the given row indexes, as a new matrix. */
export function selectRows(m: FeatureMatrix, rows: readonly number[]): Float64Array {
  const d = m.names.length;
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(m.x.subarray(r * d, r * d + d), i * d));
  return out;
}

/** Counts declared labels per class of the attribute. */
export function countLabels(attribute: Attribute, labels: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(CLASSES[attribute].map((c) => [c, 0]));
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/** Why an attribute cannot be modelled with these label counts, or null when it can. */
export function notEnoughLabels(attribute: Attribute, counts: Record<string, number>): string | null {
  const enough = CLASSES[attribute].filter((c) => (counts[c] ?? 0) >= MIN_LABELS_PER_CLASS);
  if (enough.length >= 2) return null;
  const list = CLASSES[attribute].map((c) => `${c} ${counts[c] ?? 0}`).join(', ');
  return `${attribute}: not enough declared labels to train a model (need at least ${MIN_LABELS_PER_CLASS} users with behaviour in each of at least two classes; have ${list})`;
}

/**
 * Trains on the matrix rows `rows` with their declared `labels`. Classes under the threshold are left out
 * (their users are not trained on); fewer than two classes left is a PortraitError.
 */
export function trainAttribute(
  attribute: Attribute,
  m: FeatureMatrix,
  rows: readonly number[],
  labels: readonly string[],
  options: LogisticOptions = {},
): AttributeModel {
  const labelCounts = countLabels(attribute, labels);
  const why = notEnoughLabels(attribute, labelCounts);
  if (why) throw new PortraitError(why, 'declare the attribute for more users (users.gender, users.birth_date) or import more behaviour');
  const classes = CLASSES[attribute].filter((c) => (labelCounts[c] ?? 0) >= MIN_LABELS_PER_CLASS);
  const index = new Map(classes.map((c, i) => [c, i]));
  const keep: number[] = [];
  const y: number[] = [];
  rows.forEach((r, i) => {
    const k = index.get(labels[i]!);
    if (k !== undefined) {
      keep.push(r);
      y.push(k);
    }
  });
  const model = fitLogistic(selectRows(m, keep), y, classes.length, options);
  return { attribute, classes, labelCounts, trainedOn: keep.length, model };
}

/** Predicted class names and their probabilities for the matrix rows `rows`. */
export function predictAttribute(am: AttributeModel, m: FeatureMatrix, rows: readonly number[]): { values: string[]; confidence: Float64Array } {
  const { labels, confidence } = predictClasses(am.model, selectRows(m, rows));
  return { values: Array.from(labels, (l) => am.classes[l]!), confidence };
}
