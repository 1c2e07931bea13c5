import { expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { InvalidArgumentError, InvalidExecutorFactoryError, PgQueuerError, PgQueuerTypeError, RegistrationError, RetryRequested, ShutdownError } from "../../src/domain/errors.js";
import type { Job } from "../../src/domain/types.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { deferred, waitUntil, within } from "../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

async function logStatuses(pgq: PgQueuer, jobId: number): Promise<string[]> {
  const history = await pgq.queries.jobLogHistory(jobId);
  return history.map((entry) => entry.status);
}

describeEachBackend("QueueManager", (db) => {
  it("drains every job exactly once and logs queued → picked → successful", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("drain");
    const seen: number[] = [];
    pgq.entrypoint(ep, async (job) => {
      seen.push(job.id);
    });
    const ids = await pgq.queries.enqueueMany(Array.from({ length: 50 }, (_, i) => ({ entrypoint: ep, payload: `p${i}` })));
    await within(pgq.run({ mode: "drain", batchSize: 7 }), 20_000, "drain");
    expect([...seen].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a! - b!));
    for (const id of ids.slice(0, 5)) expect(await logStatuses(pgq, id!)).toEqual(["queued", "picked", "successful"]);
  });

  it("runs higher priority first, FIFO within a priority", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("prio");
    const order: string[] = [];
    pgq.entrypoint(ep, async (job) => {
      order.push(job.payload!.toString());
    });
    await pgq.queries.enqueueMany([
      { entrypoint: ep, payload: "low", priority: 1 },
      { entrypoint: ep, payload: "high-a", priority: 3 },
      { entrypoint: ep, payload: "high-b", priority: 3 },
      { entrypoint: ep, payload: "mid", priority: 2 },
      { entrypoint: ep, payload: "neg", priority: -1 },
    ]);
    await pgq.run({ mode: "drain", batchSize: 1 });
    expect(order).toEqual(["high-a", "high-b", "mid", "low", "neg"]);
  });

  it("passes the payload bytes, attempts and a context with signal and the shared resources", async () => {
    const resources = { counter: 0 };
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions, resources });
    const ep = uniqueName("ctx");
    let received: { job: Job; signal: AbortSignal; same: boolean } | undefined;
    pgq.entrypoint(ep, async (job, context) => {
      context.resources.counter = (context.resources.counter as number) + 1;
      received = { job, signal: context.signal, same: context.resources === resources };
    });
    await pgq.queries.enqueue(ep, Buffer.from([0, 255, 7]), { headers: { trace: "x" } });
    await pgq.run({ mode: "drain" });
    expect([...received!.job.payload!]).toEqual([0, 255, 7]);
    expect(received!.job.attempts).toBe(0);
    expect(received!.job.headers).toEqual({ trace: "x" });
    expect(received!.signal).toBeInstanceOf(AbortSignal);
    expect(received!.same).toBe(true);
    expect(resources.counter).toBe(1);
  });

  it("waits for a deferred job and runs it once it is due, even with a long dequeueTimeout", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("deferred");
    const ran = deferred<number>();
    pgq.entrypoint(ep, async () => ran.resolve(Date.now()));
    const enqueuedAt = Date.now();
    await pgq.queries.enqueue(ep, null, { executeAfter: 400 });
    const running = pgq.run({ mode: "drain", dequeueTimeout: 60_000 });
    const ranAt = await within(ran.promise, 10_000, "deferred job");
    await running;
    expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(350);
  });

  it("continuous mode wakes on an enqueue notification, not on the poll timeout", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("wake");
    const ran = deferred();
    pgq.entrypoint(ep, async () => ran.resolve());
    const running = pgq.run({ dequeueTimeout: 120_000 });
    // Let the worker reach its idle wait: its first poll finds nothing.
    await waitUntil(() => pgq.queueManager.isRunning);
    await new Promise((resolve) => setImmediate(resolve));
    await pgq.queries.enqueue(ep, "hello");
    await within(ran.promise, 10_000, "the notification should wake the worker long before dequeueTimeout");
    pgq.stop();
    await running;
  });

  it("drain mode exits at once when nothing is queued, and ignores jobs of unregistered entrypoints", async () => {
    const pgq = makeQueue(db());
    const foreign = await pgq.queries.enqueue(uniqueName("foreign"), "not mine");
    pgq.entrypoint(uniqueName("mine"), async () => undefined);
    await within(pgq.run({ mode: "drain" }), 10_000, "drain on empty queue");
    const job = await pgq.queries.queueJobById(foreign);
    expect(job?.status).toBe("queued");
  });

  it("logs exception with a traceback holding the cause chain; hold keeps the job as failed", async () => {
    const pgq = makeQueue(db());
    const deleting = uniqueName("boom");
    const holding = uniqueName("hold");
    const fail = async (): Promise<never> => {
      throw new TypeError("outer failure", { cause: new RangeError("root cause") });
    };
    pgq.entrypoint(deleting, fail);
    pgq.entrypoint(holding, { onFailure: "hold" }, fail);
    const a = await pgq.queries.enqueue(deleting, null);
    const b = await pgq.queries.enqueue(holding, null);
    await pgq.run({ mode: "drain" });
    expect(await logStatuses(pgq, a)).toEqual(["queued", "picked", "exception"]);
    expect(await pgq.queries.queueJobById(a)).toBeNull();
    const history = await pgq.queries.jobLogHistory(a);
    const traceback = history.at(-1)!.traceback!;
    expect(traceback.exceptionType).toBe("TypeError");
    expect(traceback.exceptionMessage).toBe("outer failure");
    expect(traceback.traceback).toContain("Caused by: RangeError: root cause");
    expect(traceback.additionalContext).toMatchObject({ entrypoint: deleting, queue_manager_id: pgq.queueManager.queueManagerId });
    expect(await logStatuses(pgq, b)).toEqual(["queued", "picked", "failed"]);
    expect((await pgq.queries.queueJobById(b))?.status).toBe("failed");
  });

  it("RetryRequested re-queues the same job with attempts + 1; drain waits for it", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("retry");
    const attempts: number[] = [];
    pgq.entrypoint(ep, async (job) => {
      attempts.push(job.attempts);
      if (job.attempts < 2) throw new RetryRequested({ delay: 0, reason: "not yet" });
    });
    const id = await pgq.queries.enqueue(ep, "x");
    await within(pgq.run({ mode: "drain" }), 15_000, "drain with retries");
    expect(attempts).toEqual([0, 1, 2]);
    const history = await pgq.queries.jobLogHistory(id);
    expect(history.map((e) => e.status)).toEqual(["queued", "picked", "queued", "picked", "queued", "picked", "successful"]);
    const retryRow = history[2]!;
    expect(retryRow.traceback?.exceptionType).toBe("RetryRequested");
    expect(retryRow.traceback?.additionalContext).toMatchObject({ attempt: 0, retry_delay: "0:00:00", reason: "not yet", entrypoint: ep });
  });

  it("cancelling a running job aborts its signal and logs canceled", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("cancel");
    const started = deferred();
    let reason: unknown;
    pgq.entrypoint(ep, async (_job, context) => {
      started.resolve();
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      reason = context.signal.reason;
    });
    const id = await pgq.queries.enqueue(ep, null);
    const running = pgq.run({ mode: "drain" });
    await within(started.promise, 10_000, "job start");
    await pgq.queries.markJobAsCancelled([id]);
    await within(running, 10_000, "drain after cancel");
    expect((reason as Error).name).toBe("JobCancelledError");
    const statuses = await logStatuses(pgq, id);
    expect(statuses.filter((s) => s === "canceled")).toHaveLength(1);
    expect(statuses.at(-1)).toBe("canceled");
  });

  it("keeps heartbeating a long job so it is not re-picked, then completes it", async () => {
    const pgq = makeQueue(db());
    const other = makeQueue(db());
    const ep = uniqueName("beat");
    const release = deferred();
    const started = deferred();
    let runs = 0;
    pgq.entrypoint(ep, async () => {
      runs += 1;
      started.resolve();
      await release.promise;
    });
    other.entrypoint(ep, async () => {
      runs += 1;
    });
    const id = await pgq.queries.enqueue(ep, null);
    const running = pgq.run({ heartbeatTimeout: 600, dequeueTimeout: 100 });
    await within(started.promise, 10_000, "job start");
    const first = (await pgq.queries.queueJobById(id))!.heartbeat.getTime();
    await waitUntil(async () => (await pgq.queries.queueJobById(id))!.heartbeat.getTime() > first, { message: "heartbeat advanced" });
    // A second worker polling past the heartbeat timeout must not steal the job.
    const stealer = other.run({ heartbeatTimeout: 600, dequeueTimeout: 100 });
    await waitUntil(async () => (await pgq.queries.queueJobById(id))!.heartbeat.getTime() > first + 900, { message: "still heartbeating" });
    expect(runs).toBe(1);
    release.resolve();
    await waitUntil(async () => (await pgq.queries.queueJobById(id)) === null, { message: "completed" });
    pgq.stop();
    other.stop();
    await Promise.all([running, stealer]);
    expect(runs).toBe(1);
    expect(await logStatuses(pgq, id)).toEqual(["queued", "picked", "successful"]);
  });

  it("shutdown past shutdownTimeout releases a stuck job to queued, and another worker completes it", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("stuck");
    const started = deferred();
    let sawShutdown = false;
    pgq.entrypoint(ep, async (_job, context) => {
      context.shutdown.addEventListener("abort", () => (sawShutdown = true));
      started.resolve();
      await new Promise(() => undefined); // ignores every signal
    });
    const id = await pgq.queries.enqueue(ep, null);
    const running = pgq.run({ shutdownTimeout: 200 });
    await within(started.promise, 10_000, "job start");
    pgq.stop();
    await within(running, 10_000, "shutdown");
    expect(sawShutdown).toBe(true);
    const job = await pgq.queries.queueJobById(id);
    expect(job?.status).toBe("queued");
    expect(job?.queueManagerId).toBeNull();
    const later = makeQueue(db());
    let done = false;
    later.entrypoint(ep, async () => {
      done = true;
    });
    await later.run({ mode: "drain" });
    expect(done).toBe(true);
    expect(await pgq.queries.queueJobById(id)).toBeNull();
  });

  it("a job that throws ShutdownError while shutting down is released, not failed", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("release");
    const started = deferred();
    pgq.entrypoint(ep, async (_job, context) => {
      started.resolve();
      await new Promise((resolve) => context.shutdown.addEventListener("abort", resolve, { once: true }));
      throw new ShutdownError("stopping the wait");
    });
    const id = await pgq.queries.enqueue(ep, null);
    const running = pgq.run();
    await within(started.promise, 10_000, "job start");
    pgq.stop();
    await running;
    expect((await pgq.queries.queueJobById(id))?.status).toBe("queued");
  });

  it("stops when the run signal aborts", async () => {
    const pgq = makeQueue(db());
    pgq.entrypoint(uniqueName("sig"), async () => undefined);
    const controller = new AbortController();
    const running = pgq.run({ signal: controller.signal, dequeueTimeout: 60_000 });
    await waitUntil(() => pgq.queueManager.isRunning);
    controller.abort();
    await within(running, 10_000, "signal stop");
    expect(pgq.queueManager.isRunning).toBe(false);
  });

  it("stop() called while run() is still starting is not lost", async () => {
    const pgq = makeQueue(db());
    pgq.entrypoint(uniqueName("early"), async () => undefined);
    const running = pgq.run({ dequeueTimeout: 120_000 });
    pgq.stop(); // run() is still verifying the schema
    await within(running, 10_000, "an early stop must end the run");
    expect(pgq.queueManager.isRunning).toBe(false);
  });

  it("respects maxConcurrentTasks: never more running at once than the cap", async () => {
    const pgq = makeQueue(db());
    const ep = uniqueName("cap");
    let current = 0;
    let peak = 0;
    pgq.entrypoint(ep, async () => {
      current += 1;
      peak = Math.max(peak, current);
      await new Promise((resolve) => setImmediate(resolve));
      current -= 1;
    });
    await pgq.queries.enqueueMany(Array.from({ length: 60 }, () => ({ entrypoint: ep })));
    await pgq.run({ mode: "drain", batchSize: 2, maxConcurrentTasks: 4 });
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(0);
  });
});

