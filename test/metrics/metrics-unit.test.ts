/**
 * Metrics without a database: the observer's bookkeeping, scrape-time caching, the request
 * handler's HTTP behaviour, registry handling and bad inputs.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, register as globalRegistry, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import type { JobOutcome } from "../../src/ports/repository.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import type { Job } from "../../src/domain/types.js";
import { createMetricsObserver, metricsHandler, registerQueueMetrics, startMetricsServer, type QueueMetricsSource } from "../../src/metrics/index.js";
import { TtlCache } from "../../src/metrics/ttl-cache.js";
import { deferred } from "../support/wait.js";
import { sampleValue } from "./prometheus-text.js";

function job(overrides: Partial<Job> = {}): Job {
  const now = new Date();
  return {
    id: 1,
    priority: 0,
    created: new Date(now.getTime() - 2_000),
    updated: now,
    heartbeat: now,
    executeAfter: now,
    status: "picked",
    entrypoint: "email",
    payload: null,
    headers: null,
    attempts: 0,
    dedupeKey: null,
    queueManagerId: "qm",
    ...overrides,
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("createMetricsObserver", () => {
  it("counts outcomes, observes durations (seconds) and queue wait, and tracks active handlers", async () => {
    const observer = createMetricsObserver();
    const running = deferred();
    const release = deferred();
    const current = job();
    observer.onJobStarted!(current, "qm");
    const finished = observer.around!(current, async () => {
      running.resolve();
      await release.promise;
      return "done";
    });
    await running.promise;
    expect(sampleValue(await observer.registry.metrics(), "pgqueuer_jobs_active", { entrypoint: "email" })).toBe(1);
    release.resolve();
    await expect(finished).resolves.toBe("done");
    const outcome: JobOutcome = { kind: "successful" };
    observer.onJobFinished!({ job: current, outcome, durationMs: 1_500, queueManagerId: "qm" });

    const body = await observer.registry.metrics();
    expect(sampleValue(body, "pgqueuer_jobs_active", { entrypoint: "email" })).toBe(0);
    expect(sampleValue(body, "pgqueuer_jobs_processed_total", { entrypoint: "email", outcome: "successful" })).toBe(1);
    expect(sampleValue(body, "pgqueuer_job_duration_seconds_sum", { entrypoint: "email" })).toBe(1.5);
    expect(sampleValue(body, "pgqueuer_job_duration_seconds_bucket", { entrypoint: "email", le: "1" })).toBe(0);
    expect(sampleValue(body, "pgqueuer_job_duration_seconds_bucket", { entrypoint: "email", le: "2.5" })).toBe(1);
    const waited = sampleValue(body, "pgqueuer_job_queue_wait_seconds_sum", { entrypoint: "email" })!;
    expect(waited).toBeGreaterThanOrEqual(2);
    expect(waited).toBeLessThan(60);
  });

  it("decrements the active gauge when the handler throws, and clamps a future `created` to zero wait", async () => {
    const observer = createMetricsObserver();
    await expect(observer.around!(job(), async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    observer.onJobStarted!(job({ created: new Date(Date.now() + 60_000) }), "qm");
    const body = await observer.registry.metrics();
    expect(sampleValue(body, "pgqueuer_jobs_active", { entrypoint: "email" })).toBe(0);
    expect(sampleValue(body, "pgqueuer_job_queue_wait_seconds_sum", { entrypoint: "email" })).toBe(0);
  });

  it("uses a dedicated registry by default, never the global one; observers may share a registry", async () => {
    const first = createMetricsObserver();
    expect(first.registry).not.toBe(globalRegistry);
    expect(globalRegistry.getSingleMetric("pgqueuer_jobs_processed_total")).toBeUndefined();
    const shared = new Registry();
    const a = createMetricsObserver(shared);
    const b = createMetricsObserver({ registry: shared });
    a.onJobFinished!({ job: job(), outcome: { kind: "successful" }, durationMs: 1, queueManagerId: "a" });
    b.onJobFinished!({ job: job(), outcome: { kind: "successful" }, durationMs: 1, queueManagerId: "b" });
    expect(sampleValue(await shared.metrics(), "pgqueuer_jobs_processed_total", { entrypoint: "email", outcome: "successful" })).toBe(2);
  });

  it("rejects bad buckets and a registry holding a conflicting metric, naming the option", () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ durationBuckets: [] }, "durationBuckets"],
      [{ durationBuckets: [1, 1] }, "durationBuckets"],
      [{ durationBuckets: [0, 1] }, "durationBuckets"],
      [{ queueWaitBuckets: [2, 1] }, "queueWaitBuckets"],
      [{ queueWaitBuckets: [Number.NaN] }, "queueWaitBuckets"],
    ];
    for (const [options, setting] of bad) {
      expect(() => createMetricsObserver(options as never), setting).toThrow(InvalidArgumentError);
      try {
        createMetricsObserver(options as never);
      } catch (error) {
        expect((error as InvalidArgumentError).setting).toBe(setting);
      }
    }
    const registry = new Registry();
    new Counter({ name: "pgqueuer_jobs_active", help: "a counter, not a gauge", registers: [registry] });
    expect(() => createMetricsObserver(registry)).toThrow(/pgqueuer_jobs_active/);
  });
});

describe("queue metrics on scrape", () => {
  function source(rows: { entrypoint: string; status: "queued" | "picked" | "failed"; count: number; priority?: number }[][]) {
    const calls = { queueSize: 0 };
    let index = 0;
    const queries: QueueMetricsSource = {
      queueSize: async () => {
        calls.queueSize += 1;
        const current = rows[Math.min(index, rows.length - 1)]!;
        index += 1;
        return current.map((row) => ({ priority: 0, ...row }));
      },
    };
    return { queries, calls };
  }

  it("reads the database once per cacheTtl, however many scrapes, and sums priorities", async () => {
    const { queries, calls } = source([[{ entrypoint: "a", status: "queued", count: 2, priority: 1 }, { entrypoint: "a", status: "queued", count: 3, priority: 5 }]]);
    const registry = new Registry();
    registerQueueMetrics({ registry, queries, cacheTtl: 60_000 });
    const bodies = await Promise.all([registry.metrics(), registry.metrics(), registry.metrics()]);
    await registry.metrics();
    expect(calls.queueSize).toBe(1);
    for (const body of bodies) expect(sampleValue(body, "pgqueuer_queue_count", { entrypoint: "a", status: "queued" })).toBe(5);
    // Without activeWorkers/throughputSummary in the source those gauges are left out.
    expect(bodies[0]).not.toContain("pgqueuer_workers_active");
    expect(bodies[0]).not.toContain("pgqueuer_logs_count");
  });

  it("drops a series that left the table", async () => {
    const { queries } = source([[{ entrypoint: "a", status: "queued", count: 1 }, { entrypoint: "b", status: "picked", count: 1 }], [{ entrypoint: "b", status: "picked", count: 4 }]]);
    const registry = new Registry();
    registerQueueMetrics({ registry, queries, cacheTtl: 0 });
    expect(sampleValue(await registry.metrics(), "pgqueuer_queue_count", { entrypoint: "a" })).toBe(1);
    const body = await registry.metrics();
    expect(sampleValue(body, "pgqueuer_queue_count", { entrypoint: "a" })).toBeUndefined();
    expect(sampleValue(body, "pgqueuer_queue_count", { entrypoint: "b", status: "picked" })).toBe(4);
  });

  it("answers 500 without leaking the error when the database read fails, and recovers", async () => {
    let fail = true;
    const registry = new Registry();
    registerQueueMetrics({
      registry,
      cacheTtl: 0,
      queries: {
        queueSize: async () => {
          if (fail) throw new Error("connect ECONNREFUSED postgres://app:s3cret@db:5432/app");
          return [];
        },
      },
    });
    const errors: unknown[] = [];
    const url = await serve(metricsHandler({ registry, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o: unknown) => void errors.push(o) } as never }));
    const failed = await fetch(url);
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("s3cret");
    expect(errors).toHaveLength(1);
    fail = false;
    expect((await fetch(url)).status).toBe(200);
  });

  it("rejects bad options, naming them", () => {
    const registry = new Registry();
    const queries: QueueMetricsSource = { queueSize: async () => [] };
    expect(() => registerQueueMetrics({ registry, queries: {} as never })).toThrow(expect.objectContaining({ setting: "queries" }));
    expect(() => registerQueueMetrics({ registry, queries, cacheTtl: -1 })).toThrow(expect.objectContaining({ setting: "cacheTtl" }));
    expect(() => registerQueueMetrics({ registry, queries, logWindow: 0 })).toThrow(expect.objectContaining({ setting: "logWindow" }));
  });
});

describe("metricsHandler and startMetricsServer", () => {
  it("answers GET with the exposition format, HEAD without a body, other methods with 405", async () => {
    const registry = new Registry();
    new Counter({ name: "demo_total", help: "demo", registers: [registry] }).inc(3);
    const url = await serve(metricsHandler(registry));
    const get = await fetch(url);
    expect(get.headers.get("content-type")).toBe(registry.contentType);
    expect(sampleValue(await get.text(), "demo_total")).toBe(3);
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await fetch(url, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("rejects a missing registry, a bad port and a bad path before listening", async () => {
    expect(() => metricsHandler({} as never)).toThrow(expect.objectContaining({ setting: "registry" }));
    const queries: QueueMetricsSource = { queueSize: async () => [] };
    for (const port of [-1, 65_536, 1.5, Number.NaN, "9464"]) {
      await expect(startMetricsServer({ port: port as number, queries })).rejects.toMatchObject({ setting: "port" });
    }
    await expect(startMetricsServer({ port: 0, queries, path: "metrics" })).rejects.toMatchObject({ setting: "path" });
  });

  it("fails to start on a port in use, and close() is idempotent", async () => {
    const queries: QueueMetricsSource = { queueSize: async () => [] };
    const first = await startMetricsServer({ port: 0, queries });
    await expect(startMetricsServer({ port: first.port, queries })).rejects.toMatchObject({ code: "EADDRINUSE" });
    await first.close();
    await first.close();
    await expect(fetch(first.url)).rejects.toThrow();
  });
});

describe("TtlCache", () => {
  it("shares one in-flight load among concurrent callers and caches it for the ttl", async () => {
    let loads = 0;
    const gate = deferred<number>();
    const cache = new TtlCache(60_000, async () => {
      loads += 1;
      return gate.promise;
    });
    const all = Promise.all(Array.from({ length: 10 }, () => cache.get()));
    gate.resolve(7);
    expect(await all).toEqual(Array(10).fill(7));
    expect(await cache.get()).toBe(7);
    expect(loads).toBe(1);
  });

  it("does not cache a failure: every waiting caller sees it, the next call loads again", async () => {
    let loads = 0;
    const cache = new TtlCache(60_000, async () => {
      loads += 1;
      if (loads === 1) throw new Error("down");
      return "up";
    });
    const results = await Promise.allSettled([cache.get(), cache.get()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await cache.get()).toBe("up");
    expect(loads).toBe(2);
  });

  it("loads again once the ttl has passed (ttl 0: every call)", async () => {
    let loads = 0;
    const cache = new TtlCache(0, async () => ++loads);
    expect(await cache.get()).toBe(1);
    expect(await cache.get()).toBe(2);
  });
});
