/**
 * Request/response over the queue: enqueue one job and wait for its terminal status and stored
 * result (docs/beyond-pgqueuer.md, Job results). Lives beside the facade because it joins the
 * completion watcher (core) to the queries (adapters).
 *
 * @module
 */
import type { EnqueueOptions, JobPayload, Queries } from "./adapters/persistence/queries.js";
import { CompletionWatcher, type JobCompletion } from "./core/completion-watcher.js";
import { MAX_TIMER_DELAY } from "./core/executors/clock.js";
import { describe } from "./domain/durations.js";
import { InvalidArgumentError, JobTimeoutError } from "./domain/errors.js";
import type { JobId } from "./domain/types.js";
import type { Driver } from "./ports/driver.js";

/** Options of {@link enqueueAndWait}: the enqueue's own options, plus how to wait. */
export interface EnqueueAndWaitOptions extends Omit<EnqueueOptions, "onConflict"> {
  /**
   * Milliseconds to wait for the job to finish (finite, more than 0); past it the call rejects
   * with {@link JobTimeoutError}. The job itself is not canceled. Default: wait indefinitely.
   */
  readonly timeout?: number;
  /** Aborting it rejects the call with the signal's reason (the job is not canceled). */
  readonly signal?: AbortSignal;
  /**
   * A started watcher to wait with. Without it, each call opens (LISTEN) and closes its own;
   * share one when making many calls.
   */
  readonly watcher?: CompletionWatcher;
}

/** What {@link enqueueAndWait} resolves with: the job id, its terminal status and result. */
export interface EnqueueAndWaitResult extends JobCompletion {
  readonly jobId: JobId;
}

/** Where the job goes and where completions are read (a `PgQueuer` facade fits). */
export interface EnqueueAndWaitTarget {
  readonly driver: Driver;
  readonly queries: Queries;
}

/**
 * Enqueue one job and resolve once it finishes with `{ jobId, status, result }`; `result` is
 * the handler's stored return value when the entrypoint stores results (`storeResult`), else
 * null. The watcher listens BEFORE the enqueue, so a fast job cannot finish unnoticed.
 * @throws InvalidArgumentError for a bad `timeout` or enqueue option, before any SQL.
 * @throws JobTimeoutError when `timeout` passes first (the job keeps its course).
 */
export async function enqueueAndWait(target: EnqueueAndWaitTarget, entrypoint: string, payload: JobPayload = null, options: EnqueueAndWaitOptions = {}): Promise<EnqueueAndWaitResult> {
  const { timeout, signal, watcher: shared, ...enqueueOptions } = options;
  if (timeout !== undefined && (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMER_DELAY)) {
    throw new InvalidArgumentError("timeout", `must be a finite number of milliseconds, more than 0 and at most ${MAX_TIMER_DELAY}, got ${describe(timeout)}`);
  }
  signal?.throwIfAborted();
  const watcher = shared ?? (await CompletionWatcher.open({ driver: target.driver, queries: target.queries }));
  let jobId: JobId | undefined;
  const stop = new AbortController();
  const timer = timeout === undefined ? undefined : setTimeout(() => stop.abort(new JobTimeoutError(timeout, jobId)), timeout);
  const forward = (): void => stop.abort(signal?.reason);
  signal?.addEventListener("abort", forward, { once: true });
  try {
    jobId = await target.queries.enqueue(entrypoint, payload, { ...enqueueOptions, onConflict: "raise" });
    const completion = await watcher.waitForResult(jobId, { signal: stop.signal });
    return { jobId, ...completion };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", forward);
    if (!shared) await watcher.close({ signal: AbortSignal.abort() });
  }
}
