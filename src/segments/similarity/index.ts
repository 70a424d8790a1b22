/** Similar users, clusters and lookalike audiences from feature vectors of the portrait (docs/similarity.md). */
export { defaultFeatureSpec, resolveFeatureSpec, type FeatureSpec, type FeatureSpecInput, type InterestFeature, type NumericFeature, type CategoricalFeature } from './spec.js';
export { prepareFeatures, dropFeatures, type FeatureSpace } from './features.js';
export { similarUsers, type SimilarOptions, type SimilarResult, type SimilarUser } from './similar.js';
export { clusterUsers, type ClusterOptions, type ClusterResult, type ClusterSummary, type DistinctiveFeature, type NumericProfile } from './clusters.js';
export { kmeans, silhouette, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { fromDense, pairwiseDistances, type SparseMatrix } from './sparse.js';
export {
  exportLookalike,
  lookalike,
  LOOKALIKE_METHODS,
  type LookalikeExport,
  type LookalikeMethod,
  type LookalikeOptions,
  type LookalikeResult,
  type LookalikeUser,
  type UserRelation,
} from './lookalike.js';
export { evaluateLookalike, type GroupEvaluation, type LookalikeEvaluation, type LookalikeEvaluationOptions } from './evaluate.js';
