/** Portrait's library entry: everything the CLI does is callable from here. */
export { PortraitError } from './errors.js';
export * from './model/enums.js';
export * from './model/schema.js';
export type { Warehouse, SqlValue, Row, QueryProgress } from './warehouse/warehouse.js';
export { duckdbDialect, type Dialect } from './warehouse/dialect.js';
export { DuckDBWarehouse } from './warehouse/duckdb.js';
export { Workspace, workspacePaths, resolveWorkspaceDir, DEFAULT_WORKSPACE } from './workspace/workspace.js';
export { SCHEMA_VERSION } from './workspace/migrations.js';
export type { Config } from './workspace/config.js';
export { importTaobao, TAOBAO_BEHAVIOURS } from './ingest/taobao.js';
export { importEntity, parseMapping, type EntityFormat, type EntityImportOptions } from './ingest/entities.js';
export { listQuarantine, type QuarantineRow } from './ingest/quarantine.js';
export type { ImportReport, ImportOptions, QualityNote } from './ingest/report.js';
export { workspaceStats, type WorkspaceStats } from './analytics/stats.js';
export { synthesize, writeSynthFiles, resolveSynthOptions, type SynthOptions, type SynthReport } from './synth/index.js';
export { runDemo, type DemoResult } from './demo.js';
export { runBuild, type BuildReport } from './build.js';
export * from './tags/interest/index.js';
