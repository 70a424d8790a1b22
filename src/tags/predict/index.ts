export { ATTRIBUTES, CLASSES, MIN_LABELS_PER_CLASS, ageBand, declaredLabels, isAttribute, type Attribute } from './attributes.js';
export { computeFeatures, featureSql, TOP_LEAVES, type FeatureMatrix } from './features.js';
export { fitLogistic, predictClasses, predictProba, LOGISTIC_DEFAULTS, type LogisticModel, type LogisticOptions } from './logistic.js';
export { classificationMetrics, majorityClass, type ClassificationMetrics, type ClassFigures } from './metrics.js';
export { isHeldOut, splitHash, splitIds } from './split.js';
export { trainAttribute, predictAttribute, type AttributeModel } from './model.js';
export { buildPredictions, PREDICTED_TABLE, type PredictBuildOptions, type PredictBuildReport } from './build.js';
export { evaluatePrediction, type EvaluateOptions, type EvaluationReport } from './evaluate.js';
