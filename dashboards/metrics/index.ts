/**
 * Self-metrics: the `SelfMetric` description, the registry and the
 * `/metrics` router, and the metrics of the engine's own parts.
 */
export { createMetricsRegistry, counterMetrics, type SelfMetric, type LabelledValue } from "./self-metrics.ts";
export { engineMetrics, rulesMetrics, riemannMetrics, busMetrics } from "./core-metrics.ts";
export { metricsRouter } from "./router.ts";
