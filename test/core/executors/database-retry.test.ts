import { describe, expect, it } from "vitest";
import { DatabaseRetryEntrypointExecutor, type DatabaseRetryOptions } from "../../../src/core/executors/database-retry.js";
import { EntrypointExecutor } from "../../../src/core/executors/abstract.js";
import { InvalidArgumentError, JobCancelledError, RetryRequested, ShutdownError } from "../../../src/domain/errors.js";
import type { Context } from "../../../src/core/context.js";
import type { Job } from "../../../src/domain/types.js";
import { fakeContext, fakeJob, parametersFor, rejectionOf } from "./support.js";

type Handler = (job: Job, context: Context) => unknown;

function executor(handler: Handler, options: DatabaseRetryOptions = {}): DatabaseRetryEntrypointExecutor {
  return new DatabaseRetryEntrypointExecutor(parametersFor(handler), options);
}

const failing: Handler = () => {
  throw new Error("downstream unavailable");
};

/**
 * What the worker does with the outcome, without a database: a RetryRequested re-runs the
 * job with attempts + 1; anything else ends it. Returns the attempts each execution saw and
 * how it ended.
 */
async function simulateQueue(retry: DatabaseRetryEntrypointExecutor, limit = 50): Promise<{ attemptsSeen: number[]; outcome: unknown; retries: RetryRequested[] }> {
  const attemptsSeen: number[] = [];
  const retries: RetryRequested[] = [];
  for (let attempts = 0; attempts < limit; attempts++) {
    attemptsSeen.push(attempts);
    try {
      return { attemptsSeen, outcome: await retry.execute(fakeJob({ attempts }), fakeContext().context), retries };
    } catch (error) {
      if (!(error instanceof RetryRequested)) return { attemptsSeen, outcome: error, retries };
      retries.push(error);
    }
  }
  throw new Error("the simulated queue never finished");
}

