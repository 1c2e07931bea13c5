import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BroadcastChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { WorkerThreadEntrypointExecutor, defaultPoolSize, type WorkerThreadOptions } from "../../../src/core/executors/worker-thread.js";
import { RetryWithBackoffEntrypointExecutor } from "../../../src/core/executors/retry-with-backoff.js";
import { InvalidArgumentError, JobCancelledError, MaxRetriesExceeded, RetryRequested, ShutdownError, WorkerThreadError } from "../../../src/domain/errors.js";
import { fakeContext, fakeJob, parametersFor, rejectionOf } from "./support.js";

const HANDLERS = new URL("../../fixtures/executors/worker-handlers.mjs", import.meta.url);
const LOAD_FAILURE = new URL("../../fixtures/executors/load-failure.mjs", import.meta.url);
const TYPESCRIPT_HANDLER = new URL("../../fixtures/executors/worker-handler.ts", import.meta.url);

const run = promisify(execFile);
const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const resource of open.splice(0)) await resource.close();
});

function executor(options: WorkerThreadOptions): WorkerThreadEntrypointExecutor {
  const created = new WorkerThreadEntrypointExecutor(parametersFor(() => undefined), options);
  open.push(created);
  return created;
}

/** A channel the fixture handlers report on; `next(predicate)` resolves with the next matching message. */
function channel(): { name: string; post(message: unknown): void; next(predicate: (data: Record<string, number>) => boolean): Promise<Record<string, number>> } {
  const name = `executors-test-${Math.random().toString(16).slice(2)}`;
  const port = new BroadcastChannel(name);
  open.push(port);
  const backlog: Record<string, number>[] = [];
  const waiters: { predicate: (data: Record<string, number>) => boolean; resolve: (data: Record<string, number>) => void }[] = [];
  port.onmessage = (event) => {
    const data = (event as MessageEvent).data as Record<string, number>;
    const index = waiters.findIndex((waiter) => waiter.predicate(data));
    if (index === -1) backlog.push(data);
    else waiters.splice(index, 1)[0]!.resolve(data);
  };
  return {
    name,
    post: (message) => port.postMessage(message),
    next: (predicate) => {
      const index = backlog.findIndex(predicate);
      if (index !== -1) return Promise.resolve(backlog.splice(index, 1)[0]!);
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
  };
}

describe("WorkerThreadEntrypointExecutor: results and errors", () => {
  it("runs the module's default export with a copy of the job and returns its result", async () => {
    const workerThread = executor({ module: HANDLERS, poolSize: 1 });
    const job = fakeJob({ id: 11, entrypoint: "crunch", payload: Buffer.from("numbers"), headers: { trace: "abc" }, attempts: 2, priority: 7 });
    const result = (await workerThread.execute(job, fakeContext().context)) as Record<string, unknown>;
    expect(result).toMatchObject({ id: 11, entrypoint: "crunch", payloadIsBuffer: true, payloadText: "numbers", headers: { trace: "abc" }, attempts: 2, priority: 7 });
    expect(result.threadId).not.toBe(0); // not the main thread
  });

  it("passes a null payload as null", async () => {
    const result = (await executor({ module: HANDLERS, poolSize: 1 }).execute(fakeJob({ payload: null }), fakeContext().context)) as Record<string, unknown>;
    expect(result.payloadText).toBeNull();
  });

  it("brings an error back with its name, message, stack, properties and cause chain", async () => {
    const error = await rejectionOf(executor({ module: HANDLERS, exportName: "fail", poolSize: 1 }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("Error");
    expect(error.message).toBe("outer failure");
    expect(error.stack).toContain("worker-handlers.mjs");
    expect(error.stack).toContain("fail");
    expect((error as Error & { code?: string }).code).toBe("E_OUTER");
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((error.cause as Error).message).toBe("inner cause");
    expect((error.cause as Error).stack).toContain("worker-handlers.mjs");
  });

  it("rebuilds a RetryRequested so the database retry works from a thread", async () => {
    const error = await rejectionOf(executor({ module: HANDLERS, exportName: "requestRetry", poolSize: 1 }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(RetryRequested);
    expect((error as RetryRequested).delay).toBe(5_000);
    expect((error as RetryRequested).reason).toBe("rate limited");
  });

  it("wraps a thrown non-Error value", async () => {
    const error = await rejectionOf(executor({ module: HANDLERS, exportName: "throwString", poolSize: 1 }).execute(fakeJob(), fakeContext().context));
    expect(error.name).toBe("NonError");
    expect(error.message).toBe("plain string");
  });

  it("reports a result that cannot cross the thread boundary", async () => {
    const error = await rejectionOf(executor({ module: HANDLERS, exportName: "unclonable", poolSize: 1 }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(WorkerThreadError);
    expect((error.cause as Error).name).toBe("DataCloneError");
  });

  it.each([
    ["a missing export", { module: HANDLERS, exportName: "missing" }, /not a function \(got undefined\)/],
    ["an export that is not a function", { module: HANDLERS, exportName: "notAFunction" }, /not a function \(got number\)/],
    ["a module that throws while loading", { module: LOAD_FAILURE }, /module top level failed/],
  ])("fails with WorkerThreadError for %s", async (_label, options, pattern) => {
    const error = await rejectionOf(executor({ ...options, poolSize: 1 }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(WorkerThreadError);
    expect(error.message).toMatch(pattern);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("loads a TypeScript handler module through tsx", async () => {
    const result = await executor({ module: TYPESCRIPT_HANDLER, poolSize: 1 }).execute(fakeJob({ payload: Buffer.from("1,2,39") }), fakeContext().context);
    expect(result).toBe(42);
  });

  it("survives a thread that crashes or exits: the job fails, the next one runs", async () => {
    for (const exportName of ["crash", "exit"]) {
      const workerThread = executor({ module: HANDLERS, exportName, poolSize: 1 });
      const error = await rejectionOf(workerThread.execute(fakeJob(), fakeContext().context));
      expect(error).toBeInstanceOf(WorkerThreadError);
      expect(error.message).toMatch(exportName === "crash" ? /crashed: escaped the handler/ : /exited \(code 3\)/);
    }
  });

  it("composes: RetryWithBackoff around a worker thread retries the thread's failures", async () => {
    const params = parametersFor(() => undefined);
    const inner = executor({ module: HANDLERS, exportName: "fail", poolSize: 1 });
    const retry = new RetryWithBackoffEntrypointExecutor(params, { inner, maxAttempts: 3, initialDelay: 0, maxTime: null });
    const error = await rejectionOf(retry.execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(MaxRetriesExceeded);
    expect((error.cause as Error).message).toBe("outer failure");
    expect(inner.pool.threadCount).toBe(1);
    await retry.close();
    expect(inner.pool.threadCount).toBe(0); // closed through the wrapper
  });
});

describe("WorkerThreadEntrypointExecutor: cancellation, pool size, shutdown, close", () => {
  it("stops an infinite loop by terminating its thread, and replaces the thread", async () => {
    const events = channel();
    const workerThread = executor({ module: HANDLERS, exportName: "spin", poolSize: 1 });
    const { context, job } = fakeContext();
    const outcome = rejectionOf(workerThread.execute(fakeJob({ id: 1, headers: { channel: events.name } }), context));
    await events.next((data) => data.started === 1);
    const reason = new JobCancelledError("canceled");
    job.abort(reason);
    expect(await outcome).toBe(reason);

    // the slot frees only once the runaway thread has exited; a fresh thread takes the next job
    const spinAgain = rejectionOf(workerThread.execute(fakeJob({ id: 3, headers: { channel: events.name } }), fakeContext().context));
    await events.next((data) => data.started === 3);
    expect(workerThread.pool.threadCount).toBe(1);
    await workerThread.close();
    expect(await spinAgain).toBeInstanceOf(WorkerThreadError);
    expect(workerThread.pool.threadCount).toBe(0);
  });

  it("never runs more than poolSize jobs at once; the rest wait in order", async () => {
    const events = channel();
    const workerThread = executor({ module: HANDLERS, exportName: "gate", poolSize: 2 });
    const ids = [1, 2, 3, 4, 5];
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const released = new Set<number>();
    const releaseOldest = (): void => {
      const id = started.find((candidate) => !released.has(candidate))!;
      released.add(id);
      events.post({ release: id });
    };
    const results = ids.map((id) => workerThread.execute(fakeJob({ id, headers: { channel: events.name } }), fakeContext().context).finally(() => running--));
    for (const _ of ids) {
      const { started: id } = await events.next((data) => data.started !== undefined);
      started.push(id!);
      running++;
      peak = Math.max(peak, running);
      expect(workerThread.pool.runningCount).toBeLessThanOrEqual(2);
      expect(workerThread.pool.threadCount).toBeLessThanOrEqual(2);
      if (running === 2) releaseOldest();
    }
    while (released.size < ids.length) releaseOldest();
    expect(await Promise.all(results)).toEqual(ids);
    expect(peak).toBe(2);
    // the first two start on two fresh threads in either order; the rest strictly in FIFO order
    expect([...started.slice(0, 2)].sort()).toEqual([1, 2]);
    expect(started.slice(2)).toEqual([3, 4, 5]);
    expect(workerThread.pool.threadCount).toBe(2);
  });

  it("drops a waiting job on cancel without ever starting it", async () => {
    const events = channel();
    const workerThread = executor({ module: HANDLERS, exportName: "gate", poolSize: 1 });
    const first = workerThread.execute(fakeJob({ id: 1, headers: { channel: events.name } }), fakeContext().context);
    await events.next((data) => data.started === 1);
    const { context, job } = fakeContext();
    const waiting = rejectionOf(workerThread.execute(fakeJob({ id: 2, headers: { channel: events.name } }), context));
    expect(workerThread.pool.waitingCount).toBe(1);
    const reason = new JobCancelledError("canceled while waiting");
    job.abort(reason);
    expect(await waiting).toBe(reason);
    expect(workerThread.pool.waitingCount).toBe(0);
    const third = workerThread.execute(fakeJob({ id: 3, headers: { channel: events.name } }), fakeContext().context);
    events.post({ release: 1 });
    expect(await first).toBe(1);
    expect((await events.next((data) => data.started !== undefined)).started).toBe(3); // job 2 never started
    events.post({ release: 3 });
    expect(await third).toBe(3);
  });

  it("on shutdown releases a job still waiting for a thread, and lets the running one finish", async () => {
    const events = channel();
    const workerThread = executor({ module: HANDLERS, exportName: "gate", poolSize: 1 });
    const { context, shutdown } = fakeContext();
    const running = workerThread.execute(fakeJob({ id: 1, headers: { channel: events.name } }), context);
    await events.next((data) => data.started === 1);
    const waiting = rejectionOf(workerThread.execute(fakeJob({ id: 2, headers: { channel: events.name } }), context));
    shutdown.abort();
    expect(await waiting).toBeInstanceOf(ShutdownError);
    events.post({ release: 1 });
    expect(await running).toBe(1);
  });

  it("close() fails running and waiting jobs and terminates every thread; a later job starts a fresh one", async () => {
    const events = channel();
    const workerThread = executor({ module: HANDLERS, exportName: "gate", poolSize: 1 });
    const running = rejectionOf(workerThread.execute(fakeJob({ id: 1, headers: { channel: events.name } }), fakeContext().context));
    await events.next((data) => data.started === 1);
    const waiting = rejectionOf(workerThread.execute(fakeJob({ id: 2, headers: { channel: events.name } }), fakeContext().context));
    const closing = workerThread.pool.close();
    expect(workerThread.pool.close()).toBe(closing); // calls during a close share it
    expect(await rejectionOf(workerThread.execute(fakeJob({ id: 3 }), fakeContext().context))).toBeInstanceOf(WorkerThreadError); // refused while closing
    await closing;
    expect(await running).toBeInstanceOf(WorkerThreadError);
    expect(await waiting).toBeInstanceOf(WorkerThreadError);
    expect(workerThread.pool.threadCount).toBe(0);
    const again = workerThread.execute(fakeJob({ id: 4, headers: { channel: events.name } }), fakeContext().context);
    await events.next((data) => data.started === 4);
    events.post({ release: 4 });
    expect(await again).toBe(4);
    expect(workerThread.pool.threadCount).toBe(1);
  });

  it("rejects at once when the job's signal is already aborted", async () => {
    const { context, job } = fakeContext();
    job.abort(new JobCancelledError("before start"));
    const error = await rejectionOf(executor({ module: HANDLERS, poolSize: 1 }).execute(fakeJob(), context));
    expect(error).toBeInstanceOf(JobCancelledError);
  });

  it("does not keep the process alive with idle threads (no close() needed to exit)", async () => {
    const script = fileURLToPath(new URL("../../fixtures/executors/exit-without-close.ts", import.meta.url));
    const { stdout } = await run(process.execPath, ["--import", "tsx", script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("result 5");
  });
});

describe("WorkerThreadEntrypointExecutor: bad input", () => {
  it.each([
    ["module", { module: "test/fixtures/executors/does-not-exist.mjs" }],
    ["module", { module: "https://example.com/handler.js" }],
    ["module", { module: 42 }],
    ["module", { module: "" }],
    ["module", undefined],
    ["exportName", { module: HANDLERS, exportName: "" }],
    ["exportName", { module: HANDLERS, exportName: 5 }],
    ["poolSize", { module: HANDLERS, poolSize: 0 }],
    ["poolSize", { module: HANDLERS, poolSize: 1.5 }],
    ["poolSize", { module: HANDLERS, poolSize: Number.NaN }],
    ["resourceLimits", { module: HANDLERS, resourceLimits: "small" }],
  ])("rejects a bad %s at construction: %j", (setting, options) => {
    let thrown: unknown;
    try {
      new WorkerThreadEntrypointExecutor(parametersFor(() => undefined), options as unknown as WorkerThreadOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).setting).toBe(setting);
  });

  it("accepts a relative path, a file: URL string and a URL; defaults the pool size sensibly", () => {
    for (const module of ["test/fixtures/executors/worker-handlers.mjs", HANDLERS.href, HANDLERS]) {
      expect(executor({ module }).moduleUrl.href).toBe(HANDLERS.href);
    }
    expect(defaultPoolSize()).toBeGreaterThanOrEqual(1);
    expect(defaultPoolSize()).toBeLessThanOrEqual(8);
    expect(executor({ module: HANDLERS }).poolSize).toBe(defaultPoolSize());
  });
});
