/**
 * Tracing with a real OpenTelemetry SDK (in-memory exporter), without a database: span
 * shapes, attributes, parent/child links through the `otel` header, statuses per outcome.
 */
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Job, JobHeaders } from "../../src/domain/types.js";
import type { JobOutcome } from "../../src/ports/repository.js";
import { createTracingObserver, injectTraceHeaders, jobTraceCarrier, traceEnqueue, withEnqueueSpan } from "../../src/tracing/index.js";
import { installInMemoryTracing, type InMemoryTracing } from "./otel-sdk.js";

let sdk: InMemoryTracing;
beforeAll(() => {
  sdk = installInMemoryTracing();
});
afterAll(async () => {
  await sdk.uninstall();
});
beforeEach(() => {
  sdk.exporter.reset();
});

function job(headers: JobHeaders | null, overrides: Partial<Job> = {}): Job {
  const now = new Date();
  return { id: 42, priority: 0, created: now, updated: now, heartbeat: now, executeAfter: now, status: "picked", entrypoint: "email", payload: Buffer.from("hello"), headers, attempts: 2, dedupeKey: null, queueManagerId: "qm", ...overrides };
}

const traceparent = (headers: JobHeaders | null): string => (headers?.otel as { traceparent: string }).traceparent;

/** Run a job through the observer the way the worker does: around, then the outcome. */
async function runJob(observer: ReturnType<typeof createTracingObserver>, current: Job, handler: () => Promise<void>, outcome: JobOutcome): Promise<void> {
  await observer.around!(current, handler).catch(() => undefined);
  observer.onJobFinished!({ job: current, outcome, durationMs: 1, queueManagerId: "qm" });
}

const traceback = { jobId: 42, timestamp: new Date(), exceptionType: "Error", exceptionMessage: "smtp down", traceback: "Error: smtp down", additionalContext: null };

describe("enqueue side", () => {
  it("one job: a PRODUCER span `send <entrypoint>` whose context goes into the headers under otel", () => {
    const [headers] = traceEnqueue([{ entrypoint: "email", headers: { tenant: "t1", otel: { traceparent: "caller's value loses" } } }]);
    const [span] = sdk.spans("send email");
    expect(span).toBeDefined();
    expect(span!.kind).toBe(SpanKind.PRODUCER);
    expect(span!.attributes).toMatchObject({ "messaging.system": "pgqueuer", "messaging.destination.name": "email", "messaging.operation.name": "send", "messaging.operation.type": "send" });
    expect(headers!.tenant).toBe("t1");
    expect(traceparent(headers!)).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
  });

  it("several jobs: a CLIENT `send` span parenting one PRODUCER `create <entrypoint>` per job, each job with its own context", () => {
    const headers = traceEnqueue([{ entrypoint: "a" }, { entrypoint: "b", headers: null }, { entrypoint: "a", headers: { k: 1 } }]);
    const [batch] = sdk.spans("send");
    expect(batch!.kind).toBe(SpanKind.CLIENT);
    expect(batch!.attributes["messaging.batch.message_count"]).toBe(3);
    const creates = sdk.exporter.getFinishedSpans().filter((span) => span.name.startsWith("create "));
    expect(creates.map((span) => span.name)).toEqual(["create a", "create b", "create a"]);
    for (const [index, span] of creates.entries()) {
      expect(span.kind).toBe(SpanKind.PRODUCER);
      expect(span.attributes["messaging.operation.name"]).toBe("create");
      expect(span.parentSpanContext?.spanId).toBe(batch!.spanContext().spanId);
      expect(traceparent(headers[index]!)).toContain(span.spanContext().spanId);
    }
    expect(headers[2]!.k).toBe(1);
    expect(traceEnqueue([])).toEqual([]);
  });

  it("makes the producer span a child of the caller's active span", () => {
    const tracer = trace.getTracer("app");
    tracer.startActiveSpan("http request", (request) => {
      traceEnqueue([{ entrypoint: "email" }]);
      request.end();
    });
    const [request] = sdk.spans("http request");
    const [send] = sdk.spans("send email");
    expect(send!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(send!.spanContext().traceId).toBe(request!.spanContext().traceId);
  });

  it("withEnqueueSpan keeps the spans open during the insert, then records the ids", async () => {
    const ids = await withEnqueueSpan([{ entrypoint: "a" }, { entrypoint: "b" }], async (headers) => {
      expect(headers.map((h) => typeof traceparent(h))).toEqual(["string", "string"]);
      expect(sdk.exporter.getFinishedSpans()).toHaveLength(0);
      expect(trace.getActiveSpan()).toBeDefined();
      return [7, null];
    });
    expect(ids).toEqual([7, null]);
    expect(sdk.spans("create a")[0]!.attributes["messaging.message.id"]).toBe("7");
    expect(sdk.spans("create b")[0]!.attributes["messaging.message.id"]).toBeUndefined(); // skipped: not sent
  });

  it("withEnqueueSpan records a failed insert as an error and rethrows it", async () => {
    const failure = new TypeError("insert failed");
    await expect(withEnqueueSpan([{ entrypoint: "email" }], async () => Promise.reject(failure))).rejects.toBe(failure);
    const [span] = sdk.spans("send email");
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: "insert failed" });
    expect(span!.attributes["error.type"]).toBe("TypeError");
    expect(span!.events.map((event) => event.name)).toContain("exception");
  });

  it("injectTraceHeaders adds the active context, and leaves headers alone when nothing is active", () => {
    expect(injectTraceHeaders({ a: 1 })).toEqual({ a: 1 });
    expect(injectTraceHeaders(undefined)).toBeNull();
    trace.getTracer("app").startActiveSpan("mine", (span) => {
      const headers = injectTraceHeaders({ a: 1 });
      expect(headers!.a).toBe(1);
      expect(traceparent(headers)).toContain(span.spanContext().spanId);
      span.end();
    });
  });
});

