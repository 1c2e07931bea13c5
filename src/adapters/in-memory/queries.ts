/**
 * `InMemoryQueries`: the public surface of {@link Queries} (enqueue, claim, outcomes,
 * management, reads, insights, schema) over an {@link InMemoryStore} instead of SQL. It
 * validates with the same checks as `Queries` and follows PostgreSQL's semantics, not the
 * divergences of PgQueuer's in-memory adapter (CATALOGUE MEM-11..MEM-15), so the behavioural
 * suite of `Queries` runs against it unchanged.
 *
 * It extends `Queries` so that `PgQueuer.queries` keeps one type for every backend (the web
 * dashboard, CLI and metrics take a `Queries`); every public method is overridden, and
 * `test/adapters/in-memory/surface.test.ts` fails when `Queries` gains one that is not. The
 * inherited `schema` getter is the exception: its manager runs SQL and throws
 * `InMemoryDriverError` on use; `install`/`upgrade`/`uninstall`/`verify` are overridden.
 *
 * @module
 */
import { InvalidArgumentError } from "../../domain/errors.js";
import { describe } from "../../domain/durations.js";
import { serializeEvent } from "../../domain/events.js";
import type { ActiveWorker, JobDurationStats, JobResultEntry, JobStatusEntry, QueueAgeStats, StaleJob, TableInfo, ThroughputBucket, ThroughputStats } from "../../domain/insights.js";
import type { Settings } from "../../domain/settings.js";
import type { Job, JobId, LogEntry, LogStatistics, OnConflict, QueueStatistics } from "../../domain/types.js";
import type { ClaimRequest, OutcomeRecord, WorkProbe } from "../../ports/repository.js";
import { sqlNames } from "../../sql/identifiers.js";
import type { EnqueueRecord } from "../../sql/queue.js";
import { checkClaimRequest, checkCount, checkEntrypointFilter, checkStoredText, checkJobId, checkJobIds, checkMilliseconds, checkOutcomes, checkPruneOptions, checkQueueManagerId, checkStatusFilter } from "../persistence/arguments.js";
import { checkOnConflict, normalizeBatch, normalizeJob, type EnqueueJob, type JobPayload } from "../persistence/enqueue-input.js";
import { Queries, type PausedEntrypoint, type EnqueueInterceptor, type EnqueueManyOptions, type EnqueueOptions, type PruneOptions, type PruneResult, type QueriesOptions } from "../persistence/queries.js";
import type { BrowseQueueOptions, ListFailedJobsOptions, LogStatisticsOptions, WindowOptions } from "../persistence/queue-reads.js";
import * as rows from "../persistence/rows.js";
import type { InstallOptions, SchemaReport } from "../persistence/schema-manager.js";
import { InMemoryDriver } from "./driver.js";
import * as reads from "./queue-reads.js";
import * as writes from "./queue-writes.js";
import { pruneStore } from "./retention.js";

const HOUR = 3_600_000;
const FIVE_MINUTES = 300_000;

/** The queue's operations on an in-memory store. */
export class InMemoryQueries extends Queries {
  readonly #memory: InMemoryDriver;
  readonly #interceptor: EnqueueInterceptor | undefined;

  /**
   * @param driver the in-memory driver whose store holds the tables.
   * @param settings resolved settings (names of the channel and tables in events).
   * @param options an enqueue interceptor (tracing), as for `Queries`.
   */
  constructor(driver: InMemoryDriver, settings?: Settings, options: QueriesOptions = {}) {
    if (!(driver instanceof InMemoryDriver)) throw new InvalidArgumentError("driver", `must be an InMemoryDriver, got ${describe(driver)}`);
    super(driver, settings, options);
    this.#memory = driver;
    this.#interceptor = options.enqueueInterceptor;
  }

  get #target(): writes.QueueTarget {
    return { driver: this.#memory, settings: this.settings };
  }

