export { ATTRIBUTES, CLASSES, MIN_LABELS_PER_CLASS, ageBand, declaredLabels, isAttribute, type Attribute } from './attributes.js';
export { CHUNK_USERS, dropFeatures, featureSql, forEachChunk, prepareFeatures, TOP_BRANDS, TOP_LEAVES, type FeatureChunk, type FeatureSpace } from './features.js';
export { fitLogistic, fitLogisticSparse, predictClasses, predictProba, predictProbaSparse, toSparse, LOGISTIC_DEFAULTS, type LogisticModel, type LogisticOptions, type SparseRows } from './logistic.js';
export { classificationMetrics, majorityClass, type ClassificationMetrics, type ClassFigures } from './metrics.js';
export { isHeldOut, splitHash, splitIds } from './split.js';
export { MAX_TRAIN_USERS, sampleTrainingIds, trainAttribute, predictAttribute, type AttributeModel } from './model.js';
export { buildPredictions, PREDICTED_TABLE, type PredictBuildOptions, type PredictBuildReport } from './build.js';
export { evaluatePrediction, type EvaluateOptions, type EvaluationReport } from './evaluate.js';
