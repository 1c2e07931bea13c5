/**
 * The in-memory "database": the four PgQueuer tables as plain arrays and maps, owned by one
 * process. Rows keep the SQL column names (snake_case), so the row mappers of the persistence
 * adapter (`persistence/rows.ts`) read them exactly as they read driver rows.
 *
 * Nothing here is durable or shared between processes (CATALOGUE MEM-18): it is for unit tests
 * and local experiments.
 *
 * @module
 */
import type { JobHeaders, JobStatus, JsonValue } from "../../domain/types.js";
import { JOB_STATUSES } from "../../domain/types.js";

/** A row of the queue table, with the SQL column names (a type alias, so it is a driver `Row`). */
export type JobRow = {
  id: number;
  priority: number;
  created: Date;
  updated: Date;
  heartbeat: Date;
  execute_after: Date;
  status: JobStatus;
  entrypoint: string;
  payload: Buffer | null;
  headers: JobHeaders | null;
  attempts: number;
  dedupe_key: string | null;
  queue_manager_id: string | null;
};

/** A row of the log table. */
export type LogRow = {
  id: number;
  created: Date;
  job_id: number;
  status: JobStatus;
  priority: number;
  entrypoint: string;
  traceback: { readonly [key: string]: JsonValue } | null;
  aggregated: boolean;
};

/** A row of the statistics table (one per second, entrypoint, priority and status). */
export type StatisticsRow = {
  id: number;
  created: Date;
  count: number;
  priority: number;
  status: JobStatus;
  entrypoint: string;
};

/** A row of the schedules table. */
export type ScheduleRow = {
  id: number;
  expression: string;
  entrypoint: string;
  heartbeat: Date;
  created: Date;
  updated: Date;
  next_run: Date;
  last_run: Date | null;
  status: JobStatus;
};

/** A row of the results extension table: a job's stored return value. */
export type ResultRow = {
  job_id: number;
  entrypoint: string;
  status: string;
  result: JsonValue | null;
  created: Date;
};

/** Options of {@link InMemoryStore}. */
export interface InMemoryStoreOptions {
  /**
   * The clock, in epoch milliseconds; `Date.now` by default. Tests inject a controllable one
   * to make heartbeats stale or deferred jobs due without waiting.
   */
  readonly now?: () => number;
}

/** The tables and id sequences of one in-memory queue. */
export class InMemoryStore {
  /** Jobs by id; a Map keeps insertion order, which is id order. */
  readonly jobs = new Map<number, JobRow>();
  /** The job holding each active (`queued` or `picked`) dedupe key: the partial unique index. */
  readonly activeDedupeKeys = new Map<string, number>();
  log: LogRow[] = [];
  statistics: StatisticsRow[] = [];
  schedules: ScheduleRow[] = [];
  /** Paused entrypoints and when they were first paused (the entrypoint state table). */
  readonly paused = new Map<string, Date>();
  /** Stored job results by job id (the results extension table). */
  readonly results = new Map<number, ResultRow>();
  readonly #clock: () => number;
  #nextJobId = 1;
  #nextLogId = 1;
  #nextStatisticsId = 1;
  #nextScheduleId = 1;

  constructor(options: InMemoryStoreOptions = {}) {
    this.#clock = options.now ?? Date.now;
  }

  /** The current time of this store's clock (the in-memory `NOW()`). */
  now(): Date {
    return new Date(this.#clock());
  }

  /** Draw the next job id (a BIGSERIAL: ids are never reused, even after a clear). */
  nextJobId(): number {
    return this.#nextJobId++;
  }

  /** Draw the next schedule id. */
  nextScheduleId(): number {
    return this.#nextScheduleId++;
  }

  /** Append a log row. */
  appendLog(job: Pick<JobRow, "id" | "entrypoint" | "priority">, status: JobStatus, created: Date, traceback: LogRow["traceback"] = null): void {
    this.log.push({ id: this.#nextLogId++, created, job_id: job.id, status, priority: job.priority, entrypoint: job.entrypoint, traceback, aggregated: false });
  }

  /** Add a statistics row (an INSERT into the statistics table). */
  insertStatistics(row: Omit<StatisticsRow, "id">): void {
    this.statistics.push({ id: this.#nextStatisticsId++, ...row });
  }

  /** Store a job and index its dedupe key when it is active. */
  insertJob(job: JobRow): void {
    this.jobs.set(job.id, job);
    this.#indexKey(job);
  }

  /** Remove a job (and release its dedupe key). */
  deleteJob(job: JobRow): void {
    this.jobs.delete(job.id);
    this.#releaseKey(job);
  }

  /** Change a job's status, keeping the dedupe index in step with the partial index's predicate. */
  setStatus(job: JobRow, status: JobStatus): void {
    this.#releaseKey(job);
    job.status = status;
    this.#indexKey(job);
  }

  /** Remove every job (TRUNCATE). */
  clearJobs(): void {
    this.jobs.clear();
    this.activeDedupeKeys.clear();
  }

  /** Empty every table (uninstall, close). Sequences keep counting, as PostgreSQL's would after TRUNCATE. */
  clear(): void {
    this.clearJobs();
    this.log = [];
    this.statistics = [];
    this.schedules = [];
    this.paused.clear();
    this.results.clear();
  }

  #indexKey(job: JobRow): void {
    if (job.dedupe_key !== null && isActive(job.status)) this.activeDedupeKeys.set(job.dedupe_key, job.id);
  }

  #releaseKey(job: JobRow): void {
    if (job.dedupe_key !== null && this.activeDedupeKeys.get(job.dedupe_key) === job.id) this.activeDedupeKeys.delete(job.dedupe_key);
  }
}

/** Whether a status holds its dedupe key (the predicate of the partial unique index). */
export function isActive(status: JobStatus): boolean {
  return status === "queued" || status === "picked";
}

/** Position of a status in the database enum: `ORDER BY status` sorts by it, not by the label text. */
export function statusRank(status: JobStatus): number {
  return JOB_STATUSES.indexOf(status);
}

/** Byte-order text comparison (the `C` collation). */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** `priority DESC, id ASC`: the claim and browse order. */
export function byPriorityThenId(left: { priority: number; id: number }, right: { priority: number; id: number }): number {
  return right.priority - left.priority || left.id - right.id;
}
