/** Points: the incentive rules document, the lot ledger (earn, redeem, expire) and its build stage. */
export * from './rules.js';
export { addMonthsToDay, expiresAt } from './expiry.js';
export { runLedger, compareRaw, type Ledger, type LedgerEntry, type LedgerTotals, type RawPointsEntry, type LedgerKind, type EarnSource } from './ledger.js';
export { pointsEntriesSql, readEntries, type EntriesQuery } from './entries.js';
export { userPoints, pointsSummary, replayLedgers, type UserPoints, type PointsSummary, type PointsOptions } from './points.js';
export { buildPoints, POINTS_TABLE, POINTS_LEDGER_TABLE, POINTS_BUILDS_TABLE, type PointsBuildReport } from './build.js';