describeEachBackend("QueueManager bad input", (db) => {
  it("rejects bad registrations with typed errors naming the problem", () => {
    const pgq = makeQueue(db());
    pgq.entrypoint("dup", async () => undefined);
    expect(() => pgq.entrypoint("dup", async () => undefined)).toThrow(RegistrationError);
    expect(() => pgq.entrypoint("", async () => undefined)).toThrow(RegistrationError);
    expect(() => pgq.entrypoint("nofn", {}, "not a function" as never)).toThrow(PgQueuerTypeError);
    expect(() => pgq.entrypoint("neg", { concurrencyLimit: -1 }, async () => undefined)).toThrow(/concurrencyLimit/);
    expect(() => pgq.entrypoint("frac", { concurrencyLimit: 1.5 }, async () => undefined)).toThrow(InvalidArgumentError);
    expect(() => pgq.entrypoint("bad", { onFailure: "explode" as never }, async () => undefined)).toThrow(/onFailure/);
    expect(() => pgq.entrypoint("fac", { executorFactory: 42 as never }, async () => undefined)).toThrow(InvalidExecutorFactoryError);
    expect(() => pgq.entrypoint("fac2", { executorFactory: (() => ({})) as never }, async () => undefined)).toThrow(/fac2/);
    try {
      pgq.entrypoint("fac3", { executorFactory: 42 as never }, async () => undefined);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(PgQueuerError);
    }
  });

  it("rejects bad run options before touching the database", async () => {
    const pgq = makeQueue(db());
    await expect(pgq.run({ batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(pgq.run({ batchSize: 5, maxConcurrentTasks: 9 })).rejects.toThrow(/maxConcurrentTasks/);
    await expect(pgq.run({ mode: "sometimes" as never })).rejects.toThrow(/mode/);
    await expect(pgq.run({ dequeueTimeout: -1 })).rejects.toThrow(/dequeueTimeout/);
    await expect(pgq.run({ heartbeatTimeout: Number.NaN })).rejects.toThrow(/heartbeatTimeout/);
    await expect(pgq.run({ claimLinger: -5 })).rejects.toThrow(/claimLinger/);
    await expect(pgq.run({ claimLinger: "5" as never })).rejects.toThrow(/claimLinger/);
    await expect(pgq.run({ concurrentClaims: 9 })).rejects.toThrow(/concurrentClaims/);
    // Longer than a Node.js timer can wait (it would fire at once): refused, not silently wrong.
    for (const option of ["dequeueTimeout", "heartbeatTimeout", "logAggregationInterval", "shutdownTimeout", "healthCheckInterval", "claimLinger", "vacuumInterval"] as const) {
      await expect(pgq.run({ [option]: 2 ** 31 })).rejects.toThrow(new RegExp(`${option}.*at most 2147483647`));
    }
    expect(pgq.queueManager.isRunning).toBe(false);
  });
});
