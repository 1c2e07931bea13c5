/**
 * The jobs a worker is running right now, each with its abort state and context.
 *
 * @module
 */
import type { JobId, Job } from "../domain/types.js";
import type { Context, Resources } from "./context.js";
import type { LazyAbort } from "./lazy-abort.js";

/** One running job. */
export interface RunningJob<R extends Resources = Resources> {
  readonly job: Job;
  /** Aborts the job's `context.signal` (cancellation, shutdown timeout). */
  readonly abort: LazyAbort;
  readonly context: Context<R>;
  /** Settles when the job's execution and outcome decision are over. */
  done: Promise<void>;
  /** Set when shutdown gave up on the job and released it; its late result is ignored. */
  released: boolean;
}

/** See the module documentation. */
export class RunningJobs<R extends Resources = Resources> {
  readonly #jobs = new Map<JobId, RunningJob<R>>();

  get size(): number {
    return this.#jobs.size;
  }

  add(entry: RunningJob<R>): void {
    this.#jobs.set(entry.job.id, entry);
  }

  get(id: JobId): RunningJob<R> | undefined {
    return this.#jobs.get(id);
  }

  delete(id: JobId): void {
    this.#jobs.delete(id);
  }

  /** Ids of jobs still owned (not released), for heartbeats. */
  ownedIds(): JobId[] {
    const ids: JobId[] = [];
    for (const entry of this.#jobs.values()) if (!entry.released) ids.push(entry.job.id);
    return ids;
  }

  values(): RunningJob<R>[] {
    return [...this.#jobs.values()];
  }

  /** Resolves when every job running now has settled. */
  allSettled(): Promise<void> {
    return Promise.allSettled(this.values().map((entry) => entry.done)).then(() => undefined);
  }
}
