export { lifecycleChart, lifecycleSql, type LifecycleOptions, type LifecycleResult, type LifecycleRow } from './chart.js';
export {
  activeDaysSql,
  bindStage,
  DEFAULT_STAGE_THRESHOLDS,
  LIFECYCLE_STAGES,
  resolveThresholds,
  returnedSql,
  stageAtSql,
  stageCaseSql,
  type LifecycleStage,
  type StageBinding,
  type StageThresholds,
} from './stage.js';
export { stageTransitions, transitionsSql, type FromStage, type TransitionOptions, type TransitionResult, type TransitionRow } from './transitions.js';
export { buildLifecycle, LIFECYCLE_TABLE } from './build.js';
