/**
 * Options of `run()` (CATALOGUE §9, §14–§17), their defaults and validation.
 *
 * @module
 */
import { InvalidArgumentError } from "../domain/errors.js";
import { assertTimerDuration, describe } from "../domain/durations.js";
import type { QueueExecutionMode } from "../domain/types.js";

/** Options of `run()`. Durations are milliseconds. */
export interface RunOptions {
  /** Jobs claimed per round trip (default 10). */
  readonly batchSize?: number;
  /** Longest wait between polls when no notification arrives (default 30 000). */
  readonly dequeueTimeout?: number;
  /** `continuous` (default) runs until stopped; `drain` returns once no eligible work is left. */
  readonly mode?: QueueExecutionMode;
  /** Cap on jobs this worker runs at once; null or 0 = unlimited; else at least 2 × batchSize. */
  readonly maxConcurrentTasks?: number | null;
  /** A job whose heartbeat is older than this is re-claimed by other workers (default 30 000; 0 disables heartbeats and this worker's re-claiming of stale jobs). */
  readonly heartbeatTimeout?: number;
  /** Stop (and reject) when the LISTEN connection fails its health check (default false). */
  readonly shutdownOnListenerFailure?: boolean;
  /** How often to fold the log into statistics (default 30 000; 0 disables). */
  readonly logAggregationInterval?: number;
  /** How long running jobs may take to finish after shutdown begins (default 30 000). */
  readonly shutdownTimeout?: number;
  /** How often the listener is probed (default 10 000). */
  readonly healthCheckInterval?: number;
  /**
   * Claims in flight at once while there is a backlog, on drivers that can run statements side
   * by side (a pool); default 1. More overlaps claim round trips for throughput, but jobs of
   * different claims may then start slightly out of priority/FIFO order.
   */
  readonly concurrentClaims?: number;
  /**
   * Milliseconds a continuous worker waits after a claim that found work but not a full batch
   * before it claims again (default 0: claim at once on every notification). Jobs enqueued
   * meanwhile are then taken by one claim instead of one claim each: under a stream of small
   * enqueues that is fewer statements for the server and fewer wake-ups for the worker, at the
   * price of up to this much extra pickup latency while jobs keep arriving. An idle worker
   * still answers the first notification at once, and drain mode never lingers.
   */
  readonly claimLinger?: number;
  /**
   * On a database that runs no autovacuum of its own (embedded PGlite), how often the worker
   * runs `VACUUM (ANALYZE)` on the queue, log and statistics tables, when jobs finished since
   * the last time (default 60 000; 0 disables). Without it, every finished job leaves dead rows
   * and index entries that claims keep stepping over. Ignored on servers, which vacuum
   * themselves.
   */
  readonly vacuumInterval?: number;
  /** Aborting this signal starts a graceful shutdown, like `stop()`. */
  readonly signal?: AbortSignal;
}

/** Validated options with defaults applied. */
export interface ResolvedRunOptions {
  readonly batchSize: number;
  readonly dequeueTimeout: number;
  readonly mode: QueueExecutionMode;
  readonly maxConcurrentTasks: number | null;
  readonly heartbeatTimeout: number;
  readonly shutdownOnListenerFailure: boolean;
  readonly logAggregationInterval: number;
  readonly shutdownTimeout: number;
  readonly healthCheckInterval: number;
  readonly concurrentClaims: number;
  readonly claimLinger: number;
  readonly vacuumInterval: number;
  readonly signal: AbortSignal | undefined;
}

/** The shortest wait between polls while work exists but could not be claimed (QM-9). */
export const MIN_POLL_INTERVAL = 100;

/**
 * Apply defaults and validate.
 * @throws InvalidArgumentError naming the option.
 */
export function resolveRunOptions(options: RunOptions = {}): ResolvedRunOptions {
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError("batchSize", `must be an integer >= 1, got ${describe(batchSize)}`);
  }
  const mode = options.mode ?? "continuous";
  if (mode !== "continuous" && mode !== "drain") {
    throw new InvalidArgumentError("mode", `must be "continuous" or "drain", got ${describe(mode)}`);
  }
  const rawMax = options.maxConcurrentTasks ?? null;
  if (rawMax !== null && (!Number.isInteger(rawMax) || rawMax < 0)) {
    throw new InvalidArgumentError("maxConcurrentTasks", `must be an integer >= 0 or null, got ${describe(rawMax)}`);
  }
  const maxConcurrentTasks = rawMax === 0 ? null : rawMax;
  if (maxConcurrentTasks !== null && maxConcurrentTasks < 2 * batchSize) {
    throw new InvalidArgumentError("maxConcurrentTasks", `must be at least twice the batch size (${2 * batchSize}), got ${maxConcurrentTasks}`);
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError("signal", `must be an AbortSignal, got ${describe(signal)}`);
  }
  const shutdownOnListenerFailure = options.shutdownOnListenerFailure ?? false;
  if (typeof shutdownOnListenerFailure !== "boolean") {
    throw new InvalidArgumentError("shutdownOnListenerFailure", `must be a boolean, got ${describe(shutdownOnListenerFailure)}`);
  }
  const concurrentClaims = options.concurrentClaims ?? 1;
  if (!Number.isInteger(concurrentClaims) || concurrentClaims < 1 || concurrentClaims > 8) {
    throw new InvalidArgumentError("concurrentClaims", `must be an integer from 1 to 8, got ${describe(concurrentClaims)}`);
  }
  const healthCheckInterval = assertTimerDuration("healthCheckInterval", options.healthCheckInterval ?? 10_000);
  if (healthCheckInterval === 0) throw new InvalidArgumentError("healthCheckInterval", "must be greater than 0");
  return {
    batchSize,
    mode,
    maxConcurrentTasks,
    signal,
    shutdownOnListenerFailure,
    dequeueTimeout: assertTimerDuration("dequeueTimeout", options.dequeueTimeout ?? 30_000),
    heartbeatTimeout: assertTimerDuration("heartbeatTimeout", options.heartbeatTimeout ?? 30_000),
    logAggregationInterval: assertTimerDuration("logAggregationInterval", options.logAggregationInterval ?? 30_000),
    shutdownTimeout: assertTimerDuration("shutdownTimeout", options.shutdownTimeout ?? 30_000),
    healthCheckInterval,
    concurrentClaims,
    claimLinger: assertTimerDuration("claimLinger", options.claimLinger ?? 0),
    vacuumInterval: assertTimerDuration("vacuumInterval", options.vacuumInterval ?? 60_000),
  };
}
