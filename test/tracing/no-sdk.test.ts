/**
 * Without a registered OpenTelemetry SDK every tracing helper is a transparent no-op: headers
 * come back unchanged (no `otel` key), handlers run as they are (CATALOGUE TRC-3). This file
 * must not register an SDK: each test file runs in its own process, with fresh API globals.
 */
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import type { Job } from "../../src/domain/types.js";
import { createTracingObserver, injectTraceHeaders, traceEnqueue, withEnqueueSpan } from "../../src/tracing/index.js";

const now = new Date();
const job: Job = { id: 1, priority: 0, created: now, updated: now, heartbeat: now, executeAfter: now, status: "picked", entrypoint: "e", payload: null, headers: { otel: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } }, attempts: 0, dedupeKey: null, queueManagerId: null };

describe("tracing without an SDK", () => {
  it("leaves headers unchanged, one entry per job, in order", async () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    const input = [{ entrypoint: "a", headers: { x: 1 } }, { entrypoint: "b" }, { entrypoint: "c", headers: null }];
    expect(traceEnqueue(input)).toEqual([{ x: 1 }, null, null]);
    expect(await withEnqueueSpan(input, async (headers) => headers)).toEqual([{ x: 1 }, null, null]);
    expect(injectTraceHeaders({ x: 1 })).toEqual({ x: 1 });
  });

  it("runs the job as it is, even when its headers carry a trace context", async () => {
    const observer = createTracingObserver();
    await expect(observer.around!(job, async () => "result")).resolves.toBe("result");
    const error = new Error("handler failed");
    await expect(observer.around!(job, async () => Promise.reject(error))).rejects.toBe(error);
    // Reporting an outcome for an untraced job is harmless.
    observer.onJobFinished!({ job, outcome: { kind: "successful" }, durationMs: 1, queueManagerId: "qm" });
  });
});
