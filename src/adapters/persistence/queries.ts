/**
 * `Queries`: the queue's operations over a {@link Driver}: enqueue, claim, outcome writes,
 * heartbeats, statistics, management and reads. It implements the runtime's
 * {@link QueueRepository} port; the SQL it runs lives in `src/sql/`.
 *
 * @module
 */
import { DatabaseError, DuplicateJobError, InvalidArgumentError } from "../../domain/errors.js";
import { describe } from "../../domain/durations.js";
import { serializeEvent } from "../../domain/events.js";
import type { JobHeaders, Job, JobId, OnConflict } from "../../domain/types.js";
import type { Settings } from "../../domain/settings.js";
import type { Driver } from "../../ports/driver.js";
import type { ClaimRequest, OutcomeRecord, QueueRepository, WorkProbe } from "../../ports/repository.js";
import { cancelStatement, clearQueueLogStatement, clearQueueStatement, requeueStatement } from "../../sql/queue-management.js";
import { recordOutcomesStatement } from "../../sql/queue-outcomes.js";
import { claimStatement, entrypointTryLockStatement, type ClaimArguments, type ClaimEntrypoint } from "../../sql/claim.js";
import type { SqlStatement } from "../../sql/statement.js";
import { dedupeIndexName, enqueueStatement, heartbeatStatement, probeStatement, type EnqueueRecord } from "../../sql/queue.js";
import { aggregateStatement, clearStatisticsStatement } from "../../sql/statistics.js";
import { listPausedStatement, pauseStatement, resumeStatement } from "../../sql/entrypoint-state.js";
import { withExtensionTable } from "./extensions.js";
import { pruneBatchStatement, type PrunedTable } from "../../sql/retention.js";
import { jobResultsStatement } from "../../sql/results.js";
import { jobStatusStatement } from "../../sql/queue-management.js";
import type { JobResultEntry } from "../../domain/insights.js";
import { missingExtensionError } from "./extensions.js";
import { checkClaimRequest, checkEntrypointFilter, checkStoredText, checkJobIds, checkOutcomes, checkPruneOptions, checkQueueManagerId } from "./arguments.js";
import { checkOnConflict, normalizeBatch, normalizeJob, type EnqueueJob, type JobPayload } from "./enqueue-input.js";
import { QueueReads } from "./queue-reads.js";
import { SchemaManager, type InstallOptions, type SchemaReport } from "./schema-manager.js";
import { toJob } from "./rows.js";
import { buildVacuumStatement } from "../../sql/schema/maintenance.js";

/** Options of {@link Queries.enqueue}. */
export interface EnqueueOptions {
  /** Higher runs first; a 32-bit integer, default 0. */
  readonly priority?: number;
  /** Delay in milliseconds (negative means now) or an absolute `Date`; default now. */
  readonly executeAfter?: number | Date | null;
  /** At most one `queued` or `picked` job may hold a given key. */
  readonly dedupeKey?: string | null;
  /** A JSON object stored with the job. */
  readonly headers?: JobHeaders | null;
  /** On an active dedupe key: throw {@link DuplicateJobError} (`raise`, default) or return null (`skip`). */
  readonly onConflict?: OnConflict;
  /**
   * Run on this connection instead, typically the driver of the caller's open transaction, so
   * the job commits or rolls back with the caller's own writes (transactional enqueue).
   */
  readonly connection?: Driver;
}

/** Options of {@link Queries.enqueueMany}. */
export interface EnqueueManyOptions {
  /** On an active (or repeated) dedupe key: fail the whole call (`raise`, default) or null that job (`skip`). */
  readonly onConflict?: OnConflict;
  /** See {@link EnqueueOptions.connection}. */
  readonly connection?: Driver;
}

export type { EnqueueJob, JobPayload };

/** Options of {@link Queries.prune}. */
export interface PruneOptions {
  /** Delete rows created more than this many milliseconds ago (finite, >= 0). */
  readonly olderThan: number;
  /** Rows per DELETE statement (default 1000): each batch is its own short statement. */
  readonly batchSize?: number;
}

