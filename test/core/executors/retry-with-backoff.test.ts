import { afterEach, describe, expect, it, vi } from "vitest";
import { RetryWithBackoffEntrypointExecutor, type RetryWithBackoffOptions } from "../../../src/core/executors/retry-with-backoff.js";
import { EntrypointExecutor } from "../../../src/core/executors/abstract.js";
import { MAX_TIMER_DELAY } from "../../../src/core/executors/clock.js";
import {
  InvalidArgumentError,
  JobCancelledError,
  MaxRetriesExceeded,
  MaxTimeExceeded,
  RetryRequested,
  ShutdownError,
} from "../../../src/domain/errors.js";
import type { Context } from "../../../src/core/context.js";
import type { Job } from "../../../src/domain/types.js";
import { FakeClock, deferred, drain, fakeContext, fakeJob, parametersFor, recordingLogger, rejectionOf, runWithClock } from "./support.js";

type Handler = (job: Job, context: Context) => unknown;

/** A handler that fails `failures` times (error i has message `failure i`), then returns "done". */
function flaky(failures: number): { handler: Handler; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    handler: async () => {
      calls++;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return "done";
    },
  };
}

function executor(handler: Handler, options: RetryWithBackoffOptions = {}): RetryWithBackoffEntrypointExecutor {
  return new RetryWithBackoffEntrypointExecutor(parametersFor(handler), options);
}

describe("RetryWithBackoffEntrypointExecutor: attempts", () => {
  it.each([1, 3, 5])("runs the handler exactly maxAttempts (%i) times on persistent failure", async (maxAttempts) => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const error = await rejectionOf(runWithClock(clock, executor(handler, { maxAttempts, clock }).execute(fakeJob(), fakeContext().context)));
    expect(calls()).toBe(maxAttempts);
    expect(error).toBeInstanceOf(MaxRetriesExceeded);
    expect((error as MaxRetriesExceeded).attempts).toBe(maxAttempts);
    expect((error.cause as Error).message).toBe(`failure ${maxAttempts}`);
  });

  it("defaults to 5 attempts", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const retry = executor(handler, { clock });
    expect(retry.maxAttempts).toBe(5);
    await rejectionOf(runWithClock(clock, retry.execute(fakeJob(), fakeContext().context)));
    expect(calls()).toBe(5);
  });

  it("returns the handler's value after k failures", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(3);
    const result = await runWithClock(clock, executor(handler, { maxAttempts: 5, clock }).execute(fakeJob(), fakeContext().context));
    expect(result).toBe("done");
    expect(calls()).toBe(4);
  });

  it("keeps retrying without limit when maxAttempts is null", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(40);
    const result = await runWithClock(clock, executor(handler, { maxAttempts: null, maxTime: null, jitter: "none", clock }).execute(fakeJob(), fakeContext().context));
    expect(result).toBe("done");
    expect(calls()).toBe(41);
  });

  it("retries a handler that throws synchronously, and non-Error values", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const handler = (): never => {
      calls++;
      throw "plain string";
    };
    const error = await rejectionOf(runWithClock(clock, executor(handler, { maxAttempts: 2, clock }).execute(fakeJob(), fakeContext().context)));
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(MaxRetriesExceeded);
    expect((error.cause as Error).message).toBe("plain string");
  });
});

