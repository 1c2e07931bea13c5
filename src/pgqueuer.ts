/**
 * The `PgQueuer` facade: the composition root that wires a driver, the queries, the worker
 * (QueueManager) and the scheduler together. This is what users construct.
 *
 * @module
 */
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { Sql } from "postgres";
import { PgClientDriver, PgPoolDriver } from "./adapters/pg/driver.js";
import { PGliteDriver } from "./adapters/pglite/driver.js";
import { PostgresJsDriver } from "./adapters/postgres-js/driver.js";
import { InMemoryDriver, type InMemoryDriverOptions } from "./adapters/in-memory/driver.js";
import { InMemoryQueries } from "./adapters/in-memory/queries.js";
import { InMemoryScheduleQueries } from "./adapters/in-memory/schedule-queries.js";
import { Queries, type QueriesOptions } from "./adapters/persistence/queries.js";
import { ScheduleQueries } from "./adapters/persistence/schedule-queries.js";
import { openDriver, type ConnectOptions } from "./adapters/connect.js";
import { coerceError } from "./domain/errors.js";
import { silentLogger, type Logger } from "./domain/logger.js";
import { resolveSettings, type Settings, type SettingsOptions } from "./domain/settings.js";
import type { Driver } from "./ports/driver.js";
import type { EntrypointHandler, Resources } from "./core/context.js";
import type { EntrypointOptions } from "./core/entrypoint-registry.js";
import { combineObservers, type JobObserver } from "./core/observer.js";
import { createTracingObserver } from "./tracing/job-tracing.js";
import { withEnqueueSpan } from "./tracing/enqueue-tracing.js";
import { QueueManager } from "./core/queue-manager.js";
import { enqueueAndWait, type EnqueueAndWaitOptions, type EnqueueAndWaitResult } from "./enqueue-and-wait.js";
import type { JobPayload } from "./adapters/persistence/queries.js";
import type { RunOptions } from "./core/run-options.js";
import type { AbstractScheduleExecutor, ScheduleHandler } from "./core/scheduler/executors.js";
import { SchedulerManager, type ScheduleOptions } from "./core/scheduler/scheduler-manager.js";

/** Options every constructor takes. */
export interface PgQueuerOptions<R extends Resources = Resources> {
  /** Shared objects handed to every job's `context.resources` (the same object, not a copy). */
  readonly resources?: R;
  /** Object names, prefix, schema, durability; also read from `PGQUEUER_*` variables. */
  readonly settings?: SettingsOptions;
  /** A pino-compatible logger; silent by default. */
  readonly logger?: Logger;
  /** Observers of job execution (e.g. `createMetricsObserver()` from `pgqueuer/metrics`). */
  readonly observers?: readonly JobObserver[];
  /**
   * OpenTelemetry: a producer span per enqueue whose context travels in the job headers, and a
   * consumer span per job as its child (default true). Without a registered SDK both are no-ops.
   */
  readonly tracing?: boolean;
  /** Refuse to enqueue payloads larger than this many bytes (default: no limit). */
  readonly maxPayloadSize?: number | null;
}

/** What `connect()` additionally takes. */
export interface PgQueuerConnectOptions<R extends Resources = Resources> extends PgQueuerOptions<R>, ConnectOptions {}

/** A job queue on one PostgreSQL (or PGlite) database. */
export class PgQueuer<R extends Resources = Resources> {
  /** The database connection port. */
  readonly driver: Driver;
  readonly settings: Settings;
  /** Enqueue, inspect and manage jobs; install and upgrade the schema. */
  readonly queries: Queries;
  /** The worker that runs registered entrypoints. */
  readonly queueManager: QueueManager<R>;
  /** Schedule storage: list and remove cron schedules. */
  readonly scheduleQueries: ScheduleQueries;
  /** Runs registered cron schedules, once per tick across every worker. */
  readonly scheduler: SchedulerManager<R>;
  readonly resources: R;
  readonly logger: Logger;
  readonly #ownsDriver: boolean;
  #running: Promise<void> | undefined;

  /** Build on any {@link Driver}. */
  constructor(driver: Driver, options: PgQueuerOptions<R> & { ownsDriver?: boolean } = {}) {
    this.driver = driver;
    this.settings = resolveSettings(options.settings);
    this.resources = options.resources ?? ({} as R);
    this.logger = options.logger ?? silentLogger;
    const tracing = options.tracing ?? true;
    const queriesOptions: QueriesOptions = {
      maxPayloadSize: options.maxPayloadSize ?? null,
      ...(tracing ? { enqueueInterceptor: (jobs, insert) => withEnqueueSpan(jobs, insert) } : {}),
    };
    // An in-memory driver carries its own tables: build the in-memory queries on it, so
    // `new PgQueuer(new InMemoryDriver())` and `PgQueuer.inMemory()` behave the same.
    const memory = driver instanceof InMemoryDriver ? driver : null;
    this.queries = memory ? new InMemoryQueries(memory, this.settings, queriesOptions) : new Queries(driver, this.settings, queriesOptions);
    this.queueManager = new QueueManager<R>({
      repository: this.queries,
      driver,
      resources: this.resources,
      logger: this.logger,
      observer: combineObservers([...(tracing ? [createTracingObserver()] : []), ...(options.observers ?? [])]),
    });
    this.scheduleQueries = memory ? new InMemoryScheduleQueries({ driver: memory, settings: this.settings }) : new ScheduleQueries({ driver, settings: this.settings });
    this.scheduler = new SchedulerManager<R>({ repository: this.scheduleQueries, resources: this.resources, logger: this.logger });
    this.#ownsDriver = options.ownsDriver ?? false;
  }

