/**
 * The repository port: the queue operations the worker runtime (core/) needs, independent of
 * SQL. `adapters/persistence/queries.ts` implements it over a {@link Driver}; the same
 * behavioural suite runs against every implementation.
 *
 * @module
 */
import type { Job, JobId, JsonValue, TracebackRecord } from "../domain/types.js";

/** An entrypoint a worker can run, with its global concurrency limit (0 = unlimited). */
export interface EntrypointLimit {
  readonly name: string;
  readonly concurrencyLimit: number;
  /** At most `count` picks in any `per` ms, across every worker (absent/null = no rate limit). */
  readonly rateLimit?: RateLimit | null;
}

/** A global rate limit: at most `count` jobs picked in any window of `per` milliseconds. */
export interface RateLimit {
  readonly count: number;
  readonly per: number;
}

/** Arguments of one claim. */
export interface ClaimRequest {
  /** At most this many jobs, across all entrypoints (>= 1). */
  readonly batchSize: number;
  readonly entrypoints: readonly EntrypointLimit[];
  readonly queueManagerId: string;
  /** Cap on the jobs this worker owns at once among `entrypoints` (null = no cap). */
  readonly workerLimit: number | null;
  /** Jobs whose heartbeat is older than this (ms) are claimable again. */
  readonly heartbeatTimeout: number;
  /**
   * Whether this claim also re-claims stale jobs (heartbeat older than `heartbeatTimeout`);
   * default true, as PgQueuer's dequeue does. A worker that claims many times a second asks
   * for it periodically instead (see `RunSession`), which keeps the common claim cheap.
   */
  readonly includeStale?: boolean;
}

/**
 * How a job ended, as written to the database. A tagged union decided in one place
 * (core/outcome) and written by {@link QueueRepository.recordOutcomes}.
 */
export type JobOutcome =
  /**
   * `result`: the handler's return value, for entrypoints that store results (`storeResult`);
   * written to the results extension table with the job's deletion. Absent: nothing stored.
   */
  | { readonly kind: "successful"; readonly result?: JsonValue }
  | { readonly kind: "exception"; readonly traceback: TracebackRecord }
  /** Held for requeue (`onFailure: "hold"`): the row stays as `failed`. */
  | { readonly kind: "failed"; readonly traceback: TracebackRecord }
  | { readonly kind: "canceled"; readonly traceback: TracebackRecord | null }
  /** `RetryRequested`: back to `queued` after `delay` ms with attempts + 1. */
  | { readonly kind: "retry"; readonly delay: number; readonly traceback: TracebackRecord }
  /** Shutdown: back to `queued` untouched, for another worker (attempts unchanged). */
  | { readonly kind: "released" };

/** The kind tag of {@link JobOutcome}. */
export type OutcomeKind = JobOutcome["kind"];

/** One job's outcome. */
export interface OutcomeRecord {
  readonly jobId: JobId;
  readonly outcome: JobOutcome;
}

/** Result of the idle probe the worker runs before it waits. */
export interface WorkProbe {
  /** Some queued job of these entrypoints is eligible now. */
  readonly eligible: boolean;
  /** Milliseconds until the nearest deferred job becomes eligible, or null when none. */
  readonly nextEligibleIn: number | null;
}

/** What the worker runtime needs from persistence. */
export interface QueueRepository {
  /** The NOTIFY channel the repository's trigger and events use. */
  readonly channel: string;
  /** Throw a SchemaError naming the missing object (and the command to run) when the schema is incomplete. */
  verifyStructure(): Promise<void>;
  /** Claim up to `batchSize` jobs (see CATALOGUE §5.1); the limits hold across workers. */
  dequeue(request: ClaimRequest): Promise<Job[]>;
  /**
   * Write outcomes in one round trip. Each write is guarded by owner and status: only jobs
   * still `picked` by `queueManagerId` change; others (canceled meanwhile, re-picked by
   * another worker after a stale heartbeat) are left alone and get no log row.
   */
  recordOutcomes(queueManagerId: string, outcomes: readonly OutcomeRecord[]): Promise<void>;
  /** Refresh the heartbeat of jobs still `picked` by `queueManagerId`. */
  updateHeartbeat(queueManagerId: string, jobIds: readonly JobId[]): Promise<void>;
  /** Whether work is eligible, and when the next deferred job will be. */
  probeWork(entrypoints: readonly string[]): Promise<WorkProbe>;
  /** Fold un-aggregated log rows into statistics, one worker at a time (advisory lock). */
  aggregateLogs(): Promise<void>;
  /** Send a `health_check_event` with this id on the channel. */
  notifyHealthCheck(id: string): Promise<void>;
  /**
   * Called at worker start when some entrypoint stores results: throw a SchemaError (run
   * `pgq upgrade`) when results cannot be stored. Optional: a repository without it stores none.
   */
  verifyResultStorage?(): Promise<void>;
  /**
   * Called at worker start, before the first claim: get up to `connections` connections ready
   * for `request`'s claims and for outcome writes, changing nothing. Optional: an optimization
   * of the first jobs' pickup latency, whose failure the worker ignores.
   */
  warmUp?(request: ClaimRequest, connections: number): Promise<void>;
  /**
   * Called at worker start, beside the first claims: problems with the database's upkeep of
   * the queue tables (autovacuum off), as messages the worker logs as warnings. Optional.
   */
  maintenanceWarnings?(): Promise<string[]>;
  /**
   * `VACUUM (ANALYZE)` the queue, log and statistics tables. Called periodically by workers on
   * databases that do not vacuum themselves (`Driver.vacuumsItself === false`). Optional.
   */
  vacuumQueueTables?(): Promise<void>;
}
