/**
 * Hooks for metrics and tracing: the runtime tells observers about every job it runs. The
 * metrics and tracing modules implement this interface; core knows neither of them.
 *
 * @module
 */
import type { Job } from "../domain/types.js";
import type { JobOutcome } from "../ports/repository.js";

/** A finished job, as reported to observers. */
export interface JobFinishedEvent {
  readonly job: Job;
  readonly outcome: JobOutcome;
  /** Milliseconds from handler start to end. */
  readonly durationMs: number;
  readonly queueManagerId: string;
}

/** Observer of the worker runtime. Every member is optional. */
export interface JobObserver {
  /** Wrap one job's execution (e.g. in a tracing span). Must call and return `run()`. */
  around?<T>(job: Job, run: () => Promise<T>): Promise<T>;
  /** Called when a job was claimed and is about to run. */
  onJobStarted?(job: Job, queueManagerId: string): void;
  /** Called with the decided outcome of each job. */
  onJobFinished?(event: JobFinishedEvent): void;
}

/** Combine observers into one (each hook called in order; `around` nests). */
export function combineObservers(observers: readonly JobObserver[]): JobObserver {
  if (observers.length === 1 && observers[0]) return observers[0];
  return {
    around: <T>(job: Job, run: () => Promise<T>): Promise<T> =>
      observers.reduceRight<() => Promise<T>>((next, observer) => (observer.around ? () => observer.around!(job, next) : next), run)(),
    onJobStarted: (job, id) => observers.forEach((observer) => observer.onJobStarted?.(job, id)),
    onJobFinished: (event) => observers.forEach((observer) => observer.onJobFinished?.(event)),
  };
}
