/** Training a model tag on declared users' features, and predicting with it. */
import { PortraitError } from '../../errors.js';
import { CLASSES, MIN_LABELS_PER_CLASS, type Attribute } from './attributes.js';
import { pickRows } from './features.js';
import { fitLogisticSparse, predictClasses, type LogisticModel, type LogisticOptions, type SparseRows } from './logistic.js';
import { splitHash } from './split.js';

export interface AttributeModel {
  attribute: Attribute;
  /** The classes trained, in model order (those with at least MIN_LABELS_PER_CLASS training users). */
  classes: string[];
  /** Declared training users per class (every class of the attribute, trained or not). */
  labelCounts: Record<string, number>;
  trainedOn: number;
  model: LogisticModel;
}

/**
 * At most this many declared users train a model (per attribute): beyond some tens of thousands more
 * users barely move a few hundred weights, while time and memory grow with them.
 */
export const MAX_TRAIN_USERS = 100000;

/**
 * A deterministic sample of at most `cap` ids (those with the smallest hash of ("train", id)),
 * ascending; all of them when there are few enough. Independent of the held-out split.
 */
export function sampleTrainingIds(ids: readonly number[], cap = MAX_TRAIN_USERS): number[] {
  if (ids.length <= cap) return [...ids];
  return ids
    .map((id) => ({ id, h: splitHash(id, 'train') }))
    .sort((a, b) => a.h - b.h || a.id - b.id)
    .slice(0, cap)
    .map((e) => e.id)
    .sort((a, b) => a - b);
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
 * Trains on the sparse rows `x` with their declared `labels` (one per row). Classes under the threshold
 * are left out (their users are not trained on); fewer than two classes left is a PortraitError.
 */
export function trainAttribute(
  attribute: Attribute,
  x: SparseRows,
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
  labels.forEach((l, i) => {
    const k = index.get(l);
    if (k !== undefined) {
      keep.push(i);
      y.push(k);
    }
  });
  const model = fitLogisticSparse(keep.length === x.rows ? x : pickRows(x, keep), y, classes.length, options);
  return { attribute, classes, labelCounts, trainedOn: keep.length, model };
}

/** Predicted class names and their probabilities for the sparse rows `x`. */
export function predictAttribute(am: AttributeModel, x: SparseRows): { values: string[]; confidence: Float64Array } {
  const { labels, confidence } = predictClasses(am.model, x);
  return { values: Array.from(labels, (l) => am.classes[l]!), confidence };
}
