/**
 * The consumer side of tracing: a {@link JobObserver} that runs each job inside a CONSUMER
 * span `process <entrypoint>`, the child of the producer context found in the job's `otel`
 * header (CATALOGUE TRC-7). The handler runs with that span active, so spans it starts are
 * its children (given a context manager, as every Node SDK setup registers).
 *
 * Attributes: `messaging.system="pgqueuer"`, `messaging.destination.name` (the entrypoint),
 * `messaging.operation.name/type="process"`, `messaging.message.id` (the job id),
 * `messaging.message.body.size`, `pgqueuer.job.attempts`, and once the job has finished,
 * `pgqueuer.job.outcome`. Status: OK when successful, ERROR (with the error recorded) for
 * `exception` and held `failed`; a requested retry or a cancellation leaves it unset, since
 * neither is a failure of the job.
 *
 * Divergence from PgQueuer (TRC-4, TRC-11), on purpose: a job without trace headers still gets a
 * span (a new trace) unless `requireContext` is set, and a failed job's span has ERROR status.
 *
 * @module
 */
import { context as contextApi, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import { coerceError } from "../domain/errors.js";
import { assertNever, type Job } from "../domain/types.js";
import type { JobFinishedEvent, JobObserver } from "../core/observer.js";
import { isNoopSpan, jobTraceCarrier, resolveTracing, type TracingOptions } from "./propagation.js";

/** Options of {@link createTracingObserver}. */
export interface TracingObserverOptions extends TracingOptions {
  /** Trace only jobs whose headers carry a trace context, as PgQueuer does (default false). */
  readonly requireContext?: boolean;
}

/** Create the tracing observer; pass it in `observers` of `PgQueuer`. */
export function createTracingObserver(options: TracingObserverOptions = {}): JobObserver {
  const tracing = resolveTracing(options);
  const requireContext = options.requireContext ?? false;
  /** Spans whose job has run but whose outcome is not reported yet. */
  const open = new WeakMap<Job, Span>();

  /** Run the job with `span` active; record a thrown error on it. */
  async function runInSpan<T>(span: Span, parent: Context, job: Job, run: () => Promise<T>): Promise<T> {
    open.set(job, span);
    let failed = false;
    try {
      return await contextApi.with(trace.setSpan(parent, span), run);
    } catch (error) {
      failed = true;
      const cause = coerceError(error);
      span.recordException(cause);
      span.setAttribute("error.type", cause.name);
      throw error;
    } finally {
      // The runtime reports the outcome synchronously right after this promise settles, so
      // by the time a macrotask runs onJobFinished has ended the span. If it never comes
      // (a job released at shutdown), end the span here rather than leak it.
      setImmediate(() => {
        if (!open.has(job)) return;
        open.delete(job);
        if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    }
  }

  return {
    // Not async itself: without an SDK it returns the job's own promise, adding no promise
    // and no async frame per job.
    around<T>(job: Job, run: () => Promise<T>): Promise<T> {
      const carrier = jobTraceCarrier(job);
      if (carrier === null && requireContext) return run();
      // The parent is the job's producer, never whatever context the worker loop is in.
      const parent = carrier === null ? ROOT_CONTEXT : tracing.extract(ROOT_CONTEXT, carrier);
      const span = tracing.tracer.startSpan(
        `process ${job.entrypoint}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            "messaging.system": "pgqueuer",
            "messaging.destination.name": job.entrypoint,
            "messaging.operation.name": "process",
            "messaging.operation.type": "process",
            "messaging.message.id": String(job.id),
            "messaging.message.body.size": job.payload?.length ?? 0,
            "pgqueuer.job.attempts": job.attempts,
          },
        },
        parent,
      );
      if (isNoopSpan(span)) return run(); // no SDK: nothing more to do
      return runInSpan(span, parent, job, run);
    },

    onJobFinished(event: JobFinishedEvent): void {
      const span = open.get(event.job);
      if (span === undefined) return;
      open.delete(event.job);
      const { outcome } = event;
      span.setAttribute("pgqueuer.job.outcome", outcome.kind);
      switch (outcome.kind) {
        case "successful":
          span.setStatus({ code: SpanStatusCode.OK });
          break;
        case "exception":
        case "failed":
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.traceback.exceptionMessage });
          break;
        case "retry":
        case "canceled":
        case "released":
          break;
        default:
          assertNever(outcome, "job outcome");
      }
      span.end();
    },
  };
}