/** Rows deleted by {@link Queries.prune}, per table. */
export interface PruneResult {
  readonly log: number;
  readonly statistics: number;
  /** 0 when the results extension table does not exist. */
  readonly results: number;
}

/** A paused entrypoint, as {@link Queries.listPausedEntrypoints} returns it. */
export interface PausedEntrypoint {
  readonly entrypoint: string;
  /** When it was paused. */
  readonly pausedAt: Date;
}

/**
 * Wraps every enqueue: receives the jobs' entrypoints and headers, and must call `insert` with
 * the headers to store (tracing puts its context there, under `otel`) and return its result.
 */
export type EnqueueInterceptor = <T>(
  jobs: readonly { readonly entrypoint: string; readonly headers: JobHeaders | null }[],
  insert: (headers: readonly (JobHeaders | null)[]) => Promise<T>,
) => Promise<T>;

/** Options of the {@link Queries} constructor. */
export interface QueriesOptions {
  /** See {@link EnqueueInterceptor}; the facade installs the OpenTelemetry producer span here. */
  readonly enqueueInterceptor?: EnqueueInterceptor;
  /** Refuse payloads larger than this many bytes (a positive integer; default null, no limit). */
  readonly maxPayloadSize?: number | null;
}

/** Thrown inside {@link Queries.warmUp}'s transactions so that they roll back. */
class WarmUpRollback {}

/** The claim for these arguments, with the variant flags `Queries.dequeue` derives from them. */
function claimVariantStatement(settings: Settings, args: ClaimArguments, pauseFilter: boolean): SqlStatement {
  return claimStatement(settings, args, { pauseFilter, rateLimit: args.entrypoints.some((entrypoint) => (entrypoint.rateCount ?? 0) > 0) });
}

/** The queue's operations. Construct one per database and settings; it holds no connection state. */
export class Queries extends QueueReads implements QueueRepository {
  readonly #enqueueInterceptor: EnqueueInterceptor | undefined;
  /** Whether the extension state table exists; detected once, again at each worker start. */
  #stateTable: Promise<boolean> | undefined;
  /** Whether the results extension table exists; detected like {@link #stateTable}. */
  #resultsTable: Promise<boolean> | undefined;

  /**
   * @param driver the connection port.
   * @param settings resolved settings; by default from the `PGQUEUER_*` environment.
   * @param options an enqueue interceptor (tracing).
   */
  readonly #maxPayloadSize: number | null;

  constructor(driver: Driver, settings?: Settings, options: QueriesOptions = {}) {
    super(driver, settings);
    this.#enqueueInterceptor = options.enqueueInterceptor;
    const max = options.maxPayloadSize ?? null;
    if (max !== null && (typeof max !== "number" || !Number.isSafeInteger(max) || max < 1)) {
      throw new InvalidArgumentError("maxPayloadSize", `must be a positive integer number of bytes or null, got ${describe(max)}`);
    }
    this.#maxPayloadSize = max;
  }