  /** On a node-postgres `pg.Client` or `pg.Pool` (the caller keeps ownership and closes it). */
  static fromPg<R extends Resources = Resources>(clientOrPool: pg.ClientBase | pg.Pool, options: PgQueuerOptions<R> = {}): PgQueuer<R> {
    const isPool = typeof (clientOrPool as pg.Pool).totalCount === "number";
    const driver = isPool ? new PgPoolDriver(clientOrPool as pg.Pool) : new PgClientDriver(clientOrPool as pg.ClientBase);
    return new PgQueuer<R>(driver, options);
  }

  /** On a postgres.js `sql` instance (the caller keeps ownership). */
  static fromPostgres<R extends Resources = Resources>(sql: Sql, options: PgQueuerOptions<R> = {}): PgQueuer<R> {
    return new PgQueuer<R>(new PostgresJsDriver(sql), options);
  }

  /** On an embedded PGlite database (the caller keeps ownership). */
  static fromPGlite<R extends Resources = Resources>(db: PGlite, options: PgQueuerOptions<R> = {}): PgQueuer<R> {
    return new PgQueuer<R>(new PGliteDriver(db), options);
  }

  /**
   * Connect from the environment: `dsn`, else `PGQUEUER_DSN` / `PGDSN` / libpq `PG*`
   * variables, else an embedded PGlite database in `./.pgqueuer` (or `dataDir`). The
   * connection is owned by the instance: `close()` ends it.
   */
  static async connect<R extends Resources = Resources>(options: PgQueuerConnectOptions<R> = {}): Promise<PgQueuer<R>> {
    const { driver } = await openDriver(options);
    return new PgQueuer<R>(driver, { ...options, ownsDriver: true });
  }

  /**
   * Entirely in memory, for unit tests: no database, nothing survives `close()`, no other
   * process sees the jobs (docs/in-memory.md). Same API and queue semantics as PostgreSQL;
   * `driver.query()` throws `InMemoryDriverError`. `now` injects a clock (epoch ms).
   */
  static inMemory<R extends Resources = Resources>(options: PgQueuerOptions<R> & InMemoryDriverOptions = {}): PgQueuer<R> {
    return new PgQueuer<R>(new InMemoryDriver(options), { ...options, ownsDriver: true });
  }

  /** Register a handler for an entrypoint. */
  entrypoint(name: string, handler: EntrypointHandler<R>): this;
  /** Register a handler for an entrypoint, with options (concurrency limit, onFailure, executor). */
  entrypoint(name: string, options: EntrypointOptions<R>, handler: EntrypointHandler<R>): this;
  entrypoint(name: string, optionsOrHandler: EntrypointOptions<R> | EntrypointHandler<R>, maybeHandler?: EntrypointHandler<R>): this {
    if (typeof optionsOrHandler === "function") this.queueManager.entrypoint(name, {}, optionsOrHandler);
    else this.queueManager.entrypoint(name, optionsOrHandler ?? {}, maybeHandler as EntrypointHandler<R>);
    return this;
  }

  /**
   * Run `handler` on a cron schedule (5 fields, or 6 with seconds last; UTC), once per tick
   * across every worker. See docs/scheduling.md.
   */
  schedule(name: string, expression: string, handler: ScheduleHandler<R>, options: ScheduleOptions<R> = {}): AbstractScheduleExecutor<R> {
    return this.scheduler.schedule(name, expression, handler, options);
  }

  /**
   * Request/response: enqueue one job and resolve with `{ jobId, status, result }` once it
   * finishes (`result`: the stored return value of a `storeResult` entrypoint, else null).
   * @throws JobTimeoutError when `options.timeout` ms pass first. See {@link enqueueAndWait}.
   */
  enqueueAndWait(entrypoint: string, payload: JobPayload = null, options: EnqueueAndWaitOptions = {}): Promise<EnqueueAndWaitResult> {
    return enqueueAndWait(this, entrypoint, payload, options);
  }

  /**
   * Run the worker and the scheduler until `stop()`, the `signal`, or — in drain mode — until
   * no eligible work is left. Resolves after a graceful shutdown. If either part fails, the
   * other is stopped and the error is thrown.
   */
  async run(options: RunOptions = {}): Promise<void> {
    if (this.#running) throw new Error("PgQueuer.run() is already running");
    const stopScheduler = new AbortController();
    const worker = this.queueManager.run(options).finally(() => stopScheduler.abort());
    const scheduler = this.scheduler.run({ signal: stopScheduler.signal }).catch((error: unknown) => {
      this.queueManager.stop();
      throw error;
    });
    this.#running = Promise.allSettled([worker, scheduler]).then(() => undefined);
    try {
      const [workerResult, schedulerResult] = await Promise.allSettled([worker, scheduler]);
      for (const result of [workerResult, schedulerResult]) if (result.status === "rejected") throw coerceError(result.reason);
    } finally {
      this.#running = undefined;
    }
  }

  /** Begin a graceful shutdown of `run()`. */
  stop(): void {
    this.queueManager.stop();
  }

  /** Stop, wait for `run()` to finish, and close the connection if this instance opened it. */
  async close(): Promise<void> {
    this.stop();
    await this.#running?.catch(() => undefined);
    if (this.#ownsDriver) await this.driver.close();
  }

  /** `await using pgq = await PgQueuer.connect()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
