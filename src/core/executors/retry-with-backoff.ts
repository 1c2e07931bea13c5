/**
 * In-process retries with exponential backoff and jitter: a transient failure is retried on
 * the same worker, while the job stays `picked` (the worker keeps heartbeating it, so no
 * other worker takes it over however long the backoff).
 *
 * One execution, as a sequence:
 *
 * ```
 * attempt 1 ──fail──> wait 1 ──> attempt 2 ──fail──> wait 2 ──> ... ──> success: resolve
 *    │                  │                                              │
 *    │                  ├─ job canceled (signal)  -> throw signal.reason
 *    │                  ├─ shutdown begins        -> throw ShutdownError (job goes back to `queued`)
 *    │                  └─ wait would cross maxTime -> not started: throw MaxTimeExceeded
 *    ├─ RetryRequested / ShutdownError thrown -> passed through untouched
 *    ├─ maxTime runs out during an attempt -> its signal aborts; throw MaxTimeExceeded
 *    └─ maxAttempts executions failed -> throw MaxRetriesExceeded (cause = last error)
 * ```
 *
 * @module
 */
import { assertDuration, assertInteger, describe } from "../../domain/durations.js";
import { InvalidArgumentError, MaxRetriesExceeded, MaxTimeExceeded, RetryRequested, ShutdownError, coerceError } from "../../domain/errors.js";
import { silentLogger, type Logger } from "../../domain/logger.js";
import type { Job } from "../../domain/types.js";
import type { Context, Resources } from "../context.js";
import { AbstractEntrypointExecutor, type EntrypointExecutorParameters } from "./abstract.js";
import { backoffDelay, resolveBackoff, type BackoffPolicy, type Jitter } from "./backoff.js";
import { MAX_TIMER_DELAY, systemClock, type Clock } from "./clock.js";
import { closeInner, resolveInner } from "./inner.js";
import { ChildAbortController, contextWithSignal, invoke, raceAbort } from "./signals.js";

/** Options of {@link RetryWithBackoffEntrypointExecutor}. Durations are milliseconds. */
export interface RetryWithBackoffOptions<R extends Resources = Resources> {
  /** Total executions, first included (default 5); `null` = unlimited (bounded by `maxTime`). */
  readonly maxAttempts?: number | null;
  /** Cap on any single wait, jitter included (default 10 000). */
  readonly maxDelay?: number;
  /** Budget for all attempts and waits together (default 300 000); `null` = none. */
  readonly maxTime?: number | null;
  /** The first wait before jitter (default 100). */
  readonly initialDelay?: number;
  /** Growth factor of the waits, >= 1 (default 2). */
  readonly backoffMultiplier?: number;
  /** How waits are randomised (default `"equal"`); see {@link Jitter}. */
  readonly jitter?: Jitter;
  /** Uniform random numbers in [0, 1) for the built-in jitters (default `Math.random`). */
  readonly random?: () => number;
  /** Where failed attempts are reported (default: silent). */
  readonly logger?: Logger;
  /** Time source and waits (default: the real clock); tests inject a fake one. */
  readonly clock?: Clock;
  /** The executor each attempt runs (default: one that calls the registered handler). */
  readonly inner?: AbstractEntrypointExecutor<R>;
}

/** The defaults of {@link RetryWithBackoffOptions}. */
export const RETRY_WITH_BACKOFF_DEFAULTS = Object.freeze({
  maxAttempts: 5,
  maxDelay: 10_000,
  maxTime: 300_000,
  initialDelay: 100,
  backoffMultiplier: 2,
  jitter: "equal" as Jitter,
});

/**
 * Retries a failing job in process, waiting longer after each failure.
 *
 * Throws `MaxRetriesExceeded` (with `attempts` and the last error as `cause`) after
 * `maxAttempts` failed executions, and `MaxTimeExceeded` (with `elapsed` and `cause`) when the
 * `maxTime` budget runs out. Either is the job's terminal outcome (`exception`, or `failed`
 * with `onFailure: "hold"`). `RetryRequested` from the handler passes through to the
 * database-level retry.
 *
 * @example
 * ```ts
 * pgq.entrypoint("fetch", {
 *   executorFactory: (p) => new RetryWithBackoffEntrypointExecutor(p, { maxAttempts: 5, maxDelay: 500, maxTime: 1_000 }),
 * }, async (job, ctx) => { await fetch(url, { signal: ctx.signal }); });
 * ```
 */
export class RetryWithBackoffEntrypointExecutor<R extends Resources = Resources> extends AbstractEntrypointExecutor<R> {
  /** Total executions allowed, or `null` for unlimited. */
  readonly maxAttempts: number | null;
  /** The budget for the whole sequence, or `null` for none. */
  readonly maxTime: number | null;
  /** How the waits grow. */
  readonly backoff: BackoffPolicy;
  private readonly inner: AbstractEntrypointExecutor<R>;
  private readonly logger: Logger;
  private readonly clock: Clock;

