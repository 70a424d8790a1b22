/** Membership: the naughty value (淘气值), 88VIP, and the build stage that stores them. */
export * from './rules.js';
export { naughtySql, NAUGHTY_COLUMNS, type NaughtyRow, type NaughtyQuery } from './naughty.js';
export { paidOrderSource, paidOrdersSql, type PaidOrderSource } from './paid-orders.js';
export { qualityReviewSql } from './quality.js';
export { memberCard, membershipDistribution, BIN_WIDTH, BIN_TOP, type MemberCard, type MembershipDistribution, type MembershipOptions, type ComponentScore, type NaughtyBin } from './membership.js';
export { buildMembership, MEMBERSHIP_TABLE, MEMBERSHIP_BUILDS_TABLE, type MembershipBuildReport } from './build.js';
