/** Privacy: consent per purpose, forgetting a user everywhere, and the audit log (docs/privacy.md). */
export {
  CONSENT_PURPOSES,
  consentAllowsSql,
  consentRefusedSql,
  consentSummary,
  localNow,
  setConsent,
  userConsent,
  type ConsentChange,
  type ConsentPurpose,
  type ConsentState,
  type ConsentSummary,
  type ConsentSummaryRow,
  type UserConsent,
} from './consent.js';
export { AUDIT_ACTIONS, AUDIT_TABLE, listAudit, recordAudit, userSubject, type AuditAction, type AuditEntry, type AuditFilter, type AuditRecord } from './audit.js';
export { forgetUser, parseUserId, type ForgetOptions, type ForgetReport, type ForgetTableReport } from './forget.js';
export { idTokenPattern, type OutOfReach, type QuarantineFileScrub } from './files.js';
export { classifyUserColumns, discoverTables, holdsUserIds, type TableInfo, type UserColumn } from './user-columns.js';
export { userValuedTags, type UserValuedTags } from './user-tags.js';
