export { funnel, validateFunnelOptions, DEFAULT_FUNNEL_WINDOW, MAX_FUNNEL_STEPS, type FunnelOptions, type FunnelResult, type FunnelStepResult, type FunnelGroupResult } from './funnel.js';
export { funnelAttemptsSql, FUNNEL_ORDERS, type FunnelOrder, type FunnelSqlOptions } from './sql.js';
export { parseStepSpec, parseStepsList, parseStepsJson, readStepsFile, describeFilter, StepsFileSchema, type FunnelStep } from './steps.js';
export { embedSql, inRelationSql, type UserRelation } from './relation.js';