  /** Refuse oversized payloads before any SQL runs. */
  #checkPayloadSizes(records: readonly EnqueueRecord[], path: (index: number) => string): void {
    const max = this.#maxPayloadSize;
    if (max === null) return;
    records.forEach((record, index) => {
      const size = record.payload === null ? 0 : Buffer.byteLength(record.payload, "base64");
      if (size > max) throw new InvalidArgumentError(path(index), `is ${size} bytes, which exceeds maxPayloadSize ${max}`);
    });
  }

  /** The NOTIFY channel of this queue. */
  get channel(): string {
    return this.settings.names.channel;
  }

  /**
   * Enqueue one job and its `queued` log row; resolves to its id (ENQ-1). With
   * `onConflict: "skip"` resolves to null when an active job holds the dedupe key.
   * @throws InvalidArgumentError naming the bad field, before any SQL.
   * @throws DuplicateJobError when the dedupe key is active and `onConflict` is `raise`.
   */
  enqueue(entrypoint: string, payload?: JobPayload, options?: EnqueueOptions & { readonly onConflict?: "raise" }): Promise<JobId>;
  enqueue(entrypoint: string, payload: JobPayload | undefined, options: EnqueueOptions & { readonly onConflict: "skip" }): Promise<JobId | null>;
  enqueue(entrypoint: string, payload?: JobPayload, options?: EnqueueOptions): Promise<JobId | null>;
  async enqueue(entrypoint: string, payload: JobPayload = null, options: EnqueueOptions = {}): Promise<JobId | null> {
    checkOptions(options);
    const record = normalizeJob(
      { entrypoint, payload, priority: options.priority, executeAfter: options.executeAfter, dedupeKey: options.dedupeKey, headers: options.headers },
      (field) => field,
    );
    this.#checkPayloadSizes([record], () => "payload");
    const [id] = await this.#insert([record], checkOnConflict(options.onConflict), options.connection);
    return id ?? null;
  }

  /**
   * Enqueue a batch in ONE statement (jobs and their `queued` log rows), atomically. Resolves
   * to the ids in input order; under `skip`, null where the job was dropped for an active
   * dedupe key (or a key repeated earlier in the same batch: the first occurrence wins).
   * @throws InvalidArgumentError naming the bad field and index (`jobs[3].priority`), before any SQL.
   * @throws DuplicateJobError (nothing inserted) on a dedupe conflict under `raise`.
   */
  enqueueMany(jobs: readonly EnqueueJob[], options?: EnqueueManyOptions & { readonly onConflict?: "raise" }): Promise<JobId[]>;
  enqueueMany(jobs: readonly EnqueueJob[], options: EnqueueManyOptions & { readonly onConflict: "skip" }): Promise<(JobId | null)[]>;
  enqueueMany(jobs: readonly EnqueueJob[], options?: EnqueueManyOptions): Promise<(JobId | null)[]>;
  async enqueueMany(jobs: readonly EnqueueJob[], options: EnqueueManyOptions = {}): Promise<(JobId | null)[]> {
    checkOptions(options);
    const records = normalizeBatch(jobs);
    this.#checkPayloadSizes(records, (index) => `jobs[${index}].payload`);
    return this.#insert(records, checkOnConflict(options.onConflict), options.connection);
  }

  async #insert(records: readonly EnqueueRecord[], onConflict: OnConflict, connection: Driver | undefined): Promise<(JobId | null)[]> {
    const intercept = this.#enqueueInterceptor;
    if (!intercept) return this.#insertRecords(records, onConflict, connection);
    return intercept(
      records.map((record) => ({ entrypoint: record.entrypoint, headers: record.headers })),
      (headers) => this.#insertRecords(records.map((record, index) => ({ ...record, headers: headers[index] ?? null })), onConflict, connection),
    );
  }

  async #insertRecords(records: readonly EnqueueRecord[], onConflict: OnConflict, connection: Driver | undefined): Promise<(JobId | null)[]> {
    const target = connection ?? this.driver;
    try {
      const result = await target.query<{ id: number | null }>(enqueueStatement(this.settings, records, onConflict));
      return result.map((row) => (row.id === null ? null : Number(row.id)));
    } catch (error) {
      // Only the dedupe index's unique violation is a DuplicateJobError; anything else
      // propagates unchanged (ERR-26).
      if (error instanceof DatabaseError && error.code === "23505" && error.constraint === dedupeIndexName(this.settings)) {
        throw new DuplicateJobError(
          records.map((record) => record.dedupeKey),
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Claim up to `batchSize` jobs (CATALOGUE §5.1). Requests naming only unlimited entrypoints
   * run one statement (one round trip, the hot path). When some entrypoint has a concurrency
   * limit, the claim runs in a transaction after taking an advisory lock per limited
   * entrypoint: a claim counts owned rows in its snapshot, and without the lock two concurrent
   * claims would each see the same free slot and overshoot the limit together (PgQueuer issue
   * #761). With it, claims of one entrypoint run one after the other, each seeing the last. A
   * lock held by another claim is not waited for: this claim leaves that entrypoint out (see
   * `entrypointTryLockStatement`), so it can come back with fewer jobs than are eligible.
   */
  async dequeue(request: ClaimRequest): Promise<Job[]> {
    const args = checkClaimRequest(request);
    if (args.entrypoints.length === 0) return [];
    const pauseFilter = await this.#hasStateTable();
    // Rate limits count picks in the claim's snapshot too: they need the same serialization.
    const isLimited = (entrypoint: ClaimEntrypoint): boolean => entrypoint.limit > 0 || (entrypoint.rateCount ?? 0) > 0;
    const limited = args.entrypoints.filter(isLimited).map((entrypoint) => entrypoint.name);
    const claimOf = (entrypoints: readonly ClaimEntrypoint[]): SqlStatement => claimVariantStatement(this.settings, { ...args, entrypoints }, pauseFilter);
    const found =
      limited.length === 0
        ? await this.driver.query(claimOf(args.entrypoints))
        : await this.driver.transaction(async (tx) => {
            const locked = new Set((await tx.query(entrypointTryLockStatement(this.settings, limited))).map((row) => String(row.name)));
            // Limited entrypoints another claim is serving right now are left to it this time.
            const claimable = args.entrypoints.filter((entrypoint) => !isLimited(entrypoint) || locked.has(entrypoint.name));
            return claimable.length === 0 ? [] : tx.query(claimOf(claimable));
          });
    return found.map(toJob);
  }

  /**
   * Prepare `connections` connections for a worker's hot path: on each, in a transaction
   * that is rolled back, run the claim this request will send (with room for no job) and an
   * outcome write for no job. A connection's first statements on the queue tables load their
   * catalog entries and prepare the named claim, several milliseconds that would otherwise
   * delay the first jobs after a worker starts. Nothing is claimed, logged or notified: the
   * rollback discards the trigger's NOTIFY with the rest.
   */
  async warmUp(request: ClaimRequest, connections: number): Promise<void> {
    const args = checkClaimRequest(request);
    if (args.entrypoints.length === 0 || !(Number.isInteger(connections) && connections > 0)) return;
    const owner = checkQueueManagerId(args.queueManagerId);
    const claim = claimVariantStatement(this.settings, { ...args, batchSize: 0, includeStale: false }, await this.#hasStateTable());
    const outcomes = recordOutcomesStatement(this.settings, owner, []);
    const rollBack = new WarmUpRollback();
    const warmOne = (): Promise<void> =>
      this.driver
        .transaction(async (tx) => {
          await tx.query(claim);
          await tx.query(outcomes);
          throw rollBack;
        })
        .catch((error: unknown) => {
          if (error !== rollBack) throw error;
        });
    // At once, so that each transaction holds a connection of its own.
    await Promise.all(Array.from({ length: connections }, warmOne));
  }

  /**
   * Write the outcomes of jobs owned by `queueManagerId` in ONE statement, guarded by owner and
   * status: jobs canceled meanwhile or re-picked by another worker are left alone and get no
   * log row (LIFE-4). Jobs put back to `queued` and eligible at once (retry without delay,
   * release) also send a table-changed event so idle workers wake (see sql/queue-outcomes.ts).
   */
  async recordOutcomes(queueManagerId: string, outcomes: readonly OutcomeRecord[]): Promise<void> {
    const owner = checkQueueManagerId(queueManagerId);
    const writes = checkOutcomes(outcomes);
    if (writes.length === 0) return;
    // Results are written only when the table exists (a PgQueuer-only database has none;
    // workers that store results refuse to start there, see verifyResultStorage).
    const storeResults = writes.some((write) => write.result !== undefined) && (await this.#hasResultsTable());
    await this.driver.query(recordOutcomesStatement(this.settings, owner, writes, { storeResults }));
  }

  /** Refresh the heartbeat of the jobs still `picked` by `queueManagerId` (no NOTIFY). */
  async updateHeartbeat(queueManagerId: string, jobIds: readonly JobId[]): Promise<void> {
    const owner = checkQueueManagerId(queueManagerId);
    const ids = checkJobIds(jobIds, "jobIds");
    if (ids.length === 0) return;
    await this.driver.execute(heartbeatStatement(this.settings, owner, ids));
  }

  /** Whether queued work of these entrypoints is eligible now, and ms until the nearest deferred job (DEQ-24..26). */
  async probeWork(entrypoints: readonly string[]): Promise<WorkProbe> {
    const names = checkEntrypointFilter(entrypoints) ?? [];
    if (names.length === 0) return { eligible: false, nextEligibleIn: null };
    const [row] = await this.driver.query<{ eligible: boolean; next_eligible_in: number | null }>(probeStatement(this.settings, names, await this.#hasStateTable()));
    const next = row?.next_eligible_in;
    return { eligible: row?.eligible === true, nextEligibleIn: next === null || next === undefined ? null : Math.max(0, Number(next)) };
  }

  /** Fold un-aggregated log rows into statistics; a no-op while another session does it (STAT-1, STAT-4). */
  async aggregateLogs(): Promise<void> {
    await this.driver.execute(aggregateStatement(this.settings, "try"));
  }

  /** Send a `health_check_event` carrying `id` on the channel (SQL-13). */
  async notifyHealthCheck(id: string): Promise<void> {
    const payload = serializeEvent({ type: "health_check_event", channel: this.channel, sentAt: new Date(), id: checkQueueManagerId(id, "id") });
    await this.driver.notify({ channel: this.channel, payload });
  }

  /** Throw a SchemaError naming what is missing (and the command to run) when the schema is incomplete (ERR-12..16). */
  async verifyStructure(): Promise<void> {
    await this.schema.verifyStructure();
    // A worker decides here whether its claims honour paused entrypoints: a PgQueuer-only
    // database has no state table, and then the plain claim runs.
    const tables = this.schema.extensionTables();
    this.#stateTable = tables.then((found) => found.entrypointStateTable);
    this.#resultsTable = tables.then((found) => found.resultsTable);
    await tables;
  }

  /** Autovacuum off for the server or for the queue or log table; see {@link QueueRepository.maintenanceWarnings}. */
  maintenanceWarnings(): Promise<string[]> {
    return this.schema.autovacuumWarnings();
  }

  /** VACUUM (ANALYZE) of the queue, log and statistics tables; see {@link QueueRepository.vacuumQueueTables}. */
  async vacuumQueueTables(): Promise<void> {
    await this.driver.execute({ text: buildVacuumStatement(this.settings) });
  }

  /** Throw a SchemaError (run `pgq upgrade`) when the results table is missing; see {@link QueueRepository.verifyResultStorage}. */
  async verifyResultStorage(): Promise<void> {
    if (!(await this.#hasResultsTable())) throw missingExtensionError(this.settings, "resultsTable", "storing job results (storeResult)");
  }

  /**
   * The latest status of each job that has a log row, with its stored result (null when the
   * job stored none, or the results table does not exist), in one statement, by id.
   * Results expire with `prune`.
   */
  async jobResults(ids: readonly JobId[]): Promise<JobResultEntry[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    if (!(await this.#hasResultsTable())) {
      const statuses = await this.driver.query<{ job_id: number; status: JobResultEntry["status"] }>(jobStatusStatement(this.settings, checked));
      return statuses.map((row) => ({ id: Number(row.job_id), status: row.status, result: null }));
    }
    const rows = await this.driver.query<{ job_id: number; status: JobResultEntry["status"]; result: JobResultEntry["result"] | undefined }>(jobResultsStatement(this.settings, checked));
    return rows.map((row) => ({ id: Number(row.job_id), status: row.status, result: row.result ?? null }));
  }

  #hasResultsTable(): Promise<boolean> {
    this.#resultsTable ??= this.schema.extensionTables().then(
      (tables) => tables.resultsTable,
      (error: unknown) => {
        this.#resultsTable = undefined;
        throw error;
      },
    );
    return this.#resultsTable;
  }

  #hasStateTable(): Promise<boolean> {
    this.#stateTable ??= this.schema.extensionTables().then(
      (tables) => tables.entrypointStateTable,
      (error: unknown) => {
        this.#stateTable = undefined;
        throw error;
      },
    );
    return this.#stateTable;
  }

  /**
   * Pause entrypoints for every worker, durably (a row in the extension state table): no
   * worker claims their jobs until {@link resumeEntrypoint}. Running jobs finish; enqueueing
   * still works. Idempotent. A worker notices on its next claim.
   * @throws InvalidArgumentError for an empty name, before any SQL.
   * @throws SchemaError when the state table is missing (run `pgq upgrade`).
   */
  async pauseEntrypoint(entrypoint: string | readonly string[]): Promise<void> {
    const names = checkEntrypointNames(entrypoint);
    await withExtensionTable(this.settings, "entrypointStateTable", "pausing an entrypoint", () => this.driver.query(pauseStatement(this.settings, names)));
  }

  /**
   * Resume paused entrypoints and wake idle workers (a table-changed event on the channel).
   * Resolves to the names that were paused.
   * @throws InvalidArgumentError for an empty name, before any SQL.
   * @throws SchemaError when the state table is missing (run `pgq upgrade`).
   */
  async resumeEntrypoint(entrypoint: string | readonly string[]): Promise<string[]> {
    const names = checkEntrypointNames(entrypoint);
    const rows = await withExtensionTable(this.settings, "entrypointStateTable", "resuming an entrypoint", () =>
      this.driver.query<{ entrypoint: string }>(resumeStatement(this.settings, names)),
    );
    if (rows.length > 0) {
      const payload = serializeEvent({ type: "table_changed_event", channel: this.channel, sentAt: new Date(), operation: "update", table: this.settings.names.entrypointStateTable });
      await this.driver.notify({ channel: this.channel, payload });
    }
    return rows.map((row) => row.entrypoint);
  }

  /**
   * Retention: delete log rows (already folded into statistics), statistics rows and stored
   * results created more than `olderThan` ms ago, `batchSize` rows per statement until none
   * is left, so no statement holds many row locks for long. Un-aggregated log rows are folded
   * first. Resolves to the counts deleted. Keep `olderThan` above the longest rate-limit window.
   * @throws InvalidArgumentError for a bad option, before any SQL.
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    const { olderThan, batchSize } = checkPruneOptions(options);
    await this.driver.execute(aggregateStatement(this.settings, "none"));
    const hasResults = (await this.schema.extensionTables()).resultsTable;
    const pruneTable = async (table: PrunedTable): Promise<number> => {
      let total = 0;
      for (;;) {
        const [row] = await this.driver.query<{ deleted: number }>(pruneBatchStatement(this.settings, table, olderThan, batchSize));
        const deleted = Number(row?.deleted ?? 0);
        total += deleted;
        if (deleted < batchSize) return total;
      }
    };
    return { log: await pruneTable("log"), statistics: await pruneTable("statistics"), results: hasResults ? await pruneTable("results") : 0 };
  }

  /**
   * The paused entrypoints, by name.
   * @throws SchemaError when the state table is missing (run `pgq upgrade`).
   */
  async listPausedEntrypoints(): Promise<PausedEntrypoint[]> {
    const rows = await withExtensionTable(this.settings, "entrypointStateTable", "listing paused entrypoints", () =>
      this.driver.query<{ entrypoint: string; paused_at: Date | string }>(listPausedStatement(this.settings)),
    );
    return rows.map((row) => ({ entrypoint: row.entrypoint, pausedAt: new Date(row.paused_at) }));
  }

  /** The schema manager for these settings (install, upgrade, verify, durability, autovac). */
  get schema(): SchemaManager {
    return new SchemaManager(this.driver, this.settings);
  }

  /** Create every table, index, type, function and trigger (one transaction); `pgq install`. */
  async install(options: InstallOptions = {}): Promise<void> {
    await this.schema.install(options);
  }

  /** Bring an older PgQueuer schema up to date; idempotent; `pgq upgrade`. */
  async upgrade(): Promise<void> {
    await this.schema.upgrade();
  }

  /** Drop every object (never fails when nothing is installed); `pgq uninstall`. */
  async uninstall(): Promise<void> {
    await this.schema.uninstall();
  }

  /** Report which expected objects are present or missing; `pgq verify`. */
  async verify(): Promise<SchemaReport> {
    return this.schema.verify();
  }

  /**
   * Cancel jobs (CAN-1): delete every listed row still in the queue (queued, picked or held),
   * log `canceled` for each, and send ONE `cancellation_event` with all ids, delivered at
   * commit with the deletions. Workers running one of them abort its signal. Resolves to the
   * ids actually removed.
   */
  async markJobAsCancelled(ids: readonly JobId[]): Promise<JobId[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    const payload = serializeEvent({ type: "cancellation_event", channel: this.channel, sentAt: new Date(), ids: checked });
    const [row] = await this.driver.query<{ ids: JobId[] }>(cancelStatement(this.settings, checked, payload));
    return row?.ids ?? [];
  }

  /**
   * Put held (`failed`) jobs back in the queue, eligible now, with attempts reset to 0 (HOLD-7,
   * HOLD-8); other ids are ignored. Logs `queued` and wakes idle workers. Resolves to the ids
   * requeued. A held job whose dedupe key was taken meanwhile fails the call with the database's
   * unique violation (HOLD-12).
   */
  async requeueJobs(ids: readonly JobId[]): Promise<JobId[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    const [row] = await this.driver.query<{ ids: JobId[] }>(requeueStatement(this.settings, checked));
    return row?.ids ?? [];
  }

  /**
   * Delete the jobs (any status) of the given entrypoints, logging each as `deleted`; without
   * entrypoints, TRUNCATE the queue table (no log rows) (LIFE-12).
   */
  async clearQueue(entrypoints?: string | readonly string[] | null): Promise<void> {
    await this.driver.execute(clearQueueStatement(this.settings, checkEntrypointFilter(entrypoints)));
  }

  /** Delete the log rows of the given entrypoints; without entrypoints, TRUNCATE the log (LIFE-13). */
  async clearQueueLog(entrypoints?: string | readonly string[] | null): Promise<void> {
    await this.driver.execute(clearQueueLogStatement(this.settings, checkEntrypointFilter(entrypoints)));
  }

  /** Delete the statistics of the given entrypoints; without entrypoints, TRUNCATE them (LIFE-13). */
  async clearStatisticsLog(entrypoints?: string | readonly string[] | null): Promise<void> {
    await this.driver.execute(clearStatisticsStatement(this.settings, checkEntrypointFilter(entrypoints)));
  }
}

function checkOptions(options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError("options", `must be an object, got ${describe(options)}`);
  }
  const connection = (options as { connection?: unknown }).connection;
  if (connection !== undefined && (typeof connection !== "object" || connection === null || typeof (connection as Driver).query !== "function")) {
    throw new InvalidArgumentError("connection", `must be a Driver (e.g. the transaction's driver), got ${describe(connection)}`);
  }
}

/** One name or a non-empty list of non-empty names. */
function checkEntrypointNames(entrypoint: unknown): string[] {
  const names = typeof entrypoint === "string" ? [entrypoint] : entrypoint;
  if (!Array.isArray(names) || names.length === 0 || names.some((name) => typeof name !== "string" || name === "")) {
    throw new InvalidArgumentError("entrypoint", `must be a non-empty string or a non-empty list of them, got ${describe(entrypoint)}`);
  }
  for (const name of names as string[]) checkStoredText("entrypoint", name);
  return [...new Set(names as string[])];
}