describe("DatabaseRetryEntrypointExecutor", () => {
  it("backs off 1, 2, 4, 8, 16, 32, then 60 s (the cap) by job.attempts", async () => {
    const retry = executor(failing, { maxAttempts: 100, initialDelay: 1_000, backoffMultiplier: 2, maxDelay: 60_000 });
    const delays: number[] = [];
    for (let attempts = 0; attempts <= 7; attempts++) {
      const error = await rejectionOf(retry.execute(fakeJob({ attempts }), fakeContext().context));
      expect(error).toBeInstanceOf(RetryRequested);
      delays.push((error as RetryRequested).delay);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(retry.delayFor(3)).toBe(8_000);
  });

  it("turns an error into RetryRequested with the error's message as reason and the error as cause", async () => {
    const original = new TypeError("connection reset");
    const error = await rejectionOf(
      executor(() => {
        throw original;
      }).execute(fakeJob({ attempts: 1 }), fakeContext().context),
    );
    expect(error).toBeInstanceOf(RetryRequested);
    expect((error as RetryRequested).reason).toBe("connection reset");
    expect((error as RetryRequested).delay).toBe(2_000);
    expect(error.cause).toBe(original);
  });

  it("wraps a thrown non-Error value", async () => {
    const error = await rejectionOf(
      executor(() => {
        throw "boom";
      }).execute(fakeJob(), fakeContext().context),
    );
    expect(error).toBeInstanceOf(RetryRequested);
    expect((error as RetryRequested).reason).toBe("boom");
    expect((error.cause as Error).name).toBe("NonError");
  });

  it("passes a RetryRequested from the handler through unchanged, even when attempts are exhausted", async () => {
    const requested = new RetryRequested({ delay: 30_000, reason: "rate limited" });
    for (const attempts of [0, 5, 9]) {
      const error = await rejectionOf(executor(() => Promise.reject(requested), { maxAttempts: 5 }).execute(fakeJob({ attempts }), fakeContext().context));
      expect(error).toBe(requested);
    }
  });

  it("rethrows the original error once job.attempts reaches maxAttempts", async () => {
    const original = new Error("still broken");
    const handler = (): never => {
      throw original;
    };
    expect(await rejectionOf(executor(handler, { maxAttempts: 2 }).execute(fakeJob({ attempts: 1 }), fakeContext().context))).toBeInstanceOf(RetryRequested);
    expect(await rejectionOf(executor(handler, { maxAttempts: 2 }).execute(fakeJob({ attempts: 2 }), fakeContext().context))).toBe(original);
    expect(await rejectionOf(executor(handler, { maxAttempts: 2 }).execute(fakeJob({ attempts: 3 }), fakeContext().context))).toBe(original);
  });

  it("runs a persistently failing job maxAttempts + 1 times in all", async () => {
    let calls = 0;
    const { attemptsSeen, outcome, retries } = await simulateQueue(
      executor(
        () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { maxAttempts: 2 },
      ),
    );
    expect(calls).toBe(3);
    expect(attemptsSeen).toEqual([0, 1, 2]);
    expect(retries.map((retry) => retry.delay)).toEqual([1_000, 2_000]);
    expect((outcome as Error).message).toBe("failure 3");
  });

  it("with maxAttempts 0 the first failure is terminal", async () => {
    let calls = 0;
    const { outcome, retries } = await simulateQueue(
      executor(
        () => {
          calls++;
          throw new Error("terminal");
        },
        { maxAttempts: 0 },
      ),
    );
    expect(calls).toBe(1);
    expect(retries).toEqual([]);
    expect((outcome as Error).message).toBe("terminal");
  });

  it("succeeds after transient failures, seeing attempts 0, 1, 2", async () => {
    const seen: number[] = [];
    const { outcome, attemptsSeen } = await simulateQueue(
      executor((job) => {
        seen.push(job.attempts);
        if (job.attempts < 2) throw new Error("transient");
        return "synced";
      }),
    );
    expect(outcome).toBe("synced");
    expect(seen).toEqual([0, 1, 2]);
    expect(attemptsSeen).toEqual([0, 1, 2]);
  });

  it("applies jitter (attempt number = job.attempts + 1), capped by maxDelay", async () => {
    const calls: [number, number][] = [];
    const jitter = (base: number, attempt: number): number => {
      calls.push([base, attempt]);
      return base * 3;
    };
    const retry = executor(failing, { maxAttempts: 10, initialDelay: 1_000, maxDelay: 5_000, jitter });
    const delays: number[] = [];
    for (const attempts of [0, 1, 2]) delays.push(((await rejectionOf(retry.execute(fakeJob({ attempts }), fakeContext().context))) as RetryRequested).delay);
    expect(delays).toEqual([3_000, 5_000, 5_000]);
    expect(calls).toEqual([
      [1_000, 1],
      [2_000, 2],
      [4_000, 3],
    ]);
  });

  it("never turns a canceled job or a shutdown into a retry", async () => {
    const { context, job } = fakeContext();
    const original = new Error("aborted");
    const canceled = executor(() => {
      job.abort(new JobCancelledError("canceled"));
      throw original;
    }).execute(fakeJob(), context);
    expect(await rejectionOf(canceled)).toBe(original);
    const shutdown = new ShutdownError("stopping");
    expect(await rejectionOf(executor(() => Promise.reject(shutdown)).execute(fakeJob(), fakeContext().context))).toBe(shutdown);
  });

  it("returns the handler's value, and runs `inner` when given (closing it too)", async () => {
    const params = parametersFor(() => "inner result");
    let closed = false;
    class Inner extends EntrypointExecutor {
      override async close(): Promise<void> {
        closed = true;
      }
    }
    const retry = new DatabaseRetryEntrypointExecutor(params, { inner: new Inner(params) });
    expect(await retry.execute(fakeJob(), fakeContext().context)).toBe("inner result");
    await retry.close();
    expect(closed).toBe(true);
  });

  it("has PgQueuer's defaults", () => {
    const retry = executor(failing);
    expect([retry.maxAttempts, retry.backoff.initialDelay, retry.backoff.maxDelay, retry.backoff.backoffMultiplier, retry.backoff.jitter]).toEqual([5, 1_000, 300_000, 2, "none"]);
  });

  it("fails the job with InvalidArgumentError(jitter) when the jitter function returns a bad value", async () => {
    const error = await rejectionOf(executor(failing, { jitter: () => Number.NaN }).execute(fakeJob(), fakeContext().context));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).setting).toBe("jitter");
  });

  it.each([
    ["maxAttempts", { maxAttempts: -1 }],
    ["maxAttempts", { maxAttempts: 2.5 }],
    ["maxAttempts", { maxAttempts: Number.POSITIVE_INFINITY }],
    ["initialDelay", { initialDelay: -1 }],
    ["maxDelay", { maxDelay: Number.POSITIVE_INFINITY }],
    ["maxDelay", { maxDelay: Number.NaN }],
    ["backoffMultiplier", { backoffMultiplier: 0.9 }],
    ["jitter", { jitter: "bogus" }],
    ["inner", { inner: 5 }],
  ])("rejects a bad %s at construction: %j", (setting, options) => {
    let thrown: unknown;
    try {
      executor(failing, options as unknown as DatabaseRetryOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).setting).toBe(setting);
  });
});
