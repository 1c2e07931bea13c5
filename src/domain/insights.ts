/**
 * Read-side models: what the insight and management reads return (CATALOGUE DOM-11, STAT-7..14,
 * LIFE-11). Durations are milliseconds, instants are `Date`s, as everywhere in the library.
 *
 * @module
 */
import type { JobId, JobStatus, JsonValue } from "./types.js";

/** The latest status of one job, from its newest log row (`jobStatus`). */
export interface JobStatusEntry {
  readonly id: JobId;
  readonly status: JobStatus;
}

/** A job's latest status and its stored result (`Queries.jobResults`); result null when none. */
export interface JobResultEntry extends JobStatusEntry {
  readonly result: JsonValue | null;
}

/** Total count of one (entrypoint, status) pair over a window (`throughputSummary`). */
export interface ThroughputStats {
  readonly entrypoint: string;
  readonly status: JobStatus;
  readonly totalCount: number;
}

/** Count of one (minute, entrypoint, status) triple (`throughputTimeseries`). */
export interface ThroughputBucket {
  /** Start of the minute. */
  readonly bucket: Date;
  readonly entrypoint: string;
  readonly status: JobStatus;
  readonly count: number;
}

/** How long the queued jobs of one entrypoint have waited (`queueAge`). */
export interface QueueAgeStats {
  readonly entrypoint: string;
  readonly queuedCount: number;
  readonly oldestCreated: Date;
  /** Age of the oldest queued job, in milliseconds. */
  readonly oldestAge: number;
  /** Mean age of the queued jobs, in milliseconds. */
  readonly averageAge: number;
}

/** Pick-to-finish durations of one entrypoint, in milliseconds (`jobDurationPercentiles`). */
export interface JobDurationStats {
  readonly entrypoint: string;
  /** Number of (picked, terminal) pairs measured. */
  readonly completed: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** One worker owning `picked` jobs (`activeWorkers`). */
export interface ActiveWorker {
  readonly queueManagerId: string;
  readonly activeJobs: number;
  readonly oldestHeartbeat: Date;
  readonly newestHeartbeat: Date;
  /** Distinct entrypoints of its jobs, sorted. */
  readonly entrypoints: readonly string[];
}

/** A `picked` job whose heartbeat is older than the threshold (`staleJobs`). */
export interface StaleJob {
  readonly id: JobId;
  readonly priority: number;
  readonly queueManagerId: string | null;
  readonly created: Date;
  readonly updated: Date;
  readonly heartbeat: Date;
  readonly executeAfter: Date;
  readonly status: JobStatus;
  readonly entrypoint: string;
  /** Milliseconds since the last heartbeat (never negative). */
  readonly sinceHeartbeat: number;
}

/** One PgQueuer table as the catalog sees it (`schemaInfo`). */
export interface TableInfo {
  readonly tableName: string;
  readonly persistence: "LOGGED" | "UNLOGGED";
  /** The planner's estimate (`pg_class.reltuples`), 0 when never analyzed. */
  readonly estimatedRows: number;
  /** Table + indexes + TOAST, human readable (`pg_size_pretty`). */
  readonly totalSize: string;
  /** The same size in bytes. */
  readonly totalBytes: number;
}