describe("consumer side", () => {
  it("runs each job in a CONSUMER span, child of the producer context from the job headers", async () => {
    const [headers] = traceEnqueue([{ entrypoint: "email" }]);
    const observer = createTracingObserver();
    const current = job(headers!);
    await runJob(
      observer,
      current,
      async () => {
        // The handler runs with the consumer span active: its own spans are children.
        trace.getTracer("app").startSpan("render template").end();
      },
      { kind: "successful" },
    );
    const [send] = sdk.spans("send email");
    const [process] = sdk.spans("process email");
    const [render] = sdk.spans("render template");
    expect(process!.kind).toBe(SpanKind.CONSUMER);
    expect(process!.spanContext().traceId).toBe(send!.spanContext().traceId);
    expect(process!.parentSpanContext?.spanId).toBe(send!.spanContext().spanId);
    expect(render!.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);
    expect(process!.attributes).toMatchObject({
      "messaging.system": "pgqueuer",
      "messaging.destination.name": "email",
      "messaging.operation.name": "process",
      "messaging.operation.type": "process",
      "messaging.message.id": "42",
      "messaging.message.body.size": 5,
      "pgqueuer.job.attempts": 2,
      "pgqueuer.job.outcome": "successful",
    });
    expect(process!.status.code).toBe(SpanStatusCode.OK);
  });

  it("marks exception and held jobs as errors with the exception recorded; a retry is not an error", async () => {
    const observer = createTracingObserver();
    const failing = async (): Promise<void> => {
      throw new RangeError("smtp down");
    };
    await runJob(observer, job(null, { entrypoint: "boom" }), failing, { kind: "exception", traceback });
    await runJob(observer, job(null, { entrypoint: "held" }), failing, { kind: "failed", traceback });
    await runJob(observer, job(null, { entrypoint: "again" }), failing, { kind: "retry", delay: 0, traceback });
    for (const name of ["process boom", "process held"]) {
      const [span] = sdk.spans(name);
      expect(span!.status, name).toEqual({ code: SpanStatusCode.ERROR, message: "smtp down" });
      expect(span!.attributes["error.type"]).toBe("RangeError");
      expect(span!.events.map((event) => event.name)).toContain("exception");
    }
    const [retry] = sdk.spans("process again");
    expect(retry!.status.code).toBe(SpanStatusCode.UNSET);
    expect(retry!.attributes["pgqueuer.job.outcome"]).toBe("retry");
  });

  it("passes the handler's result and error through unchanged", async () => {
    const observer = createTracingObserver();
    await expect(observer.around!(job(null), async () => "value")).resolves.toBe("value");
    const error = new Error("kept");
    await expect(observer.around!(job(null), async () => Promise.reject(error))).rejects.toBe(error);
  });

  it("starts a new trace for a job without (or with a malformed) otel header, unless requireContext is set", async () => {
    const observer = createTracingObserver();
    for (const headers of [null, { other: "x" }, { otel: "not an object" }, { otel: [1, 2] }, { otel: { traceparent: 5 } }] as JobHeaders[]) {
      sdk.exporter.reset();
      await runJob(observer, job(headers), async () => undefined, { kind: "successful" });
      const [span] = sdk.spans("process email");
      expect(span, JSON.stringify(headers)).toBeDefined();
      expect(span!.parentSpanContext).toBeUndefined();
    }
    sdk.exporter.reset();
    let ran = false;
    await runJob(createTracingObserver({ requireContext: true }), job(null), async () => void (ran = true), { kind: "successful" });
    expect(ran).toBe(true);
    expect(sdk.exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("ends the span even when no outcome is reported (a job released at shutdown)", async () => {
    const observer = createTracingObserver();
    await observer.around!(job(null, { entrypoint: "released" }), async () => undefined);
    expect(sdk.spans("process released")).toHaveLength(0); // still waiting for the outcome
    await new Promise((resolve) => setImmediate(resolve));
    expect(sdk.spans("process released")).toHaveLength(1);
  });

  it("uses the tracer and propagator it is given", async () => {
    const tracer = sdk.provider.getTracer("custom-scope");
    const propagator = new W3CTraceContextPropagator();
    const [headers] = traceEnqueue([{ entrypoint: "email" }], { tracer, propagator });
    await runJob(createTracingObserver({ tracer, propagator }), job(headers!), async () => undefined, { kind: "successful" });
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans.map((span) => span.instrumentationScope.name)).toEqual(["custom-scope", "custom-scope"]);
    expect(spans[1]!.parentSpanContext?.spanId).toBe(spans[0]!.spanContext().spanId);
  });

  it("reads the otel carrier of a job (DOM-4)", () => {
    expect(jobTraceCarrier(job(null))).toBeNull();
    expect(jobTraceCarrier(job({ otel: {} }))).toBeNull();
    expect(jobTraceCarrier(job({ otel: { traceparent: "00-a-b-01", n: 1 } }))).toEqual({ traceparent: "00-a-b-01" });
  });
});