  get #store() {
    return this.#memory.store;
  }

  override enqueue(entrypoint: string, payload?: JobPayload, options?: EnqueueOptions & { readonly onConflict?: "raise" }): Promise<JobId>;
  override enqueue(entrypoint: string, payload: JobPayload | undefined, options: EnqueueOptions & { readonly onConflict: "skip" }): Promise<JobId | null>;
  override enqueue(entrypoint: string, payload?: JobPayload, options?: EnqueueOptions): Promise<JobId | null>;
  /** See {@link Queries.enqueue}. */
  override async enqueue(entrypoint: string, payload: JobPayload = null, options: EnqueueOptions = {}): Promise<JobId | null> {
    this.#checkOptions(options);
    const record = normalizeJob(
      { entrypoint, payload, priority: options.priority, executeAfter: options.executeAfter, dedupeKey: options.dedupeKey, headers: options.headers },
      (field) => field,
    );
    const [id] = await this.#insert([record], checkOnConflict(options.onConflict));
    return id ?? null;
  }

  override enqueueMany(jobs: readonly EnqueueJob[], options?: EnqueueManyOptions & { readonly onConflict?: "raise" }): Promise<JobId[]>;
  override enqueueMany(jobs: readonly EnqueueJob[], options: EnqueueManyOptions & { readonly onConflict: "skip" }): Promise<(JobId | null)[]>;
  override enqueueMany(jobs: readonly EnqueueJob[], options?: EnqueueManyOptions): Promise<(JobId | null)[]>;
  /** See {@link Queries.enqueueMany}. */
  override async enqueueMany(jobs: readonly EnqueueJob[], options: EnqueueManyOptions = {}): Promise<(JobId | null)[]> {
    this.#checkOptions(options);
    return this.#insert(normalizeBatch(jobs), checkOnConflict(options.onConflict));
  }

  async #insert(records: readonly EnqueueRecord[], onConflict: OnConflict): Promise<(JobId | null)[]> {
    const intercept = this.#interceptor;
    if (!intercept) return writes.insertJobs(this.#target, records, onConflict);
    return intercept(
      records.map((record) => ({ entrypoint: record.entrypoint, headers: record.headers })),
      async (headers) => writes.insertJobs(this.#target, records.map((record, index) => ({ ...record, headers: headers[index] ?? null })), onConflict),
    );
  }

  /** Accept the options object, and as `connection` only a driver on this same store. */
  #checkOptions(options: unknown): void {
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw new InvalidArgumentError("options", `must be an object, got ${describe(options)}`);
    }
    const connection = (options as { connection?: unknown }).connection;
    if (connection !== undefined && !(connection instanceof InMemoryDriver && connection.store === this.#store)) {
      throw new InvalidArgumentError("connection", `must be the in-memory driver of this queue (e.g. the transaction's driver), got ${describe(connection)}`);
    }
  }

  /** Validates as {@link Queries.warmUp} does; the store has no connections to prepare. */
  override async warmUp(request: ClaimRequest, _connections: number): Promise<void> {
    checkQueueManagerId(checkClaimRequest(request).queueManagerId);
  }

  /** See {@link Queries.dequeue}. */
  override async dequeue(request: ClaimRequest): Promise<Job[]> {
    const args = checkClaimRequest(request);
    // Yield once per claim, as a database round trip would, so a busy worker loop cannot
    // starve timers and I/O (MEM-7).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (args.entrypoints.length === 0) return [];
    return writes.claimJobs(this.#target, args).map(rows.toJob);
  }

  /** See {@link Queries.recordOutcomes}. */
  override async recordOutcomes(queueManagerId: string, outcomes: readonly OutcomeRecord[]): Promise<void> {
    const owner = checkQueueManagerId(queueManagerId);
    const checked = checkOutcomes(outcomes);
    if (checked.length === 0) return;
    writes.writeOutcomes(this.#target, owner, checked);
  }

  /** See {@link Queries.updateHeartbeat}. */
  override async updateHeartbeat(queueManagerId: string, jobIds: readonly JobId[]): Promise<void> {
    const owner = checkQueueManagerId(queueManagerId);
    const ids = checkJobIds(jobIds, "jobIds");
    writes.touchHeartbeats(this.#target, owner, ids);
  }

  /** See {@link Queries.probeWork}. */
  override async probeWork(entrypoints: readonly string[]): Promise<WorkProbe> {
    const names = new Set((checkEntrypointFilter(entrypoints) ?? []).filter((name) => !this.#store.paused.has(name)));
    if (names.size === 0) return { eligible: false, nextEligibleIn: null };
    const now = this.#store.now().getTime();
    let eligible = false;
    let next: number | null = null;
    for (const job of this.#store.jobs.values()) {
      if (job.status !== "queued" || !names.has(job.entrypoint)) continue;
      const at = job.execute_after.getTime();
      if (at <= now) eligible = true;
      else if (next === null || at < next) next = at;
    }
    return { eligible, nextEligibleIn: next === null ? null : Math.max(0, next - now) };
  }

  /** See {@link Queries.aggregateLogs}; one process, so there is no other session to defer to. */
  override async aggregateLogs(): Promise<void> {
    writes.foldLog(this.#store);
  }

  /** See {@link Queries.notifyHealthCheck}. */
  override async notifyHealthCheck(id: string): Promise<void> {
    const payload = serializeEvent({ type: "health_check_event", channel: this.channel, sentAt: this.#store.now(), id: checkQueueManagerId(id, "id") });
    this.#memory.deliver(this.channel, payload);
  }

  /** See {@link Queries.pauseEntrypoint}: no worker claims their jobs until resumed. */
  override async pauseEntrypoint(entrypoint: string | readonly string[]): Promise<void> {
    const now = this.#store.now();
    for (const name of checkEntrypointNames(entrypoint)) if (!this.#store.paused.has(name)) this.#store.paused.set(name, now);
  }

  /** See {@link Queries.resumeEntrypoint}: wakes idle workers when something was paused. */
  override async resumeEntrypoint(entrypoint: string | readonly string[]): Promise<string[]> {
    const resumed = checkEntrypointNames(entrypoint).filter((name) => this.#store.paused.delete(name));
    if (resumed.length > 0) {
      const table = this.settings.names.entrypointStateTable;
      const payload = serializeEvent({ type: "table_changed_event", channel: this.channel, sentAt: this.#store.now(), operation: "update", table });
      this.#memory.deliver(this.channel, payload);
    }
    return resumed;
  }

  /** See {@link Queries.listPausedEntrypoints}. */
  override async listPausedEntrypoints(): Promise<PausedEntrypoint[]> {
    return [...this.#store.paused.entries()]
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([name, pausedAt]) => ({ entrypoint: name, pausedAt }));
  }

  /** A no-op: the in-memory results table always exists. */
  override async verifyResultStorage(): Promise<void> {}

  /** Nothing to vacuum in memory. */
  override async maintenanceWarnings(): Promise<string[]> {
    return [];
  }

  /** Nothing to vacuum in memory. */
  override async vacuumQueueTables(): Promise<void> {}

  /** See {@link Queries.jobResults}. */
  override async jobResults(ids: readonly JobId[]): Promise<JobResultEntry[]> {
    const checked = checkJobIds(ids);
    return reads.jobStatusRows(this.#store, checked).map((row) => {
      const entry = rows.toJobStatusEntry(row);
      return { ...entry, result: this.#store.results.get(entry.id)?.result ?? null };
    });
  }

  /** See {@link Queries.prune}: the same validation and deletions, against the store's clock. */
  override async prune(options: PruneOptions): Promise<PruneResult> {
    const { olderThan } = checkPruneOptions(options);
    return pruneStore(this.#store, olderThan);
  }

  /** Always passes: the in-memory tables always exist (MEM-2). */
  override async verifyStructure(): Promise<void> {}

  /** A no-op (MEM-2). */
  override async install(_options: InstallOptions = {}): Promise<void> {}

  /** A no-op (MEM-2). */
  override async upgrade(): Promise<void> {}

  /** Empties every table (MEM-2). */
  override async uninstall(): Promise<void> {
    this.#store.clear();
  }

  /** Reports a complete schema with no catalog objects to list. */
  override async verify(): Promise<SchemaReport> {
    return { ok: true, objects: [], missing: [], unexpected: [], persistence: {}, enqueueFunction: false };
  }

  /** See {@link Queries.markJobAsCancelled}. */
  override async markJobAsCancelled(ids: readonly JobId[]): Promise<JobId[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    const payload = serializeEvent({ type: "cancellation_event", channel: this.channel, sentAt: this.#store.now(), ids: checked });
    return writes.cancelJobs(this.#target, checked, payload);
  }

  /** See {@link Queries.requeueJobs}. */
  override async requeueJobs(ids: readonly JobId[]): Promise<JobId[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    return writes.requeueHeld(this.#target, checked);
  }

  /** See {@link Queries.clearQueue}. */
  override async clearQueue(entrypoints?: string | readonly string[] | null): Promise<void> {
    writes.clearJobs(this.#target, checkEntrypointFilter(entrypoints));
  }

  /** See {@link Queries.clearQueueLog}. */
  override async clearQueueLog(entrypoints?: string | readonly string[] | null): Promise<void> {
    const names = checkEntrypointFilter(entrypoints);
    const store = this.#store;
    store.log = names === null ? [] : store.log.filter((row) => !names.includes(row.entrypoint));
  }

  /** See {@link Queries.clearStatisticsLog}. */
  override async clearStatisticsLog(entrypoints?: string | readonly string[] | null): Promise<void> {
    const names = checkEntrypointFilter(entrypoints);
    const store = this.#store;
    store.statistics = names === null ? [] : store.statistics.filter((row) => !names.includes(row.entrypoint));
  }

  /** See {@link Queries.queueSize}. */
  override async queueSize(): Promise<QueueStatistics[]> {
    return reads.queueSizeRows(this.#store).map(rows.toQueueStatistics);
  }

  /** See {@link Queries.jobStatus}. */
  override async jobStatus(ids: readonly JobId[]): Promise<JobStatusEntry[]> {
    const checked = checkJobIds(ids);
    return reads.jobStatusRows(this.#store, checked).map(rows.toJobStatusEntry);
  }

  /** See {@link Queries.queueLog}. */
  override async queueLog(): Promise<LogEntry[]> {
    return this.#store.log.map(rows.toLogEntry);
  }

  /** See {@link Queries.logStatistics}. */
  override async logStatistics(options: LogStatisticsOptions = {}): Promise<LogStatistics[]> {
    const limit = options.limit === undefined || options.limit === null ? null : checkCount(options.limit, "limit");
    const last = options.last === undefined || options.last === null ? null : checkMilliseconds(options.last, "last");
    writes.foldLog(this.#store);
    return reads.statisticsRows(this.#store, limit, last).map(rows.toLogStatistics);
  }

  /** See {@link Queries.listFailedJobs}. */
  override async listFailedJobs(options: ListFailedJobsOptions = {}): Promise<Job[]> {
    const limit = checkCount(options.limit ?? 100, "limit");
    const order = options.order ?? "DESC";
    if (order !== "ASC" && order !== "DESC") throw new InvalidArgumentError("order", `must be "ASC" or "DESC", got ${describe(order)}`);
    return reads.failedJobRows(this.#store, limit, order).map(rows.toJob);
  }

  /** See {@link Queries.queueJobById}. */
  override async queueJobById(id: JobId): Promise<Job | null> {
    const job = this.#store.jobs.get(checkJobId(id));
    return job === undefined ? null : rows.toJob(job);
  }

  /** See {@link Queries.jobLogHistory}. */
  override async jobLogHistory(id: JobId, options: { readonly limit?: number } = {}): Promise<LogEntry[]> {
    const checked = checkJobId(id);
    return reads.jobHistoryRows(this.#store, checked, checkCount(options.limit ?? 100, "limit")).map(rows.toLogEntry);
  }

  /** See {@link Queries.browseQueue}. */
  override async browseQueue(options: BrowseQueueOptions = {}): Promise<Job[]> {
    const page = {
      limit: checkCount(options.limit ?? 50, "limit"),
      offset: checkCount(options.offset ?? 0, "offset"),
      statuses: checkStatusFilter(options.statuses),
      entrypoints: checkEntrypointFilter(options.entrypoints),
    };
    return reads.browseRows(this.#store, page).map(rows.toJob);
  }

  /** See {@link Queries.throughputSummary}. */
  override async throughputSummary(options: { readonly last?: number | null } = {}): Promise<ThroughputStats[]> {
    const last = options.last === undefined || options.last === null ? null : checkMilliseconds(options.last, "last");
    writes.foldLog(this.#store);
    return reads.throughputSummaryRows(this.#store, last).map(rows.toThroughputStats);
  }

  /** See {@link Queries.throughputTimeseries}. */
  override async throughputTimeseries(options: WindowOptions = {}): Promise<ThroughputBucket[]> {
    const last = checkMilliseconds(options.last ?? HOUR, "last");
    writes.foldLog(this.#store);
    return reads.throughputTimeseriesRows(this.#store, last).map(rows.toThroughputBucket);
  }

  /** See {@link Queries.queueAge}. */
  override async queueAge(): Promise<QueueAgeStats[]> {
    return reads.queueAgeRows(this.#store).map(rows.toQueueAgeStats);
  }

  /** See {@link Queries.jobDurationPercentiles}. */
  override async jobDurationPercentiles(options: WindowOptions = {}): Promise<JobDurationStats[]> {
    const last = checkMilliseconds(options.last ?? HOUR, "last");
    return reads.durationRows(this.#store, last).map(rows.toJobDurationStats);
  }

  /** See {@link Queries.activeWorkers}. */
  override async activeWorkers(): Promise<ActiveWorker[]> {
    return reads.activeWorkerRows(this.#store).map(rows.toActiveWorker);
  }

  /** See {@link Queries.staleJobs}. */
  override async staleJobs(options: { readonly threshold?: number; readonly limit?: number } = {}): Promise<StaleJob[]> {
    const threshold = checkMilliseconds(options.threshold ?? FIVE_MINUTES, "threshold", true);
    return reads.staleJobRows(this.#store, threshold, checkCount(options.limit ?? 100, "limit")).map(rows.toStaleJob);
  }

  /** See {@link Queries.exceptionLogs}. */
  override async exceptionLogs(options: { readonly limit?: number } = {}): Promise<LogEntry[]> {
    return reads.exceptionRows(this.#store, checkCount(options.limit ?? 100, "limit")).map(rows.toLogEntry);
  }

  /**
   * The four tables with exact row counts, sorted by name. Nothing is durable, so every table
   * reports `UNLOGGED`; sizes are not measured (`0 bytes`).
   */
  override async schemaInfo(): Promise<TableInfo[]> {
    const bare = sqlNames(this.settings).bare;
    const store = this.#store;
    const counts: [string, number][] = [
      [bare.queueTable, store.jobs.size],
      [bare.queueTableLog, store.log.length],
      [bare.statisticsTable, store.statistics.length],
      [bare.schedulesTable, store.schedules.length],
    ];
    return counts
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([tableName, estimatedRows]) => ({ tableName, persistence: "UNLOGGED", estimatedRows, totalSize: "0 bytes", totalBytes: 0 }));
  }

  /** See {@link Queries.unaggregatedLogCount}. */
  override async unaggregatedLogCount(): Promise<number> {
    return this.#store.log.filter((row) => !row.aggregated).length;
  }
}

/** The same check as `Queries.pauseEntrypoint`'s: one name or a non-empty list of non-empty names. */
function checkEntrypointNames(entrypoint: unknown): string[] {
  const names = typeof entrypoint === "string" ? [entrypoint] : entrypoint;
  if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== "string" || name === "")) {
    throw new InvalidArgumentError("entrypoint", `must be a non-empty string or a non-empty list of them, got ${describe(entrypoint)}`);
  }
  for (const name of names as string[]) checkStoredText("entrypoint", name);
  return [...new Set(names as string[])];
}
