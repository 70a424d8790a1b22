/** Classification figures: accuracy, per-class precision and recall, confusion matrix, majority baseline. */

export interface ClassFigures {
  class: string;
  /** Held-out users whose declared value is this class. */
  support: number;
  /** Of those predicted this class, the share that are; null when none was predicted. */
  precision: number | null;
  /** Of those that are this class, the share predicted so; null when there are none. */
  recall: number | null;
}

export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  classes: ClassFigures[];
  /** confusion[actual][predicted], in the order of `classes`. */
  confusion: number[][];
}

/** Figures of `predicted` against `actual` (labels are names out of `classes`). */
export function classificationMetrics(classes: readonly string[], actual: readonly string[], predicted: readonly string[]): ClassificationMetrics {
  if (actual.length !== predicted.length) throw new Error('metrics: actual and predicted differ in length');
  const index = new Map(classes.map((c, i) => [c, i]));
  const k = classes.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let right = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = index.get(actual[i]!);
    const p = index.get(predicted[i]!);
    if (a === undefined || p === undefined) throw new Error(`metrics: unknown class ${a === undefined ? actual[i] : predicted[i]}`);
    confusion[a]![p]!++;
    if (a === p) right++;
  }
  const figures = classes.map((c, i) => {
    const support = confusion[i]!.reduce((s, v) => s + v, 0);
    const predictedAs = confusion.reduce((s, row) => s + row[i]!, 0);
    const hit = confusion[i]![i]!;
    return { class: c, support, precision: predictedAs > 0 ? hit / predictedAs : null, recall: support > 0 ? hit / support : null };
  });
  return { n: actual.length, accuracy: actual.length > 0 ? right / actual.length : 0, classes: figures, confusion };
}

/** The most frequent label (ties to the first in `classes`). */
export function majorityClass(classes: readonly string[], labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = classes[0]!;
  for (const c of classes) if ((counts.get(c) ?? 0) > (counts.get(best) ?? 0)) best = c;
  return best;
}
