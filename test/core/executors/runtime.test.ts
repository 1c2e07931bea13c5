/**
 * The executors under the real worker, on PostgreSQL and PGlite: outcomes, heartbeats during a
 * backoff, release on shutdown, cancellation, hold and requeue, and a runaway worker thread.
 */
import { BroadcastChannel } from "node:worker_threads";
import { expect, it } from "vitest";
import { PgQueuer } from "../../../src/pgqueuer.js";
import { DatabaseRetryEntrypointExecutor } from "../../../src/core/executors/database-retry.js";
import { RetryWithBackoffEntrypointExecutor } from "../../../src/core/executors/retry-with-backoff.js";
import { TimeoutEntrypointExecutor } from "../../../src/core/executors/timeout.js";
import { WorkerThreadEntrypointExecutor } from "../../../src/core/executors/worker-thread.js";
import type { EntrypointHandler } from "../../../src/core/context.js";
import type { Logger } from "../../../src/domain/logger.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../../support/backends.js";
import { deferred, waitUntil, within } from "../../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

/** A logger whose first warn (a failed attempt, logged just before the backoff wait) resolves `waiting`. */
function waitingLogger(): { logger: Logger; waiting: Promise<void> } {
  const signal = deferred();
  const noop = (): void => undefined;
  return { waiting: signal.promise, logger: { debug: noop, info: noop, error: noop, warn: () => signal.resolve() } };
}

async function statuses(pgq: PgQueuer, id: number): Promise<string[]> {
  return (await pgq.queries.jobLogHistory(id)).map((entry) => entry.status);
}

