/**
 * Database-level retries: every failure becomes a `RetryRequested`, so the job goes back to
 * `queued` with `attempts + 1` and a growing delay, and any worker may run the next attempt.
 *
 * @module
 */
import { assertInteger } from "../../domain/durations.js";
import { RetryRequested, ShutdownError, coerceError } from "../../domain/errors.js";
import type { Job } from "../../domain/types.js";
import type { Context, Resources } from "../context.js";
import { AbstractEntrypointExecutor, type EntrypointExecutorParameters } from "./abstract.js";
import { backoffDelay, resolveBackoff, type BackoffPolicy, type Jitter } from "./backoff.js";
import { closeInner, resolveInner } from "./inner.js";
import { invoke } from "./signals.js";

/** Options of {@link DatabaseRetryEntrypointExecutor}. Durations are milliseconds. */
export interface DatabaseRetryOptions<R extends Resources = Resources> {
  /**
   * Retries before a failure becomes terminal (default 5): the handler runs at most
   * `maxAttempts + 1` times; `0` makes the first failure terminal.
   */
  readonly maxAttempts?: number;
  /** Delay of the first retry (default 1 000). */
  readonly initialDelay?: number;
  /** Cap on any retry delay, jitter included (default 300 000). */
  readonly maxDelay?: number;
  /** Growth factor of the delays, >= 1 (default 2). */
  readonly backoffMultiplier?: number;
  /** How delays are randomised (default `"none"`: exact, as in PgQueuer); see {@link Jitter}. */
  readonly jitter?: Jitter;
  /** Uniform random numbers in [0, 1) for the built-in jitters (default `Math.random`). */
  readonly random?: () => number;
  /** The executor that runs the job (default: one that calls the registered handler). */
  readonly inner?: AbstractEntrypointExecutor<R>;
}

/** The defaults of {@link DatabaseRetryOptions}. */
export const DATABASE_RETRY_DEFAULTS = Object.freeze({
  maxAttempts: 5,
  initialDelay: 1_000,
  maxDelay: 300_000,
  backoffMultiplier: 2,
  jitter: "none" as Jitter,
});

/**
 * Turns a failure into a database retry with exponential backoff computed from
 * `job.attempts`: `delay = min(initialDelay × backoffMultiplier^attempts, maxDelay)`.
 *
 * Because the delay comes from the job row rather than from memory, the sequence survives
 * worker restarts. Once `job.attempts` reaches `maxAttempts` the original error propagates
 * and becomes the job's outcome (`exception`, or `failed` with `onFailure: "hold"`).
 * A `RetryRequested` thrown by the handler passes through unchanged, with its own delay.
 * A canceled job, or a shutdown, is never turned into a retry.
 */
export class DatabaseRetryEntrypointExecutor<R extends Resources = Resources> extends AbstractEntrypointExecutor<R> {
  /** Retries allowed before a failure is terminal. */
  readonly maxAttempts: number;
  /** How the delays grow. */
  readonly backoff: BackoffPolicy;
  private readonly inner: AbstractEntrypointExecutor<R>;

  /** @throws InvalidArgumentError naming the first invalid option. */
  constructor(parameters: EntrypointExecutorParameters<R>, options: DatabaseRetryOptions<R> = {}) {
    super(parameters);
    this.maxAttempts = assertInteger("maxAttempts", options.maxAttempts ?? DATABASE_RETRY_DEFAULTS.maxAttempts, 0);
    this.backoff = resolveBackoff(options, DATABASE_RETRY_DEFAULTS, false);
    this.inner = resolveInner(parameters, options.inner);
  }

  /** Run the job; a failure with retries left is rethrown as `RetryRequested`. */
  async execute(job: Job, context: Context<R>): Promise<unknown> {
    try {
      return await invoke(() => this.inner.execute(job, context));
    } catch (thrown) {
      if (thrown instanceof RetryRequested || thrown instanceof ShutdownError || context.signal.aborted) throw thrown;
      if (job.attempts >= this.maxAttempts) throw thrown;
      const error = coerceError(thrown);
      throw new RetryRequested({ delay: this.delayFor(job.attempts), reason: error.message || error.name, cause: error });
    }
  }

  /** The delay of the retry after a failure at `attempts` (the job's attempts so far). */
  delayFor(attempts: number): number {
    return backoffDelay(this.backoff, attempts + 1);
  }

  /** Close the wrapped executor. */
  override async close(): Promise<void> {
    await closeInner(this.inner);
  }
}
