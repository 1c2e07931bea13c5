/**
 * Messages between the orchestrator (bench/run.ts) and its child processes (bench/child.ts).
 * Each child receives one {@link ChildTask}, may report `ready`, and ends with one `result`
 * (or `error`). The orchestrator may send {@link ParentSignal}s to a running worker.
 *
 * @module
 */
import type { LibraryName } from "./config.js";

/** Where a child finds its queue. */
export interface Target {
  readonly library: LibraryName;
  readonly dsn: string;
  readonly schema: string;
  /** Our library only: a key of `PGQUEUER_VARIANTS` (default settings when absent). */
  readonly variant?: string;
}

/** The tasks a child can run. */
export type ChildTask =
  | (Target & { readonly kind: "enqueue"; readonly batchJobs: number; readonly batchSize: number; readonly singleJobs: number })
  | (Target & { readonly kind: "worker"; readonly mode: WorkerMode; readonly expected: number })
  | (Target & { readonly kind: "steady-producer"; readonly duration: number; readonly batchSize: number })
  | (Target & { readonly kind: "latency-producer"; readonly count: number; readonly gap: number })
  | { readonly kind: "pglite-drain"; readonly jobs: number; readonly enqueueBatchSize: number; readonly batchSize: number };

/** What a worker process is measuring. */
export type WorkerMode = "drain" | "steady" | "latency";

/** Messages the orchestrator sends to a running child. */
export type ParentSignal = { readonly type: "go" } | { readonly type: "window-start" } | { readonly type: "stop" };

/** Results, one shape per task kind. */
export interface EnqueueResult {
  readonly kind: "enqueue";
  readonly batchSeconds: number;
  readonly singleSeconds: number;
}

/** A drain (PostgreSQL or PGlite): timing, CPU and memory of the worker process. */
export interface DrainResult {
  readonly kind: "drain";
  readonly jobs: number;
  /** First handler start → every job finished in the database. */
  readonly seconds: number;
  /** Worker start call → first handler start. */
  readonly startupSeconds: number;
  /** CPU over the same window as `seconds`, user + system, in seconds. */
  readonly cpuSeconds: number;
  /** Peak resident set size of the worker process, in bytes. */
  readonly maxRssBytes: number;
}

/** A steady worker's count over the producer's window. */
export interface SteadyWorkerResult {
  readonly kind: "steady-worker";
  readonly processed: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/** The steady producer's output. */
export interface SteadyProducerResult {
  readonly kind: "steady-producer";
  readonly enqueued: number;
  readonly seconds: number;
}

/** Handler start times by job sequence number (epoch ms, sub-millisecond precision). */
export interface LatencyWorkerResult {
  readonly kind: "latency-worker";
  readonly starts: readonly (readonly [number, number])[];
}

/** Commit-acknowledged times by job sequence number (epoch ms). */
export interface LatencyProducerResult {
  readonly kind: "latency-producer";
  readonly commits: readonly (readonly [number, number])[];
}

/** Any result. */
export type ChildResult = EnqueueResult | DrainResult | SteadyWorkerResult | SteadyProducerResult | LatencyWorkerResult | LatencyProducerResult;

/** Messages a child sends. */
export type ChildMessage = { readonly type: "ready" } | { readonly type: "result"; readonly result: ChildResult } | { readonly type: "error"; readonly message: string };

/** Sequence number of the latency scenario's unmeasured first job (see runLatencyProducer). */
export const WARM_UP_SEQ = -1;

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time used by this process so far (user + system), in seconds. */
export function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
