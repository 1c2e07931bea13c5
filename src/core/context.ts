/**
 * What a handler receives besides its job.
 *
 * @module
 */
import type { Job } from "../domain/types.js";

/** Shared objects (database pools, HTTP clients, ...) handed to every job. */
export type Resources = Record<string, unknown>;

/**
 * A job's context. Two signals, two scopes (on purpose):
 * - `signal` aborts the job's work: the job was canceled (`JobCancelledError`), timed out
 *   (`JobTimeoutError`), or the worker's `shutdownTimeout` ran out (`ShutdownError`);
 * - `shutdown` fires as soon as the worker starts a graceful shutdown. Work in progress may
 *   finish, but a job that is only *waiting* (a backoff between retries) should stop waiting
 *   and let the job go back to the queue for another worker.
 */
export interface Context<R extends Resources = Resources> {
  /** Aborted when the job must stop; `signal.reason` says why. */
  readonly signal: AbortSignal;
  /** Aborted when the worker begins shutting down. */
  readonly shutdown: AbortSignal;
  /** The object passed as `resources` to the PgQueuer constructor (the same object for every job). */
  readonly resources: R;
  /** The worker running the job. */
  readonly queueManagerId: string;
}

/** A handler registered for an entrypoint. Its return value is ignored unless job results are on. */
export type EntrypointHandler<R extends Resources = Resources> = (job: Job, context: Context<R>) => unknown;
