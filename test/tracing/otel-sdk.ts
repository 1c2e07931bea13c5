/**
 * A real OpenTelemetry SDK for tests: an in-memory exporter, the W3C trace-context
 * propagator and the AsyncLocalStorage context manager, registered globally the way an
 * application registers its SDK. (`@opentelemetry/core` comes with sdk-trace-base.)
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** The registered SDK. */
export interface InMemoryTracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: BasicTracerProvider;
  /** Finished spans with this name. */
  spans(name: string): ReadableSpan[];
  /** Unregister everything (the API globals return to no-op). */
  uninstall(): Promise<void>;
}

/** Register the SDK globally. */
export function installInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    exporter,
    provider,
    spans: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    uninstall: async () => {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** A span as the cross-process test passes it between processes. */
export interface SpanSummary {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly attributes: Record<string, unknown>;
}

/** Summarize a finished span. */
export function summarize(span: ReadableSpan): SpanSummary {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    attributes: { ...span.attributes },
  };
}
