/**
 * Content analytics (docs/content.md): readers, engagement per kind and creator, and the orders content
 * leads to by last-touch attribution.
 */
export { contentReport, type ContentAudience, type ContentKindRow, type ContentOrders, type ContentReport } from './report.js';
export { contentCreators, rankCreators, type CreatorQuery, type CreatorRanking, type CreatorRow } from './creators.js';
export { attributionCtes, LIVE_LINKS_SQL, type AttributionInput } from './attribution.js';
export { ENGAGEMENT_TYPES, engagementEventsSql, type EngagementCounts } from './engagement.js';
export { ContentOptionsSchema, parseOptions, type ContentOptions, type ContentOptionsInput } from './options.js';
export { resolvePeriod, type Period } from './period.js';
export { orderSource, purchasesSql, type PurchaseCounts } from './purchases.js';
export { contentKindShareOption, type ContentShareInput } from './charts.js';