describe("RetryWithBackoffEntrypointExecutor: waits", () => {
  it("waits initialDelay × multiplier^(n−1), capped by maxDelay, with the injected jitter", async () => {
    const clock = new FakeClock();
    const seen: [number, number][] = [];
    const jitter = (base: number, attempt: number): number => {
      seen.push([base, attempt]);
      return base;
    };
    const options = { maxAttempts: 8, initialDelay: 100, backoffMultiplier: 3, maxDelay: 10_000, maxTime: null, jitter, clock };
    await rejectionOf(runWithClock(clock, executor(flaky(Infinity).handler, options).execute(fakeJob(), fakeContext().context)));
    const expected = [100, 300, 900, 2_700, 8_100, 10_000, 10_000];
    expect(clock.sleeps).toEqual(expected);
    expect(seen).toEqual(expected.map((base, index) => [base, index + 1]));
    expect(clock.time).toBe(expected.reduce((sum, wait) => sum + wait, 0));
  });

  it("caps a wait after jitter: a jitter above maxDelay still waits maxDelay", async () => {
    const clock = new FakeClock();
    const options = { maxAttempts: 6, initialDelay: 50, maxDelay: 300, maxTime: null, jitter: (base: number) => base * 10, clock };
    await rejectionOf(runWithClock(clock, executor(flaky(Infinity).handler, options).execute(fakeJob(), fakeContext().context)));
    expect(clock.sleeps).toEqual([300, 300, 300, 300, 300]);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(300);
  });

  it.each([
    ["none", [100, 200, 400]],
    ["full", [25, 50, 100]],
    ["equal", [62.5, 125, 250]],
  ] as const)("applies the built-in %s jitter with the injected random source", async (jitter, expected) => {
    const clock = new FakeClock();
    const options = { maxAttempts: 4, maxTime: null, jitter, random: () => 0.25, clock };
    await rejectionOf(runWithClock(clock, executor(flaky(Infinity).handler, options).execute(fakeJob(), fakeContext().context)));
    expect(clock.sleeps).toEqual(expected);
  });

  it("logs every failed attempt with its number and the next wait", async () => {
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    const options = { maxAttempts: 3, maxTime: null, jitter: "none" as const, logger, clock };
    await rejectionOf(runWithClock(clock, executor(flaky(Infinity).handler, options).execute(fakeJob({ id: 7 }), fakeContext().context)));
    expect(lines.map((line) => [line.level, line.object.attempt, line.object.nextDelay, line.object.jobId])).toEqual([
      ["warn", 1, 100, 7],
      ["warn", 2, 200, 7],
      ["warn", 3, null, 7],
    ]);
    expect(lines[0]!.message).toContain("attempt 1/3 failed: failure 1; retrying in 100 ms");
    expect(lines[2]!.message).toContain("giving up");
    expect((lines[1]!.object.err as Error).message).toBe("failure 2");
  });
});

