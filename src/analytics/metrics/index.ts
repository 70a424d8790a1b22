export { computeMetrics, compareValues, metricValues, COMPARED_METRICS, type ComparedMetric, type MetricChanges, type MetricName, type MetricsOptions, type MetricsResult, type MetricsRow, type MetricValues } from './compute.js';
export { metricsSql, type OrderSource } from './sql.js';
export { GRAINS, GRAIN_SQL, bucketEnd, checkGrain, dayRange, toDay, type DayInput, type Grain } from './periods.js';
