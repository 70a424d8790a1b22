/** Coupons: plans (budget, per-user cap, validity, minimum spend) and their simulation on a segment. */
export * from './plan.js';
export { audienceCtes, audienceCounts, riskFlagsAvailable, type AudienceCounts } from './audience.js';
export { estimateUptake, DEFAULT_UPTAKE, type Uptake, type Rate, type RateSource } from './uptake.js';
export { simulateCouponPlan, issueListSql, validityDays, type CouponSimulation, type CouponSimulationOptions, type Issuance } from './simulate.js';
