/** Segments and audiences: the definition, the registry and compiler, size and profile, export, RFM. */
export { SegmentDefinitionSchema, type SegmentDefinition } from './definition.js';
export { SegmentRegistry, compileSegment, parseSegment, type CompiledSegment } from './registry.js';
export { segmentSize, exportSegment, type SegmentSize, type SegmentExport, type ValueShare } from './audience.js';
export { segmentGrouping } from './grouping.js';
export { buildRfm, resolveRfmConfig, rfmSql, RFM_TABLE, RFM_GROUPS, type RfmConfig } from './rfm.js';
