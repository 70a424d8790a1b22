/** Live-stream analytics (docs/content.md): per stream and host, with the audience's portrait. */
export { liveReport, LiveOptionsSchema, type LiveHostRow, type LiveOptionsInput, type LiveReport, type LiveStats, type LiveStreamRow } from './report.js';
export { INTEREST_ROWS, type InterestRow, type PortraitInputs, type SourceCounts, type SplitRow, type ViewerPortrait } from './portrait.js';
export { livePerformanceOption, type LivePerformanceInput } from './charts.js';
