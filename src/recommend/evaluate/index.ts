/** Offline evaluation of the recommendation algorithms on interaction files. */
export { evaluateFiles, parseSplit, splitName } from './evaluate.js';
export type { AlgorithmOptions, AlgorithmResult, EvaluateOptions, EvaluationInput, EvaluationReport, Split } from './evaluate.js';
export { computeMetrics, type Metrics } from './metrics.js';
export { readInteractions } from './read.js';
export { evaluateWorkspace, runConfig, WORKSPACE_RUNS } from './workspace.js';
export type { WorkspaceEvaluationOptions, WorkspaceEvaluationReport, WorkspaceRun, WorkspaceRunResult } from './workspace.js';
