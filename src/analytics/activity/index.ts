export { activityHeatmap, WEEKDAYS, type ActivityHeatmap, type HeatmapOptions } from './heatmap.js';
export { viewToPurchase, VIEW_TO_PURCHASE_BUCKETS, type ViewToPurchase, type ViewToPurchaseOptions } from './view-to-purchase.js';