  /** @throws InvalidArgumentError naming the first invalid option. */
  constructor(parameters: EntrypointExecutorParameters<R>, options: RetryWithBackoffOptions<R> = {}) {
    super(parameters);
    const defaults = RETRY_WITH_BACKOFF_DEFAULTS;
    const maxAttempts = options.maxAttempts === undefined ? defaults.maxAttempts : options.maxAttempts;
    this.maxAttempts = maxAttempts === null ? null : assertInteger("maxAttempts", maxAttempts, 1);
    const maxTime = options.maxTime === undefined ? defaults.maxTime : options.maxTime;
    this.maxTime = maxTime === null ? null : assertMaxTime(maxTime);
    this.backoff = resolveBackoff(options, defaults, true);
    this.inner = resolveInner(parameters, options.inner);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    if (typeof this.clock.now !== "function" || typeof this.clock.sleep !== "function") {
      throw new InvalidArgumentError("clock", `must have now() and sleep(ms, signal), got ${describe(options.clock)}`);
    }
  }

  /** Run the job, retrying failures as configured. */
  async execute(job: Job, context: Context<R>): Promise<unknown> {
    const start = this.clock.now();
    const deadline = this.maxTime === null ? null : start + this.maxTime;
    let lastError: Error | undefined;
    let outOfTime: MaxTimeExceeded | undefined;
    const onDeadline = (): MaxTimeExceeded => {
      outOfTime = new MaxTimeExceeded(this.clock.now() - start, this.maxTime!, { cause: lastError });
      return outOfTime;
    };
    for (let attempt = 1; ; attempt++) {
      let error: Error;
      try {
        return await this.attempt(job, context, deadline, onDeadline);
      } catch (thrown) {
        error = coerceError(thrown);
      }
      if (context.signal.aborted) throw context.signal.reason;
      if (outOfTime !== undefined) throw outOfTime;
      // Retrying here would defeat the caller: a requested database retry, or a shutdown
      // reported by something we wrap.
      if (error instanceof RetryRequested || error instanceof ShutdownError) throw error;
      const wait = this.maxAttempts !== null && attempt >= this.maxAttempts ? null : backoffDelay(this.backoff, attempt);
      const crossesDeadline = wait !== null && deadline !== null && this.clock.now() + wait >= deadline;
      this.logFailure(job, attempt, crossesDeadline ? null : wait, error);
      if (wait === null) throw new MaxRetriesExceeded(attempt, { cause: error });
      if (crossesDeadline) throw new MaxTimeExceeded(this.clock.now() - start, this.maxTime!, { cause: error });
      if (context.shutdown.aborted) throw shutdownDuringBackoff(error);
      lastError = error;
      await this.wait(wait, context, error);
    }
  }

  /** Close the wrapped executor. */
  override async close(): Promise<void> {
    await closeInner(this.inner);
  }

  /**
   * One execution of the wrapped executor, under a child signal that also aborts when the
   * `maxTime` budget runs out. The race stops waiting for a handler that ignores its signal.
   */
  private async attempt(job: Job, context: Context<R>, deadline: number | null, onDeadline: () => MaxTimeExceeded): Promise<unknown> {
    const child = new ChildAbortController([context.signal]);
    const stopTimer = new AbortController();
    if (deadline !== null) {
      this.clock.sleep(Math.max(0, deadline - this.clock.now()), stopTimer.signal).then(
        () => child.abort(onDeadline()),
        () => undefined,
      );
    }
    try {
      return await raceAbort(invoke(() => this.inner.execute(job, contextWithSignal(context, child.signal))), child.signal);
    } finally {
      stopTimer.abort();
      child.dispose();
    }
  }

  /** Wait before the next attempt; cancellation and shutdown cut the wait short. */
  private async wait(ms: number, context: Context<R>, lastError: Error): Promise<void> {
    const interrupt = new ChildAbortController([context.signal, context.shutdown]);
    try {
      await this.clock.sleep(ms, interrupt.signal);
    } catch (thrown) {
      if (context.signal.aborted) throw context.signal.reason;
      if (context.shutdown.aborted) throw shutdownDuringBackoff(lastError);
      throw thrown;
    } finally {
      interrupt.dispose();
    }
  }

  private logFailure(job: Job, attempt: number, nextDelay: number | null, error: Error): void {
    const limit = this.maxAttempts === null ? "" : `/${this.maxAttempts}`;
    const outcome = nextDelay === null ? "giving up" : `retrying in ${Math.round(nextDelay)} ms`;
    this.logger.warn(
      { jobId: job.id, entrypoint: job.entrypoint, attempt, maxAttempts: this.maxAttempts, nextDelay, err: error },
      `attempt ${attempt}${limit} failed: ${error.message}; ${outcome}`,
    );
  }
}

function shutdownDuringBackoff(lastError: Error): ShutdownError {
  return new ShutdownError("the worker is shutting down: retry backoff interrupted, the job goes back to the queue", { cause: lastError });
}

function assertMaxTime(value: unknown): number {
  const maxTime = assertDuration("maxTime", value);
  if (maxTime === 0 || maxTime > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError("maxTime", `must be more than 0 and at most ${MAX_TIMER_DELAY} ms, or null for no limit, got ${maxTime}`);
  }
  return maxTime;
}
