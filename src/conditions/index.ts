/** The condition language shared by rule tags and segments: schema, event filters, compiler. */
export * from './schema.js';
export { eventFilterSql, windowSql, type EventPredicate } from './events.js';
export { compileCondition, conditionContext, formatPath, type CompileContext, type JsonPath } from './compile.js';
export { SqlParams } from './params.js';
