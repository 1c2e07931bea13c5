/**
 * The shape every benchmarked library is driven through: install a fresh schema, enqueue,
 * run a worker, and count unfinished jobs. One implementation per library.
 *
 * @module
 */
import type { LibraryName } from "../config.js";

/** A benchmark job carries only its sequence number. */
export interface BenchJob {
  readonly seq: number;
}

/** The queue name / task identifier / entrypoint every benchmark job uses. */
export const TASK_NAME = "bench";

/** Producer side of a library. */
export interface Producer {
  /** Enqueue the jobs with the library's bulk API, in one call. */
  enqueueBatch(jobs: readonly BenchJob[]): Promise<void>;
  /** Enqueue one job with the library's single-job API; resolves after the commit. */
  enqueueOne(job: BenchJob): Promise<void>;
  close(): Promise<void>;
}

/** How the worker is started. */
export interface WorkerStartOptions {
  /** `drain` lets a library with its own drain mode end by itself. */
  readonly mode: "drain" | "continuous";
  /** Called when a job's handler starts; handlers are otherwise no-ops. */
  readonly onJob: (seq: number) => void;
  /** Our library only: log aggregation period (ms), when the scenario overrides the default. */
  readonly logAggregationInterval?: number;
}

/** A running worker. */
export interface WorkerHandle {
  /**
   * Resolves when the library's own drain mode finished (every outcome written). Undefined
   * for libraries without one; the harness then waits for the database to show no work left.
   */
  readonly drained?: Promise<void>;
  /** Graceful stop; resolves when the worker has shut down. */
  stop(): Promise<void>;
}

/** One library under test, bound to a database and a schema. */
export interface Subject {
  readonly name: LibraryName;
  /** Create the library's objects in the (new) schema. */
  install(): Promise<void>;
  openProducer(): Promise<Producer>;
  startWorker(options: WorkerStartOptions): Promise<WorkerHandle>;
  /** SQL returning one row with an integer column `remaining`: jobs not finished yet. */
  remainingQuery(): string;
}
