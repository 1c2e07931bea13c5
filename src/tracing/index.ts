/**
 * OpenTelemetry tracing for pgqueuer, written against `@opentelemetry/api` only: bring your
 * own SDK (or none — then everything here is a no-op). Producer spans on enqueue, a consumer
 * span per job, the context travelling in the job headers under `otel`.
 *
 * @module
 */
export { createTracingObserver, type TracingObserverOptions } from "./job-tracing.js";
export { injectTraceHeaders, traceEnqueue, withEnqueueSpan, type TracedJob } from "./enqueue-tracing.js";
export { jobTraceCarrier, OTEL_HEADER_KEY, INSTRUMENTATION_NAME, type TraceCarrier, type TracingOptions } from "./propagation.js";
