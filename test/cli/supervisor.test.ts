/**
 * The supervisor in process, with fake workers: the cycle, signal forwarding, restart policy
 * and teardown order (CATALOGUE §25). The child-process tests in run.test.ts cover the same
 * paths end to end; these pin down the details a process cannot show.
 */
import { describe, expect, it } from "vitest";
import { supervise, type FactoryContext, type SupervisedWorker } from "../../src/cli/supervisor.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { silentLogger, type Logger } from "../../src/domain/logger.js";
import type { RunOptions } from "../../src/core/run-options.js";

/** A worker whose run() resolves when its signal aborts (or at once with `finishAt: "start"`). */
function fakeWorker(events: string[], options: { fail?: Error; finishAt?: "start" | "signal" } = {}): SupervisedWorker & { runOptions?: RunOptions } {
  const worker: SupervisedWorker & { runOptions?: RunOptions; close(): Promise<void> } = {
    async run(runOptions?: RunOptions) {
      worker.runOptions = runOptions;
      events.push("run");
      if (options.fail) throw options.fail;
      if (options.finishAt === "signal") {
        await new Promise<void>((resolve) => {
          if (runOptions?.signal?.aborted) resolve();
          else runOptions?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      events.push("run done");
    },
    stop() {
      events.push("stop");
    },
    async close() {
      events.push("close");
    },
  };
  return worker;
}

function recordingLogger(lines: string[]): Logger {
  const log = ((first: object | string, message?: string) => lines.push(typeof first === "string" ? first : (message ?? ""))) as Logger["error"];
  return { debug: log, info: log, warn: log, error: log };
}

describe("supervise", () => {
  it("rejects a negative restartDelay before calling the factory", async () => {
    let called = false;
    await expect(
      supervise({ factory: () => ((called = true), fakeWorker([])), restartDelay: -1, signal: new AbortController().signal, logger: silentLogger }),
    ).rejects.toThrow(InvalidArgumentError);
    expect(called).toBe(false);
  });

  it("runs one cycle: factory with args and context, run with the options, then close", async () => {
    const events: string[] = [];
    let received: { args: string[]; context: FactoryContext } | undefined;
    const worker = fakeWorker(events, { finishAt: "start" });
    await supervise({
      factory: async (args, context) => {
        received = { args, context };
        return worker;
      },
      args: ["--db", "x"],
      runOptions: { batchSize: 3, mode: "drain" },
      connectOptions: { dataDir: "/tmp/somewhere" },
      signal: new AbortController().signal,
      logger: silentLogger,
    });
    expect(received?.args).toEqual(["--db", "x"]);
    expect(received?.context.connectOptions).toEqual({ dataDir: "/tmp/somewhere" });
    expect(worker.runOptions).toMatchObject({ batchSize: 3, mode: "drain" });
    expect(events).toEqual(["run", "run done", "close"]);
  });

  it("forwards the process signal into a per-cycle signal that is not the same object", async () => {
    const events: string[] = [];
    const process = new AbortController();
    const worker = fakeWorker(events, { finishAt: "signal" });
    const done = supervise({ factory: () => worker, signal: process.signal, logger: silentLogger, hooks: { started: () => process.abort("SIGTERM") } });
    await done;
    const cycleSignal = worker.runOptions?.signal;
    expect(cycleSignal).toBeDefined();
    expect(cycleSignal).not.toBe(process.signal);
    expect(cycleSignal?.aborted).toBe(true);
    expect(cycleSignal?.reason).toBe("SIGTERM");
    expect(events).toEqual(["run", "run done", "close"]);
  });

  it("propagates a failure without restartOnFailure, after tearing the worker down", async () => {
    const events: string[] = [];
    await expect(
      supervise({ factory: () => fakeWorker(events, { fail: new Error("worker crashed") }), signal: new AbortController().signal, logger: silentLogger }),
    ).rejects.toThrow("worker crashed");
    expect(events).toEqual(["run", "close"]);
  });

  it("restarts after a failure with restartOnFailure, logging it, until a cycle ends cleanly", async () => {
    const events: string[] = [];
    const logged: string[] = [];
    let calls = 0;
    await supervise({
      factory: () => {
        calls += 1;
        if (calls === 1) throw new Error("factory failed");
        if (calls === 2) return fakeWorker(events, { fail: new Error("run failed") });
        return fakeWorker(events, { finishAt: "start" });
      },
      restartOnFailure: true,
      restartDelay: 0,
      signal: new AbortController().signal,
      logger: recordingLogger(logged),
    });
    expect(calls).toBe(3);
    expect(events).toEqual(["run", "close", "run", "run done", "close"]);
    expect(logged).toEqual(["worker failed; restarting in 0 ms", "worker failed; restarting in 0 ms"]);
  });

  it("does not restart a factory whose result is not a worker", async () => {
    let calls = 0;
    await expect(
      supervise({
        factory: () => {
          calls += 1;
          return { not: "a worker" };
        },
        restartOnFailure: true,
        restartDelay: 0,
        signal: new AbortController().signal,
        logger: silentLogger,
      }),
    ).rejects.toThrow(/the factory returned an object \(Object\); it must return a PgQueuer/);
    expect(calls).toBe(1);
  });

  it("stops waiting for a restart when the process signal aborts", async () => {
    const process = new AbortController();
    let calls = 0;
    const done = supervise({
      factory: () => {
        calls += 1;
        throw new Error("always fails");
      },
      restartOnFailure: true,
      restartDelay: 3_600_000,
      signal: process.signal,
      logger: recordingLogger([]),
    });
    await new Promise((resolve) => setImmediate(resolve));
    process.abort("SIGINT");
    await done;
    expect(calls).toBe(1);
  });

  it("disposes { pgq, [Symbol.asyncDispose] }: the PgQueuer first, then the caller's resources", async () => {
    const events: string[] = [];
    const worker = fakeWorker(events, { finishAt: "start" });
    await supervise({
      factory: () => ({
        pgq: worker,
        async [Symbol.asyncDispose]() {
          events.push("own dispose");
        },
      }),
      signal: new AbortController().signal,
      logger: silentLogger,
      hooks: { finished: async (_worker, failed) => void events.push(`finished failed=${failed}`) },
    });
    expect(events).toEqual(["run", "run done", "finished failed=false", "close", "own dispose"]);
  });
});
