/**
 * The producer side of tracing: spans around enqueue, and the trace context written into each
 * job's headers under `otel` so the worker's span becomes their child (CATALOGUE TRC-2,
 * TRC-5, TRC-6).
 *
 * Span shapes follow the OpenTelemetry messaging conventions, as PgQueuer does:
 * - one job: a PRODUCER span `send <entrypoint>`, whose context goes into the job;
 * - several jobs: a CLIENT span `send` (with `messaging.batch.message_count`) parenting one
 *   PRODUCER span `create <entrypoint>` per job, each job carrying its own span's context.
 *
 * Without an SDK the helpers return the headers unchanged after one no-op span allocation.
 *
 * @module
 */
import { context as contextApi, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { coerceError } from "../domain/errors.js";
import type { JobHeaders } from "../domain/types.js";
import { isNoopSpan, mergeCarrier, resolveTracing, type ResolvedTracing, type TraceCarrier, type TracingOptions } from "./propagation.js";

/** What the enqueue helpers need of each job. */
export interface TracedJob {
  readonly entrypoint: string;
  readonly headers?: JobHeaders | null;
}

const MESSAGING_SYSTEM = "pgqueuer";

/** Spans of one enqueue call, still open. */
interface EnqueueSpans {
  /** Each job's headers, with its trace context merged in. */
  readonly headers: (JobHeaders | null)[];
  /** The spans that carry per-job context (one per job), then the batch span if any. */
  readonly jobSpans: readonly Span[];
  readonly batchSpan: Span | null;
}

/**
 * Start the producer spans of one enqueue call and inject their contexts; the caller ends
 * them with {@link endEnqueueSpans}. Returns null when tracing is off (no SDK, no parent).
 */
function startEnqueueSpans(jobs: readonly TracedJob[], tracing: ResolvedTracing): EnqueueSpans | null {
  const parent = contextApi.active();
  const first = jobs[0];
  if (first === undefined) return null;
  if (jobs.length === 1) {
    const span = tracing.tracer.startSpan(`send ${first.entrypoint}`, { kind: SpanKind.PRODUCER, attributes: producerAttributes(first.entrypoint, "send") }, parent);
    if (isNoopSpan(span)) return null;
    return { headers: [withContext(first, trace.setSpan(parent, span), tracing)], jobSpans: [span], batchSpan: null };
  }
  const batchSpan = tracing.tracer.startSpan(
    "send",
    {
      kind: SpanKind.CLIENT,
      attributes: { "messaging.system": MESSAGING_SYSTEM, "messaging.operation.name": "send", "messaging.operation.type": "send", "messaging.batch.message_count": jobs.length },
    },
    parent,
  );
  if (isNoopSpan(batchSpan)) return null;
  const batchContext = trace.setSpan(parent, batchSpan);
  const jobSpans: Span[] = [];
  const headers = jobs.map((job) => {
    const span = tracing.tracer.startSpan(`create ${job.entrypoint}`, { kind: SpanKind.PRODUCER, attributes: producerAttributes(job.entrypoint, "create") }, batchContext);
    jobSpans.push(span);
    return withContext(job, trace.setSpan(batchContext, span), tracing);
  });
  return { headers, jobSpans, batchSpan };
}

function producerAttributes(entrypoint: string, operation: "send" | "create"): Attributes {
  return { "messaging.system": MESSAGING_SYSTEM, "messaging.destination.name": entrypoint, "messaging.operation.name": operation, "messaging.operation.type": operation };
}

function withContext(job: TracedJob, spanContext: Context, tracing: ResolvedTracing): JobHeaders | null {
  const carrier: TraceCarrier = {};
  tracing.inject(spanContext, carrier);
  return mergeCarrier(job.headers, carrier);
}

/** End the spans: with the ids the insert returned, or with the error it threw. */
function endEnqueueSpans(spans: EnqueueSpans, result: { readonly ids?: unknown } | { readonly error: unknown }): void {
  const all = spans.batchSpan ? [...spans.jobSpans, spans.batchSpan] : spans.jobSpans;
  if ("error" in result) {
    const error = coerceError(result.error);
    for (const span of all) {
      span.recordException(error);
      span.setAttribute("error.type", error.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
  } else if (Array.isArray(result.ids) && result.ids.length === spans.jobSpans.length) {
    result.ids.forEach((id, index) => {
      // A job skipped by onConflict "skip" has no id (null): it was not sent.
      if (typeof id === "number") spans.jobSpans[index]!.setAttribute("messaging.message.id", String(id));
    });
  }
  for (const span of all) span.end();
}

/**
 * Start the producer spans of one enqueue call and return each job's headers with the trace
 * context merged in under `otel` (the tracer's key wins over a caller's `otel`). The spans end
 * at once, so they mark the moment of sending, as PgQueuer's do; use {@link withEnqueueSpan}
 * to make them cover the insert. Without an SDK the headers come back unchanged.
 */
export function traceEnqueue(jobs: readonly TracedJob[], options: TracingOptions = {}): (JobHeaders | null)[] {
  const spans = startEnqueueSpans(jobs, resolveTracing(options));
  if (spans === null) return jobs.map((job) => job.headers ?? null);
  endEnqueueSpans(spans, {});
  return spans.headers;
}

/**
 * Like {@link traceEnqueue}, but the spans stay open while `work` inserts the jobs (it gets
 * the headers to store), and end with its outcome: an error is recorded on them, and the job
 * ids it resolves with (an array, one per job) become each span's `messaging.message.id`.
 */
export async function withEnqueueSpan<T>(jobs: readonly TracedJob[], work: (headers: (JobHeaders | null)[]) => Promise<T>, options: TracingOptions = {}): Promise<T> {
  const spans = startEnqueueSpans(jobs, resolveTracing(options));
  if (spans === null) return work(jobs.map((job) => job.headers ?? null));
  const active = trace.setSpan(contextApi.active(), spans.batchSpan ?? spans.jobSpans[0]!);
  try {
    const result = await contextApi.with(active, () => work(spans.headers));
    endEnqueueSpans(spans, { ids: result });
    return result;
  } catch (error) {
    endEnqueueSpans(spans, { error });
    throw error;
  }
}

/**
 * Merge the trace context that is active now (e.g. the caller's own span) into `headers`,
 * without starting a span. For producers that make their own spans.
 */
export function injectTraceHeaders(headers: JobHeaders | null | undefined, options: TracingOptions = {}): JobHeaders | null {
  const active = contextApi.active();
  if (active === ROOT_CONTEXT) return headers ?? null; // nothing is active: nothing to propagate
  const carrier: TraceCarrier = {};
  resolveTracing(options).inject(active, carrier);
  return mergeCarrier(headers, carrier);
}
