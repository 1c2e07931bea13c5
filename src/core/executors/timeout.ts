/**
 * A time limit per execution: after `timeout` ms the job's signal aborts with a
 * `JobTimeoutError` and the execution fails with it, whether or not the handler notices.
 *
 * @module
 */
import { assertDuration, describe } from "../../domain/durations.js";
import { InvalidArgumentError, JobTimeoutError } from "../../domain/errors.js";
import type { Job } from "../../domain/types.js";
import type { Context, Resources } from "../context.js";
import { AbstractEntrypointExecutor, type EntrypointExecutorParameters } from "./abstract.js";
import { MAX_TIMER_DELAY, systemClock, type Clock } from "./clock.js";
import { closeInner, resolveInner } from "./inner.js";
import { ChildAbortController, contextWithSignal, invoke, raceAbort } from "./signals.js";

/** Options of {@link TimeoutEntrypointExecutor}. */
export interface TimeoutOptions<R extends Resources = Resources> {
  /** Milliseconds one execution may take (more than 0). */
  readonly timeout: number;
  /** The executor being timed (default: one that calls the registered handler). */
  readonly inner?: AbstractEntrypointExecutor<R>;
  /** Time source and waits (default: the real clock); tests inject a fake one. */
  readonly clock?: Clock;
}

/**
 * Fails an execution that runs longer than `timeout` with `JobTimeoutError`.
 *
 * The wrapped handler gets a signal that aborts on the job's own cancellation or at the
 * deadline, whichever comes first; the executor settles at that moment even if the handler
 * ignores its signal (its late result is dropped). Inside `RetryWithBackoffEntrypointExecutor`
 * (as its `inner`) each attempt gets its own time limit and a timed-out attempt is retried.
 */
export class TimeoutEntrypointExecutor<R extends Resources = Resources> extends AbstractEntrypointExecutor<R> {
  /** The time limit in milliseconds. */
  readonly timeout: number;
  private readonly inner: AbstractEntrypointExecutor<R>;
  private readonly clock: Clock;

  /** @throws InvalidArgumentError naming the first invalid option. */
  constructor(parameters: EntrypointExecutorParameters<R>, options: TimeoutOptions<R>) {
    super(parameters);
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("timeout", `options { timeout } are required, got ${describe(options)}`);
    }
    const timeout = assertDuration("timeout", options.timeout);
    if (timeout === 0 || timeout > MAX_TIMER_DELAY) {
      throw new InvalidArgumentError("timeout", `must be more than 0 and at most ${MAX_TIMER_DELAY} ms, got ${timeout}`);
    }
    this.timeout = timeout;
    this.inner = resolveInner(parameters, options.inner);
    this.clock = options.clock ?? systemClock;
    if (typeof this.clock.now !== "function" || typeof this.clock.sleep !== "function") {
      throw new InvalidArgumentError("clock", `must have now() and sleep(ms, signal), got ${describe(options.clock)}`);
    }
  }

  /** Run the job under the time limit. */
  async execute(job: Job, context: Context<R>): Promise<unknown> {
    const child = new ChildAbortController([context.signal]);
    const stopTimer = new AbortController();
    this.clock.sleep(this.timeout, stopTimer.signal).then(
      () => child.abort(new JobTimeoutError(this.timeout, job.id)),
      () => undefined,
    );
    try {
      return await raceAbort(invoke(() => this.inner.execute(job, contextWithSignal(context, child.signal))), child.signal);
    } finally {
      stopTimer.abort();
      child.dispose();
    }
  }

  /** Close the wrapped executor. */
  override async close(): Promise<void> {
    await closeInner(this.inner);
  }
}
