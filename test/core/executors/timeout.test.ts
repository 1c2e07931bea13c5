import { describe, expect, it } from "vitest";
import { TimeoutEntrypointExecutor, type TimeoutOptions } from "../../../src/core/executors/timeout.js";
import { RetryWithBackoffEntrypointExecutor } from "../../../src/core/executors/retry-with-backoff.js";
import { EntrypointExecutor } from "../../../src/core/executors/abstract.js";
import { MAX_TIMER_DELAY } from "../../../src/core/executors/clock.js";
import { InvalidArgumentError, JobCancelledError, JobTimeoutError, MaxRetriesExceeded } from "../../../src/domain/errors.js";
import type { Context } from "../../../src/core/context.js";
import type { Job } from "../../../src/domain/types.js";
import { FakeClock, drain, fakeContext, fakeJob, parametersFor, recordingLogger, rejectionOf, runWithClock } from "./support.js";

type Handler = (job: Job, context: Context) => unknown;
const never = (): Promise<never> => new Promise(() => undefined);

function executor(handler: Handler, options: TimeoutOptions): TimeoutEntrypointExecutor {
  return new TimeoutEntrypointExecutor(parametersFor(handler), options);
}

describe("TimeoutEntrypointExecutor", () => {
  it("returns the handler's value when it finishes in time, and releases its timer", async () => {
    const clock = new FakeClock();
    expect(await executor(async () => "fast", { timeout: 1_000, clock }).execute(fakeJob(), fakeContext().context)).toBe("fast");
    expect(clock.sleeps).toEqual([1_000]);
    expect(clock.pending).toEqual([]);
  });

  it("aborts the handler's signal with a JobTimeoutError and fails with it", async () => {
    const clock = new FakeClock();
    let signal: AbortSignal | undefined;
    const handler: Handler = async (_job, context) => {
      signal = context.signal;
      await clock.sleep(60_000, context.signal);
    };
    const error = await rejectionOf(runWithClock(clock, executor(handler, { timeout: 250, clock }).execute(fakeJob({ id: 9 }), fakeContext().context)));
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect((error as JobTimeoutError).timeout).toBe(250);
    expect((error as JobTimeoutError).jobId).toBe(9);
    expect(clock.time).toBe(250);
    expect(signal!.reason).toBe(error);
  });

  it("fails at the deadline even when the handler ignores its signal", async () => {
    const clock = new FakeClock();
    const error = await rejectionOf(runWithClock(clock, executor(never, { timeout: 500, clock }).execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(JobTimeoutError);
    expect(clock.time).toBe(500);
  });

  it("fails on a real timer too (default clock)", async () => {
    const error = await rejectionOf(executor(never, { timeout: 20 }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(JobTimeoutError);
  });

  it("settles at once with the job's own cancel reason", async () => {
    const clock = new FakeClock();
    const { context, job } = fakeContext();
    const outcome = rejectionOf(executor(never, { timeout: 10_000, clock }).execute(fakeJob(), context));
    await drain();
    const reason = new JobCancelledError("canceled");
    job.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.pending).toEqual([]);
  });

  it("propagates the handler's own error unchanged", async () => {
    const original = new Error("handler failed");
    expect(await rejectionOf(executor(() => Promise.reject(original), { timeout: 1_000, clock: new FakeClock() }).execute(fakeJob(), fakeContext().context))).toBe(original);
  });

  it("inside RetryWithBackoff, times out each attempt and retries it", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const handler: Handler = async (_job, context) => {
      calls++;
      if (calls < 3) await clock.sleep(60_000, context.signal); // hangs until its timeout
      return `attempt ${calls}`;
    };
    const params = parametersFor(handler);
    const { logger, lines } = recordingLogger();
    const retry = new RetryWithBackoffEntrypointExecutor(params, {
      inner: new TimeoutEntrypointExecutor(params, { timeout: 100, clock }),
      jitter: "none",
      maxTime: null,
      logger,
      clock,
    });
    expect(await runWithClock(clock, retry.execute(fakeJob(), fakeContext().context))).toBe("attempt 3");
    expect(lines.map((line) => (line.object.err as Error).name)).toEqual(["JobTimeoutError", "JobTimeoutError"]);
    expect(clock.time).toBe(100 + 100 + 100 + 200); // two timeouts, two backoff waits
  });

  it("inside RetryWithBackoff, exhausting attempts keeps the timeout as the cause", async () => {
    const clock = new FakeClock();
    const params = parametersFor(never);
    const retry = new RetryWithBackoffEntrypointExecutor(params, { inner: new TimeoutEntrypointExecutor(params, { timeout: 50, clock }), maxAttempts: 2, maxTime: null, clock });
    const error = await rejectionOf(runWithClock(clock, retry.execute(fakeJob(), fakeContext().context)));
    expect(error).toBeInstanceOf(MaxRetriesExceeded);
    expect(error.cause).toBeInstanceOf(JobTimeoutError);
  });

  it("closes its inner executor", async () => {
    const params = parametersFor(never);
    let closed = false;
    class Inner extends EntrypointExecutor {
      override async close(): Promise<void> {
        closed = true;
      }
    }
    await new TimeoutEntrypointExecutor(params, { timeout: 10, inner: new Inner(params) }).close();
    expect(closed).toBe(true);
  });

  it.each([
    ["timeout", { timeout: 0 }],
    ["timeout", { timeout: -1 }],
    ["timeout", { timeout: Number.NaN }],
    ["timeout", { timeout: Number.POSITIVE_INFINITY }],
    ["timeout", { timeout: MAX_TIMER_DELAY + 1 }],
    ["timeout", { timeout: "100" }],
    ["timeout", {}],
    ["timeout", undefined],
    ["inner", { timeout: 10, inner: "executor" }],
    ["clock", { timeout: 10, clock: {} }],
  ])("rejects a bad %s at construction: %j", (setting, options) => {
    let thrown: unknown;
    try {
      new TimeoutEntrypointExecutor(parametersFor(never), options as unknown as TimeoutOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).setting).toBe(setting);
  });
});
