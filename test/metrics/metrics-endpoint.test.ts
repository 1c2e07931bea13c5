/**
 * The metrics endpoint scraped over HTTP after a drain, on PostgreSQL and PGlite: the worker
 * counters and the database gauges agree with the log and queue tables.
 */
import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { RetryRequested } from "../../src/domain/errors.js";
import { createMetricsObserver, startMetricsServer } from "../../src/metrics/index.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { describeEachBackend, uniqueName } from "../support/backends.js";
import { within } from "../support/wait.js";
import { parseSamples, sampleValue } from "./prometheus-text.js";

describeEachBackend("metrics endpoint", (db) => {
  it("serves job counts matching the log table, histograms, and queue depth from the database", async () => {
    const registry = new Registry();
    const observer = createMetricsObserver(registry);
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions, observers: [observer] });
    const [ok, boom, held, retried, idle] = ["ok", "boom", "held", "retried", "idle"].map(uniqueName) as [string, string, string, string, string];
    pgq.entrypoint(ok, async () => undefined);
    pgq.entrypoint(boom, async () => {
      throw new Error("boom");
    });
    pgq.entrypoint(held, { onFailure: "hold" }, async () => {
      throw new Error("held");
    });
    pgq.entrypoint(retried, async (job) => {
      if (job.attempts === 0) throw new RetryRequested({ reason: "once more" });
    });
    const counts = { [ok]: 12, [boom]: 5, [held]: 3, [retried]: 4 };
    for (const [entrypoint, count] of Object.entries(counts)) {
      await pgq.queries.enqueueMany(Array.from({ length: count }, (_, i) => ({ entrypoint, priority: i % 3 })));
    }
    // Never run (not registered): visible only in the queue gauge, summed over priorities.
    await pgq.queries.enqueueMany([{ entrypoint: idle, priority: 1 }, { entrypoint: idle, priority: 2 }, { entrypoint: idle, priority: 2 }]);
    await within(pgq.run({ mode: "drain", batchSize: 4 }), 30_000, "drain");

    await using server = await startMetricsServer({ port: 0, queries: pgq.queries, registry });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseSamples(await response.text());

    const log = await pgq.queries.queueLog();
    const logged = (entrypoint: string, status: string): number => log.filter((row) => row.entrypoint === entrypoint && row.status === status).length;
    const processed = (entrypoint: string, outcome: string) => sampleValue(samples, "pgqueuer_jobs_processed_total", { entrypoint, outcome });
    // Outcomes with a log status of the same name match the log table row for row.
    expect(processed(ok, "successful")).toBe(logged(ok, "successful"));
    expect(processed(boom, "exception")).toBe(logged(boom, "exception"));
    expect(processed(held, "failed")).toBe(logged(held, "failed"));
    expect(processed(retried, "successful")).toBe(logged(retried, "successful"));
    expect([processed(ok, "successful"), processed(boom, "exception"), processed(held, "failed"), processed(retried, "successful")]).toEqual([12, 5, 3, 4]);
    // A retry logs `queued` again: one queued row at enqueue, one per retry.
    expect(processed(retried, "retry")).toBe(logged(retried, "queued") - 4);
    expect(processed(retried, "retry")).toBe(4);

    for (const [entrypoint, count] of Object.entries(counts)) {
      const runs = entrypoint === retried ? count * 2 : count;
      expect(sampleValue(samples, "pgqueuer_job_duration_seconds_count", { entrypoint }), entrypoint).toBe(runs);
      expect(sampleValue(samples, "pgqueuer_job_queue_wait_seconds_count", { entrypoint }), entrypoint).toBe(runs);
      expect(sampleValue(samples, "pgqueuer_jobs_active", { entrypoint }), entrypoint).toBe(0);
    }

    // Database gauges: what is left in the queue table, and the log window.
    const queueSize = await pgq.queries.queueSize();
    const inQueue = (entrypoint: string, status: string) => queueSize.filter((row) => row.entrypoint === entrypoint && row.status === status).reduce((sum, row) => sum + row.count, 0);
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: idle, status: "queued" })).toBe(3);
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: held, status: "failed" })).toBe(inQueue(held, "failed"));
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: held, status: "failed" })).toBe(3);
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: ok, status: "queued" })).toBeUndefined();
    expect(sampleValue(samples, "pgqueuer_workers_active")).toBe(0);
    expect(sampleValue(samples, "pgqueuer_logs_count", { entrypoint: ok, status: "successful" })).toBe(logged(ok, "successful"));
    expect(sampleValue(samples, "pgqueuer_logs_count", { entrypoint: boom, status: "exception" })).toBe(logged(boom, "exception"));
  });

  it("standalone server (what `pgq metrics` runs) serves database gauges only, on its path", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const ep = uniqueName("standalone");
    await pgq.queries.enqueueMany([{ entrypoint: ep }, { entrypoint: ep }]);
    await using server = await startMetricsServer({ port: 0, queries: pgq.queries, path: "/custom/metrics", cacheTtl: 0 });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/custom/metrics`);
    let samples = parseSamples(await (await fetch(server.url)).text());
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: ep, status: "queued" })).toBe(2);
    expect(samples.some((sample) => sample.name.startsWith("pgqueuer_jobs_processed"))).toBe(false);
    await pgq.queries.clearQueue(ep);
    // cacheTtl 0: the next scrape reads again, and the emptied series disappears.
    samples = parseSamples(await (await fetch(server.url)).text());
    expect(sampleValue(samples, "pgqueuer_queue_count", { entrypoint: ep, status: "queued" })).toBeUndefined();
    expect((await fetch(new URL("/other", server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
  });
});
