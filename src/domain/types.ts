/**
 * Glossary of the domain (read this first):
 *
 * - **Job**: one row of the queue table; a unit of work addressed to an *entrypoint*.
 * - **Entrypoint**: the name a handler is registered under; jobs name the entrypoint that runs them.
 * - **Queue manager** (worker): one process-local loop that claims jobs and runs them. It has a
 *   random UUID (`queueManagerId`) written into every job it owns.
 * - **Claim** (dequeue): move jobs from `queued` to `picked`, owned by one queue manager.
 * - **Outcome**: how a job ended: successful, exception, canceled, held (`failed`) or retried.
 * - **Log**: the append-only audit table; one row per status change of a job.
 * - **Statistics**: per-second aggregates folded from the log.
 * - **Heartbeat**: a timestamp a worker refreshes while it runs a job; a stale heartbeat lets
 *   another worker re-claim the job.
 * - **Executor**: the object that runs a claimed job for an entrypoint (see core/executors).
 *
 * Durations are milliseconds everywhere; absolute instants are `Date`s.
 *
 * @module
 */

/** A job's id: the queue table's BIGSERIAL, as a JavaScript number (at most 2^53 - 1). */
export type JobId = number;

/** Every status a job (and a log row) can have, in the database enum's order. */
export const JOB_STATUSES = [
  "queued",
  "picked",
  "successful",
  "exception",
  "canceled",
  "deleted",
  "failed",
] as const;

/** Status of a job: the `pgqueuer_status` enum. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses after which a job never runs again (a held `failed` job may be requeued). */
export const TERMINAL_STATUSES = ["successful", "exception", "canceled", "deleted"] as const;

/** A status after which the job has left the queue for good. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** What enqueue does when an active job already holds the dedupe key. */
export type OnConflict = "raise" | "skip";

/** What happens to a job whose handler throws: removed (`delete`) or kept as `failed` (`hold`). */
export type OnFailure = "delete" | "hold";

/** `continuous` runs until stopped; `drain` stops once no eligible work is left. */
export type QueueExecutionMode = "continuous" | "drain";

/** How many of the tables are WAL-logged (crash-safe) versus UNLOGGED (faster). */
export type Durability = "volatile" | "balanced" | "durable";

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Job headers: a JSON object (tracing context travels here, e.g. under `otel`). */
export type JobHeaders = { [key: string]: JsonValue };

/** A job as read from the queue table. */
export interface Job {
  readonly id: JobId;
  readonly priority: number;
  readonly created: Date;
  readonly updated: Date;
  readonly heartbeat: Date;
  readonly executeAfter: Date;
  readonly status: JobStatus;
  readonly entrypoint: string;
  /** The payload bytes exactly as enqueued, or `null`. */
  readonly payload: Buffer | null;
  readonly headers: JobHeaders | null;
  /** How many times the job was re-queued by `RetryRequested` (0 on the first run). */
  readonly attempts: number;
  readonly dedupeKey: string | null;
  readonly queueManagerId: string | null;
}

/**
 * The error record stored with `exception`, `failed` and retry log rows. Stored as JSON with
 * PgQueuer's keys (`job_id`, `timestamp`, `exception_type`, `exception_message`, `traceback`,
 * `additional_context`), so Python tools read it too.
 */
export interface TracebackRecord {
  readonly jobId: JobId;
  readonly timestamp: Date;
  /** The error's class name, e.g. `TypeError`. */
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  /** The stack, followed by the stack of every `cause` in the chain. */
  readonly traceback: string;
  readonly additionalContext: { [key: string]: JsonValue } | null;
}

/** One row of the log table. */
export interface LogEntry {
  readonly id: number;
  readonly created: Date;
  readonly jobId: JobId;
  readonly status: JobStatus;
  readonly priority: number;
  readonly entrypoint: string;
  readonly traceback: TracebackRecord | null;
  readonly aggregated: boolean;
}

/** One row of `queueSize()`: how many jobs share (entrypoint, priority, status). */
export interface QueueStatistics {
  readonly count: number;
  readonly entrypoint: string;
  readonly priority: number;
  readonly status: JobStatus;
}

/** One row of the statistics table. */
export interface LogStatistics {
  readonly count: number;
  readonly created: Date;
  readonly entrypoint: string;
  readonly priority: number;
  readonly status: JobStatus;
}

/** A cron schedule as stored in the schedules table. */
export interface Schedule {
  readonly id: number;
  readonly expression: string;
  readonly entrypoint: string;
  readonly heartbeat: Date;
  readonly created: Date;
  readonly updated: Date;
  readonly nextRun: Date;
  readonly lastRun: Date | null;
  readonly status: JobStatus | null;
}

/** True when `value` is one of the {@link JOB_STATUSES}. */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === "string" && (JOB_STATUSES as readonly string[]).includes(value);
}

/** True when `status` is terminal for completion tracking. */
export function isTerminalStatus(status: JobStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Exhaustiveness check for `switch` statements over unions. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
