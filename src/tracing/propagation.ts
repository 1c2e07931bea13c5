/**
 * Shared pieces of the tracing adapters: the tracer and propagator to use, the `otel` header
 * key, and the cheap "is anything listening?" test that keeps tracing free when no
 * OpenTelemetry SDK is registered.
 *
 * The trace context travels in the job headers under `otel`, as a text-map carrier
 * (`{"otel": {"traceparent": "00-…", "tracestate": "…"}}`), exactly where PgQueuer puts it
 * (CATALOGUE DOM-4, TRC-5), so Python producers and TypeScript consumers (or the reverse)
 * share traces.
 *
 * @module
 */
import { defaultTextMapGetter, defaultTextMapSetter, INVALID_TRACEID, propagation, trace, type Context, type Span, type TextMapPropagator, type Tracer } from "@opentelemetry/api";
import type { Job, JobHeaders } from "../domain/types.js";

/** The header key holding the trace-context carrier. */
export const OTEL_HEADER_KEY = "otel";

/** The instrumentation scope name of the spans this library creates. */
export const INSTRUMENTATION_NAME = "pgqueuer";

/** A text-map carrier: header name to value (`traceparent`, `tracestate`, `baggage`, ...). */
export type TraceCarrier = Record<string, string>;

/** Options shared by the tracing helpers. */
export interface TracingOptions {
  /** The tracer to use (default: the global provider's tracer named `pgqueuer`). */
  readonly tracer?: Tracer;
  /** The propagator to use (default: the globally registered one, W3C trace context in the SDKs). */
  readonly propagator?: TextMapPropagator;
}

/** Resolved tracer and propagation functions. */
export interface ResolvedTracing {
  readonly tracer: Tracer;
  inject(context: Context, carrier: TraceCarrier): void;
  extract(context: Context, carrier: TraceCarrier): Context;
}

/**
 * Resolve the options. The default tracer is the global API's proxy, so an SDK registered
 * after this call is still picked up.
 */
export function resolveTracing(options: TracingOptions = {}): ResolvedTracing {
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME);
  const propagator = options.propagator;
  if (propagator) {
    return {
      tracer,
      inject: (context, carrier) => propagator.inject(context, carrier, defaultTextMapSetter),
      extract: (context, carrier) => propagator.extract(context, carrier, defaultTextMapGetter),
    };
  }
  return { tracer, inject: (context, carrier) => propagation.inject(context, carrier), extract: (context, carrier) => propagation.extract(context, carrier) };
}

/**
 * True when the span is a placeholder of the no-op API (no SDK registered, no parent): then
 * there is nothing to record or propagate and the caller can skip all further work.
 */
export function isNoopSpan(span: Span): boolean {
  if (span.isRecording()) return false;
  const spanContext = span.spanContext();
  // The no-op API's placeholder carries the all-zero trace id: compare before the validity
  // check's regular expressions, which would run once per job otherwise.
  return spanContext.traceId === INVALID_TRACEID || !trace.isSpanContextValid(spanContext);
}

/** The `otel` carrier of a job's headers (its string entries), or null when absent (DOM-4). */
export function jobTraceCarrier(job: Pick<Job, "headers">): TraceCarrier | null {
  const value = job.headers?.[OTEL_HEADER_KEY];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const carrier: TraceCarrier = {};
  let found = false;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string") continue;
    carrier[key] = entry;
    found = true;
  }
  return found ? carrier : null;
}

/** `headers` with the carrier under `otel` (the tracer's key wins); untouched when the carrier is empty. */
export function mergeCarrier(headers: JobHeaders | null | undefined, carrier: TraceCarrier): JobHeaders | null {
  if (Object.keys(carrier).length === 0) return headers ?? null;
  return { ...headers, [OTEL_HEADER_KEY]: carrier };
}
