export { buildRhythm, rhythmSelectSql, RHYTHM_TABLE, type RhythmBuildOptions, type RhythmBuildReport } from './build.js';
export { defaultRhythmConfig, resolveRhythmConfig, RhythmConfigSchema, type RhythmConfig, type RhythmConfigInput } from './config.js';
export { rhythmOf, rhythmTableExists, type RhythmRow } from './read.js';
export { evaluateRhythm, type Detection, type RhythmEvaluation } from './evaluate.js';
