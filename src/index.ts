/**
 * pgqueuer: a PostgreSQL-backed job queue for Node.js, schema-compatible with Python PgQueuer.
 * The package's main entry point; drivers live in the subpath exports `pgqueuer/pg`,
 * `pgqueuer/postgres` and `pgqueuer/pglite`.
 *
 * @module
 */

// The facade: what most users construct.
export { PgQueuer, type PgQueuerOptions, type PgQueuerConnectOptions } from "./pgqueuer.js";
/** In-memory mode (`PgQueuer.inMemory()`): its driver and store, for tests that share or inspect them. */
export { InMemoryDriver, InMemoryStore, type InMemoryDriverOptions, type InMemoryStoreOptions } from "./adapters/in-memory/index.js";
export { InMemoryDriverError } from "./domain/errors.js";
export type { ConnectOptions } from "./adapters/connect.js";

// Domain: jobs, statuses, settings, events, errors.
export {
  JOB_STATUSES,
  TERMINAL_STATUSES,
  isJobStatus,
  isTerminalStatus,
  type Job,
  type JobId,
  type JobStatus,
  type TerminalStatus,
  type JobHeaders,
  type JsonValue,
  type LogEntry,
  type LogStatistics,
  type QueueStatistics,
  type Schedule,
  type TracebackRecord,
  type OnConflict,
  type OnFailure,
  type QueueExecutionMode,
  type Durability,
} from "./domain/types.js";
export { resolveSettings, DURABILITY_LEVELS, type Settings, type SettingsOptions, type ObjectNames } from "./domain/settings.js";
export { parseEvent, type QueueEvent, type TableChangedEvent, type CancellationEvent, type HealthCheckEvent } from "./domain/events.js";
export { silentLogger, type Logger, type LogFn } from "./domain/logger.js";
export {
  PgQueuerError,
  PgQueuerTypeError,
  InvalidArgumentError,
  RegistrationError,
  InvalidExecutorFactoryError,
  SchemaError,
  DatabaseError,
  ConnectionError,
  IdOutOfRangeError,
  DuplicateJobError,
  FailingListenerError,
  RetryException,
  RetryRequested,
  MaxRetriesExceeded,
  MaxTimeExceeded,
  JobTimeoutError,
  JobCancelledError,
  ShutdownError,
  CronExpressionError,
  WorkerThreadError,
  coerceError,
} from "./domain/errors.js";

// Ports: implement `Driver` to bring another database client.
export type { Driver, Statement, SqlValue, Row, ListenOptions, Subscription } from "./ports/driver.js";
export type { QueueRepository, ClaimRequest, EntrypointLimit, JobOutcome, OutcomeKind, OutcomeRecord, WorkProbe } from "./ports/repository.js";

// The worker: context, registration, run options, observers.
export type { Context, EntrypointHandler, Resources } from "./core/context.js";
export type { EntrypointOptions, Registration } from "./core/entrypoint-registry.js";
export type { RunOptions } from "./core/run-options.js";
export type { JobObserver, JobFinishedEvent } from "./core/observer.js";
export { QueueManager, type QueueManagerOptions } from "./core/queue-manager.js";

// Executors: the object that runs a dequeued job.
export {
  AbstractEntrypointExecutor,
  EntrypointExecutor,
  type EntrypointExecutorParameters,
  type ExecutorClass,
  type ExecutorFactory,
  type ExecutorFactoryFunction,
} from "./core/executors/abstract.js";
export {
  JITTER_STRATEGIES,
  type Jitter,
  type JitterFunction,
  systemClock,
  type Clock,
  DATABASE_RETRY_DEFAULTS,
  DatabaseRetryEntrypointExecutor,
  type DatabaseRetryOptions,
  RETRY_WITH_BACKOFF_DEFAULTS,
  RetryWithBackoffEntrypointExecutor,
  type RetryWithBackoffOptions,
  TimeoutEntrypointExecutor,
  type TimeoutOptions,
  type WorkerThreadHandler,
  type WorkerThreadJob,
  WorkerThreadEntrypointExecutor,
  defaultPoolSize,
  type WorkerThreadOptions,
} from "./core/executors/index.js";

// Scheduler: cron schedules, once per tick across every worker.
export { SchedulerManager, type SchedulerManagerOptions, type ScheduleOptions, type ScheduleRegistration } from "./core/scheduler/scheduler-manager.js";
export {
  AbstractScheduleExecutor,
  ScheduleExecutor,
  type ScheduleContext,
  type ScheduleHandler,
  type ScheduleExecutorParameters,
  type ScheduleExecutorFactory,
} from "./core/scheduler/executors.js";
export { ScheduleQueries } from "./adapters/persistence/schedule-queries.js";

// Schema management (the CLI's install/upgrade/verify call the same code).
export { SchemaManager } from "./adapters/persistence/schema-manager.js";

// Queue operations (enqueue, claim, outcomes, management, reads).
export { Queries, type EnqueueJob, type EnqueueManyOptions, type EnqueueOptions, type JobPayload, type PruneOptions, type PruneResult } from "./adapters/persistence/queries.js";
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

// `pgq run <module>[:export]`: the shape of the worker factory a module exports.
export type { FactoryContext, WorkerFactory } from "./cli/supervisor.js";

// Beyond PgQueuer (docs/beyond-pgqueuer.md): typed tasks, job results, scheduled retention.
export {
  defineEntrypoint,
  TypedEntrypoint,
  type EntrypointHost,
  type TypedEnqueueManyOptions,
  type TypedEntrypointOptions,
  type TypedHandler,
} from "./typed/define-entrypoint.js";
export { InvalidJobPayloadError, PayloadValidationError, ResultSerializationError, type PayloadIssue } from "./domain/errors.js";
export type { JobCompletion } from "./core/completion-watcher.js";
export type { JobResultEntry } from "./domain/insights.js";
export { enqueueAndWait, type EnqueueAndWaitOptions, type EnqueueAndWaitResult, type EnqueueAndWaitTarget } from "./enqueue-and-wait.js";
export { pruneSchedule, type PruneScheduleOptions } from "./prune-schedule.js";
