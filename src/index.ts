/**
 * pgqueuer: a PostgreSQL-backed job queue for Node.js, schema-compatible with Python PgQueuer.
 * The package's main entry point; drivers live in the subpath exports `pgqueuer/pg`,
 * `pgqueuer/postgres` and `pgqueuer/pglite`.
 *
 * @module
 */

// Queue operations (enqueue, claim, outcomes, management, reads).
export { Queries, type EnqueueJob, type EnqueueManyOptions, type EnqueueOptions, type JobPayload } from "./adapters/persistence/queries.js";
export type { BrowseQueueOptions, ListFailedJobsOptions, LogStatisticsOptions, SortOrder, WindowOptions } from "./adapters/persistence/queue-reads.js";
export type {
  ActiveWorker,
  JobDurationStats,
  JobStatusEntry,
  QueueAgeStats,
  StaleJob,
  TableInfo,
  ThroughputBucket,
  ThroughputStats,
} from "./domain/insights.js";

// Completion tracking: await a job's terminal status (LISTEN-driven, batched status checks).
export {
  CompletionWatcher,
  type CloseOptions as CompletionWatcherCloseOptions,
  type CompletionWatcherOptions,
  type FirstCompletion,
  type JobStatusReader,
  type WaitOptions,
} from "./core/completion-watcher.js";
export { CompletionWatcherStateError } from "./domain/errors.js";
// A console logger for scripts without pino (Prometheus metrics: `pgqueuer/metrics`; tracing: `pgqueuer/tracing`).
export { createConsoleLogger, type ConsoleLoggerOptions, type ConsoleLogLevel } from "./adapters/console-logger.js";
