/**
 * Prometheus metrics for pgqueuer (prom-client): worker-side job metrics through a
 * `JobObserver`, database-side queue metrics read on scrape, and HTTP serving.
 *
 * @module
 */
export { createMetricsObserver, DEFAULT_DURATION_BUCKETS, DEFAULT_QUEUE_WAIT_BUCKETS, type MetricsObserver, type MetricsObserverOptions } from "./job-metrics.js";
export { registerQueueMetrics, type QueueMetricsOptions, type QueueMetricsSource } from "./queue-metrics.js";
export { metricsHandler, startMetricsServer, type MetricsHandlerOptions, type MetricsServer, type MetricsServerOptions, type RequestHandler } from "./http.js";