describe("RetryWithBackoffEntrypointExecutor: maxTime", () => {
  it("stops when the budget runs out, within 10% of maxTime", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const options = { maxAttempts: null, initialDelay: 10, backoffMultiplier: 1, jitter: "none" as const, maxTime: 1_000, clock };
    const error = await rejectionOf(runWithClock(clock, executor(handler, options).execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(MaxTimeExceeded);
    const elapsed = (error as MaxTimeExceeded).elapsed;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThanOrEqual(1_000);
    expect((error as MaxTimeExceeded).maxTime).toBe(1_000);
    expect(calls()).toBe(100);
    expect((error.cause as Error).message).toBe("failure 100");
  });

  it("does not start a wait that would cross the deadline", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const options = { maxAttempts: 10, initialDelay: 600, jitter: "none" as const, maxTime: 1_000, clock };
    const error = await rejectionOf(runWithClock(clock, executor(handler, options).execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(MaxTimeExceeded);
    expect(calls()).toBe(2);
    expect(clock.time).toBe(600);
    expect((error as MaxTimeExceeded).elapsed).toBe(600);
    // the only backoff wait is the first; the other sleeps are the per-attempt deadline timers
    expect(clock.sleeps.filter((ms) => ms === 600 || ms === 1_200)).toEqual([600]);
    expect((error.cause as Error).message).toBe("failure 2");
  });

  it("aborts the running attempt's signal when the budget runs out", async () => {
    const clock = new FakeClock();
    let attemptSignal: AbortSignal | undefined;
    const handler: Handler = async (_job, context) => {
      attemptSignal = context.signal;
      await clock.sleep(60_000, context.signal);
    };
    const error = await rejectionOf(runWithClock(clock, executor(handler, { maxTime: 1_000, clock }).execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(MaxTimeExceeded);
    expect((error as MaxTimeExceeded).elapsed).toBe(1_000);
    expect(attemptSignal!.aborted).toBe(true);
    expect(attemptSignal!.reason).toBe(error);
  });

  it("fails at the deadline even when the handler ignores its signal, with the previous failure as cause", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const handler: Handler = () => {
      calls++;
      if (calls === 1) throw new Error("first failure");
      return new Promise(() => undefined); // never settles, never looks at the signal
    };
    const error = await rejectionOf(runWithClock(clock, executor(handler, { maxTime: 1_000, initialDelay: 100, jitter: "none", clock }).execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(MaxTimeExceeded);
    expect(clock.time).toBe(1_000);
    expect((error.cause as Error).message).toBe("first failure");
  });

  it("measures time with vitest fake timers on the default clock", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const { handler, calls } = flaky(Infinity);
    const options = { maxAttempts: null, initialDelay: 20, backoffMultiplier: 1, jitter: "none" as const, maxTime: 500 };
    const outcome = rejectionOf(executor(handler, options).execute(fakeJob(), fakeContext().context));
    await vi.advanceTimersByTimeAsync(600);
    const error = await outcome;
    expect(error).toBeInstanceOf(MaxTimeExceeded);
    expect((error as MaxTimeExceeded).elapsed).toBeGreaterThanOrEqual(450);
    expect((error as MaxTimeExceeded).elapsed).toBeLessThanOrEqual(500);
    expect(calls()).toBe(25);
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

describe("RetryWithBackoffEntrypointExecutor: cancellation and shutdown", () => {
  it("a cancel interrupts a wait at once and propagates its reason", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const { context, job } = fakeContext();
    const outcome = rejectionOf(executor(handler, { maxTime: null, initialDelay: 5_000, clock }).execute(fakeJob(), context));
    await drain();
    expect(clock.pending).toHaveLength(1); // in the backoff wait
    const reason = new JobCancelledError("canceled by user");
    job.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.time).toBe(0);
    expect(calls()).toBe(1);
  });

  it("a shutdown interrupts a wait at once with a ShutdownError whose cause is the last error", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const { context, shutdown } = fakeContext();
    const outcome = rejectionOf(executor(handler, { maxTime: null, initialDelay: 5_000, clock }).execute(fakeJob(), context));
    await drain();
    expect(clock.pending).toHaveLength(1);
    shutdown.abort(new ShutdownError("stopping"));
    const error = await outcome;
    expect(error).toBeInstanceOf(ShutdownError);
    expect((error.cause as Error).message).toBe("failure 1");
    expect(clock.pending).toHaveLength(0);
    expect(calls()).toBe(1);
  });

  it("does not start a wait once shutdown has begun", async () => {
    const clock = new FakeClock();
    const { context, shutdown } = fakeContext();
    const handler: Handler = async () => {
      shutdown.abort();
      throw new Error("failed during shutdown");
    };
    const error = await rejectionOf(executor(handler, { maxTime: null, clock }).execute(fakeJob(), context));
    expect(error).toBeInstanceOf(ShutdownError);
    expect((error.cause as Error).message).toBe("failed during shutdown");
    expect(clock.sleeps).toEqual([]);
  });

  it("lets a running attempt finish when shutdown begins", async () => {
    const clock = new FakeClock();
    const { context, shutdown } = fakeContext();
    const gate = deferred<string>();
    const outcome = executor(() => gate.promise, { clock }).execute(fakeJob(), context);
    await drain();
    shutdown.abort();
    gate.resolve("finished");
    expect(await outcome).toBe("finished");
  });

  it("a cancel during an attempt settles at once, even if the handler ignores its signal", async () => {
    const clock = new FakeClock();
    const { context, job } = fakeContext();
    let attemptSignal: AbortSignal | undefined;
    const outcome = rejectionOf(
      executor(
        (_job, ctx) => {
          attemptSignal = ctx.signal;
          return new Promise(() => undefined);
        },
        { clock },
      ).execute(fakeJob(), context),
    );
    await drain();
    const reason = new JobCancelledError("canceled");
    job.abort(reason);
    expect(await outcome).toBe(reason);
    expect(attemptSignal!.reason).toBe(reason);
  });
});

describe("RetryWithBackoffEntrypointExecutor: pass-through and composition", () => {
  it("passes a RetryRequested through untouched, without retrying in process", async () => {
    const clock = new FakeClock();
    const requested = new RetryRequested({ delay: 30_000, reason: "rate limited" });
    let calls = 0;
    const error = await rejectionOf(
      executor(
        () => {
          calls++;
          throw requested;
        },
        { clock, maxTime: null },
      ).execute(fakeJob(), fakeContext().context),
    );
    expect(error).toBe(requested);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("passes a ShutdownError from a wrapped executor through", async () => {
    const clock = new FakeClock();
    const shutdown = new ShutdownError("inner saw the shutdown");
    const error = await rejectionOf(executor(() => Promise.reject(shutdown), { clock }).execute(fakeJob(), fakeContext().context));
    expect(error).toBe(shutdown);
  });

  it("runs each attempt through `inner`, and closes it", async () => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(2);
    const params = parametersFor(handler);
    let closed = 0;
    class Inner extends EntrypointExecutor {
      override async close(): Promise<void> {
        closed++;
      }
    }
    const retry = new RetryWithBackoffEntrypointExecutor(params, { inner: new Inner(params), clock });
    expect(await runWithClock(clock, retry.execute(fakeJob(), fakeContext().context))).toBe("done");
    expect(calls()).toBe(3);
    await retry.close();
    expect(closed).toBe(1);
  });

  it("gives the handler the job's resources and shutdown signal through the child context", async () => {
    const { context } = fakeContext();
    let seen: Context | undefined;
    await executor((_job, ctx) => {
      seen = ctx;
    }).execute(fakeJob(), context);
    expect(seen!.resources).toBe(context.resources);
    expect(seen!.shutdown).toBe(context.shutdown);
    expect(seen!.queueManagerId).toBe("qm-1");
    expect(seen!.signal).not.toBe(context.signal);
  });
});

describe("RetryWithBackoffEntrypointExecutor: bad input", () => {
  const noop = (): undefined => undefined;
  it.each([
    ["maxAttempts", { maxAttempts: 0 }],
    ["maxAttempts", { maxAttempts: -1 }],
    ["maxAttempts", { maxAttempts: 1.5 }],
    ["maxAttempts", { maxAttempts: Number.NaN }],
    ["maxAttempts", { maxAttempts: "5" }],
    ["maxDelay", { maxDelay: -1 }],
    ["maxDelay", { maxDelay: Number.POSITIVE_INFINITY }],
    ["maxDelay", { maxDelay: Number.NaN }],
    ["maxDelay", { maxDelay: MAX_TIMER_DELAY + 1 }],
    ["maxTime", { maxTime: -1 }],
    ["maxTime", { maxTime: 0 }],
    ["maxTime", { maxTime: Number.POSITIVE_INFINITY }],
    ["initialDelay", { initialDelay: -5 }],
    ["initialDelay", { initialDelay: Number.NaN }],
    ["backoffMultiplier", { backoffMultiplier: 0.5 }],
    ["backoffMultiplier", { backoffMultiplier: Number.POSITIVE_INFINITY }],
    ["jitter", { jitter: "random" }],
    ["jitter", { jitter: 3 }],
    ["random", { random: 0.5 }],
    ["inner", { inner: {} }],
    ["clock", { clock: { now: () => 0 } }],
  ])("rejects a bad %s at construction: %j", (setting, options) => {
    const build = (): unknown => new RetryWithBackoffEntrypointExecutor(parametersFor(noop), options as unknown as RetryWithBackoffOptions);
    expect(build).toThrow(InvalidArgumentError);
    try {
      build();
    } catch (error) {
      expect((error as InvalidArgumentError).setting).toBe(setting);
      expect((error as Error).message).toMatch(new RegExp(`^${setting}: `));
    }
  });

  it.each([
    ["NaN", Number.NaN],
    ["a negative number", -1],
    ["a string", "10"],
    ["Infinity", Number.POSITIVE_INFINITY],
  ])("fails the job with InvalidArgumentError(jitter) when the jitter function returns %s", async (_label, value) => {
    const clock = new FakeClock();
    const { handler, calls } = flaky(Infinity);
    const jitter = (() => value) as unknown as (base: number) => number;
    const error = await rejectionOf(executor(handler, { jitter, clock }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).setting).toBe("jitter");
    expect(calls()).toBe(1);
  });

  it("accepts the documented defaults and edge values", () => {
    const retry = new RetryWithBackoffEntrypointExecutor(parametersFor(noop), { maxAttempts: 1, maxDelay: 0, initialDelay: 0, backoffMultiplier: 1, maxTime: null });
    expect(retry.maxAttempts).toBe(1);
    expect(retry.maxTime).toBeNull();
    const defaults = new RetryWithBackoffEntrypointExecutor(parametersFor(noop));
    expect([defaults.maxAttempts, defaults.maxTime, defaults.backoff.maxDelay, defaults.backoff.initialDelay, defaults.backoff.backoffMultiplier, defaults.backoff.jitter]).toEqual([
      5, 300_000, 10_000, 100, 2, "equal",
    ]);
  });
});