describeEachBackend("executors under the worker", (db) => {
  it("RetryWithBackoff: a job that fails twice ends successful after three executions", async () => {
    const pgq = makeQueue(db());
    const name = uniqueName("rwb_ok");
    let calls = 0;
    const handler: EntrypointHandler = async () => {
      calls++;
      if (calls < 3) throw new Error(`failure ${calls}`);
    };
    pgq.entrypoint(name, { executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { initialDelay: 5, jitter: "none" }) }, handler);
    const id = await pgq.queries.enqueue(name, null);
    await within(pgq.run({ mode: "drain" }), 20_000, "drain");
    expect(calls).toBe(3);
    expect(await statuses(pgq, id)).toEqual(["queued", "picked", "successful"]);
  });

  it("RetryWithBackoff: exhaustion is the terminal outcome, with the whole chain in the traceback (exception, or failed with hold)", async () => {
    for (const onFailure of ["delete", "hold"] as const) {
      const pgq = makeQueue(db());
      const name = uniqueName(`rwb_fail_${onFailure}`);
      let calls = 0;
      pgq.entrypoint(
        name,
        { onFailure, executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { maxAttempts: 3, initialDelay: 1, jitter: "none" }) },
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
      );
      const id = await pgq.queries.enqueue(name, null);
      await within(pgq.run({ mode: "drain" }), 20_000, "drain");
      expect(calls).toBe(3);
      const history = await pgq.queries.jobLogHistory(id);
      const last = history.at(-1)!;
      expect(last.status).toBe(onFailure === "hold" ? "failed" : "exception");
      expect(last.traceback!.exceptionType).toBe("MaxRetriesExceeded");
      expect(last.traceback!.traceback).toContain("failure 3"); // the cause, down the chain
    }
  });

  it("RetryWithBackoff: the job keeps heartbeating during a long backoff, so no other worker re-picks it", async () => {
    const name = uniqueName("rwb_hb");
    const { logger, waiting } = waitingLogger();
    const worker = makeQueue(db());
    let calls = 0;
    worker.entrypoint(name, { executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { maxAttempts: 2, initialDelay: 4_000, jitter: "none", logger }) }, async () => {
      calls++;
      if (calls === 1) throw new Error("transient");
    });
    const other = new PgQueuer(await db().openDriver(), { settings: db().settingsOptions });
    let stolen = 0;
    other.entrypoint(name, async () => {
      stolen++;
    });
    const id = await worker.queries.enqueue(name, null);
    const running = worker.run({ heartbeatTimeout: 1_000 });
    await within(waiting, 15_000, "first failure");
    const before = (await worker.queries.queueJobById(id))!.heartbeat;
    const otherRunning = other.run({ heartbeatTimeout: 1_000, dequeueTimeout: 100 });
    const refreshed = await waitUntil(
      async () => {
        const job = await worker.queries.queueJobById(id);
        return job !== null && job.status === "picked" && job.heartbeat > before ? job : null;
      },
      { timeout: 10_000, message: "heartbeat refreshed while waiting" },
    );
    expect(refreshed.status).toBe("picked");
    await waitUntil(async () => (await worker.queries.jobStatus([id]))[0]?.status === "successful", { timeout: 15_000, message: "job successful" });
    worker.stop();
    other.stop();
    await within(Promise.all([running, otherRunning]), 15_000, "both workers stop");
    expect(calls).toBe(2);
    expect(stolen).toBe(0);
  });

  it("RetryWithBackoff: a shutdown during the wait releases the job to queued, and a later run completes it", async () => {
    const name = uniqueName("rwb_shutdown");
    const { logger, waiting } = waitingLogger();
    const first = makeQueue(db());
    let calls = 0;
    first.entrypoint(name, { executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { initialDelay: 60_000, jitter: "none", logger }) }, async () => {
      calls++;
      throw new Error("transient");
    });
    const id = await first.queries.enqueue(name, null);
    const running = first.run();
    await within(waiting, 15_000, "first failure");
    first.stop();
    await within(running, 10_000, "shutdown interrupts the 60 s wait");
    expect(calls).toBe(1);
    expect((await first.queries.queueJobById(id))?.status).toBe("queued");

    const second = makeQueue(db());
    second.entrypoint(name, async () => undefined);
    await within(second.run({ mode: "drain" }), 20_000, "drain");
    expect((await second.queries.jobStatus([id]))[0]?.status).toBe("successful");
  });

  it("RetryWithBackoff: canceling the job during the wait ends it canceled at once", async () => {
    const name = uniqueName("rwb_cancel");
    const { logger, waiting } = waitingLogger();
    const pgq = makeQueue(db());
    pgq.entrypoint(name, { executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { initialDelay: 60_000, jitter: "none", logger }) }, async () => {
      throw new Error("transient");
    });
    const id = await pgq.queries.enqueue(name, null);
    const running = pgq.run();
    await within(waiting, 15_000, "first failure");
    await pgq.queries.markJobAsCancelled([id]);
    await waitUntil(async () => (await pgq.queries.jobStatus([id]))[0]?.status === "canceled", { timeout: 15_000, message: "job canceled" });
    pgq.stop();
    await within(running, 10_000, "stop");
  });

  it("DatabaseRetry with hold: maxAttempts + 1 executions, retry rows, held as failed; requeued, it succeeds", async () => {
    const name = uniqueName("dbr_hold");
    const pgq = makeQueue(db());
    let fixed = false;
    const attemptsSeen: number[] = [];
    pgq.entrypoint(name, { onFailure: "hold", executorFactory: (p) => new DatabaseRetryEntrypointExecutor(p, { maxAttempts: 2, initialDelay: 10 }) }, async (job) => {
      attemptsSeen.push(job.attempts);
      if (!fixed) throw new Error("still broken");
    });
    const id = await pgq.queries.enqueue(name, "payload");
    await within(pgq.run({ mode: "drain" }), 30_000, "drain");
    expect(attemptsSeen).toEqual([0, 1, 2]);
    const history = await pgq.queries.jobLogHistory(id);
    const retries = history.filter((entry) => entry.status === "queued" && entry.traceback !== null);
    expect(retries).toHaveLength(2);
    expect(retries.every((entry) => entry.traceback!.exceptionType === "RetryRequested")).toBe(true);
    expect(history.at(-1)!.status).toBe("failed");
    const held = await pgq.queries.queueJobById(id);
    expect(held?.status).toBe("failed");
    expect(held?.payload?.toString()).toBe("payload");

    fixed = true;
    attemptsSeen.length = 0;
    expect(await pgq.queries.requeueJobs([id])).toEqual([id]);
    await within(pgq.run({ mode: "drain" }), 20_000, "second drain");
    expect(attemptsSeen).toEqual([0]);
    expect((await pgq.queries.jobStatus([id]))[0]?.status).toBe("successful");
  });

  it("Timeout: a job that overruns ends as exception with JobTimeoutError", async () => {
    const name = uniqueName("timeout");
    const pgq = makeQueue(db());
    pgq.entrypoint(name, { executorFactory: (p) => new TimeoutEntrypointExecutor(p, { timeout: 50 }) }, () => new Promise(() => undefined));
    const id = await pgq.queries.enqueue(name, null);
    await within(pgq.run({ mode: "drain" }), 20_000, "drain");
    const last = (await pgq.queries.jobLogHistory(id)).at(-1)!;
    expect(last.status).toBe("exception");
    expect(last.traceback!.exceptionType).toBe("JobTimeoutError");
  });

  it("WorkerThread: canceling an endless loop terminates its thread, and shutdown closes the pool", async () => {
    const name = uniqueName("thread_cancel");
    const channelName = uniqueName("channel");
    const events = new BroadcastChannel(channelName);
    const started = deferred<number>();
    events.onmessage = (event) => started.resolve(((event as MessageEvent).data as { started: number }).started);
    const pgq = makeQueue(db());
    let executor: WorkerThreadEntrypointExecutor | undefined;
    pgq.entrypoint(
      name,
      {
        executorFactory: (p) => {
          executor = new WorkerThreadEntrypointExecutor(p, { module: new URL("../../fixtures/executors/worker-handlers.mjs", import.meta.url), exportName: "spin", poolSize: 1 });
          return executor;
        },
      },
      async () => undefined,
    );
    try {
      const id = await pgq.queries.enqueue(name, null, { headers: { channel: channelName } });
      const running = pgq.run();
      expect(await within(started.promise, 15_000, "job started on a thread")).toBe(id);
      await pgq.queries.markJobAsCancelled([id]);
      await waitUntil(async () => (await pgq.queries.jobStatus([id]))[0]?.status === "canceled", { timeout: 15_000, message: "job canceled" });
      pgq.stop();
      await within(running, 10_000, "stop");
      expect(executor!.pool.threadCount).toBe(0);
    } finally {
      events.close();
    }
  });
});
