/**
 * The insights and management service behind the dashboard and the MCP server (CATALOGUE
 * §30): each method gathers what one screen (or one tool) shows from the shared reads of
 * {@link Queries}, {@link ScheduleQueries} and {@link SchemaManager}, plus the few statements
 * of sql/dashboard.ts. Windows are clamped to [1 s, 24 h] (INS-1).
 *
 * Reads that fold the log into statistics first (`throughputSummary`, `throughputTimeseries`)
 * run one after the other, never concurrently: two folds updating the same log rows at the same
 * time would only wait on each other's row locks.
 *
 * @module
 */
import type { Queries } from "../adapters/persistence/queries.js";
import { toLogEntry, tracebackFromJson } from "../adapters/persistence/rows.js";
import type { ScheduleQueries } from "../adapters/persistence/schedule-queries.js";
import type { SchemaManager, SchemaReport } from "../adapters/persistence/schema-manager.js";
import { checkCount, checkJobId, checkJobIds } from "../adapters/persistence/arguments.js";
import type { ActiveWorker, StaleJob, TableInfo, ThroughputBucket, ThroughputStats } from "../domain/insights.js";
import { INT32_MAX } from "../domain/durations.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Settings } from "../domain/settings.js";
import type { Durability, Job, JobId, JobStatus, LogEntry, QueueStatistics, Schedule, TracebackRecord } from "../domain/types.js";
import type { Driver } from "../ports/driver.js";
import { sqlNames } from "../sql/identifiers.js";
import { dashboardHealthStatement, deleteHeldJobsStatement, latestTracebacksStatement, recentLogStatement } from "../sql/dashboard.js";
import { unloggedTables } from "../sql/schema.js";
import { foldThroughput } from "./series.js";

/** One hour in milliseconds: the default window. */
export const HOUR = 3_600_000;
/** The longest window any insight covers. */
export const DAY = 24 * HOUR;
/** Slots of an entrypoint's sparkline. */
export const SPARKLINE_SLOTS = 30;

/** A window in milliseconds, defaulting to one hour and clamped to [1 s, 24 h] (INS-1). */
export function clampWindow(window: number | null | undefined): number {
  if (window === null || window === undefined || Number.isNaN(window)) return HOUR;
  return Math.min(DAY, Math.max(1_000, window));
}

/** What the service reads from. */
export interface InsightSources {
  readonly queries: Queries;
  readonly scheduleQueries: ScheduleQueries;
  /** Lets the system screen report missing objects and needed upgrades; optional. */
  readonly schemaManager?: SchemaManager;
  /** The driver the queries run on (for the dashboard's own statements). */
  readonly driver: Driver;
}

/** Job counts of one entrypoint, by queue-table status. */
export interface EntrypointCounts {
  readonly entrypoint: string;
  readonly queued: number;
  readonly picked: number;
  /** Held (`failed`) jobs. */
  readonly failed: number;
}

/** One row of the overview's backlog table. */
export interface BacklogRow extends EntrypointCounts {
  /** Age of the oldest queued job (ms), null when none is queued. */
  readonly oldestAge: number | null;
  /** Mean age of the queued jobs (ms), null when none is queued. */
  readonly averageAge: number | null;
}

/** The overview screen (INS-2). */
export interface Overview {
  readonly queued: number;
  readonly picked: number;
  readonly failed: number;
  readonly activeWorkers: number;
  /** Age of the oldest queued job over every entrypoint (ms), null when nothing is queued. */
  readonly oldestQueuedAge: number | null;
  /** `exception` outcomes within the window. */
  readonly exceptionsRecent: number;
  readonly backlog: readonly BacklogRow[];
  /** Per-minute outcome counts within the window, oldest first. */
  readonly throughput: readonly ThroughputBucket[];
  readonly window: number;
  readonly databaseTime: Date;
}

/** One row of the entrypoints screen (INS-3). */
export interface EntrypointStats extends EntrypointCounts {
  readonly oldestAge: number | null;
  /** Jobs finished within the window (pick-to-finish pairs measured). */
  readonly completed: number;
  /** Durations in ms, null when nothing finished in the window. */
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** (exception + failed) / every outcome, null when nothing finished. */
  readonly failureRate: number | null;
  /** Outcome counts in {@link SPARKLINE_SLOTS} slots over the window, oldest first. */
  readonly sparkline: readonly number[];
}

/** Which jobs the jobs screen lists. */
export type JobsStatusFilter = "active" | "queued" | "picked" | "failed";

/** A page of the jobs screen. */
export interface JobsPage {
  readonly jobs: readonly Job[];
  readonly page: number;
  readonly pageSize: number;
  readonly hasMore: boolean;
  /** Every entrypoint with jobs in the queue table (for the filter). */
  readonly entrypoints: readonly string[];
}

/** A job and its log history; `job` is null once it left the queue table. */
export interface JobDetail {
  readonly job: Job | null;
  readonly history: readonly LogEntry[];
}

/** A page of held jobs with the error that held each, and the newest exceptions. */
export interface FailuresPage {
  readonly jobs: readonly Job[];
  readonly tracebacks: ReadonlyMap<JobId, TracebackRecord>;
  readonly page: number;
  readonly pageSize: number;
  readonly hasMore: boolean;
  readonly exceptions: readonly LogEntry[];
}

/** The workers screen. */
export interface WorkersView {
  readonly workers: readonly ActiveWorker[];
  readonly staleJobs: readonly StaleJob[];
  /** The staleness threshold used (ms). */
  readonly staleAfter: number;
}

/** The durability the tables' persistence amounts to. */
export type DurabilityState = Durability | "mixed" | "not installed";

/** The system screen. */
export interface SystemView {
  readonly tables: readonly TableInfo[];
  readonly durability: DurabilityState;
  readonly unaggregatedLogs: number;
  /** The schema verification, when a {@link SchemaManager} was given. */
  readonly report: SchemaReport | null;
  readonly settings: Settings;
  readonly databaseTime: Date;
}

/** Reads and actions for the dashboard and the MCP server. */
export class DashboardInsights {
  readonly #sources: InsightSources;

  constructor(sources: InsightSources) {
    this.#sources = sources;
  }

  /** The settings of the queue being shown. */
  get settings(): Settings {
    return this.#sources.queries.settings;
  }

  /** The database's clock; fails when the database or the queue table is unreachable. */
  async health(): Promise<{ readonly databaseTime: Date }> {
    const [row] = await this.#sources.driver.query<{ database_time: Date }>(dashboardHealthStatement(this.settings));
    return { databaseTime: row?.database_time instanceof Date ? row.database_time : new Date() };
  }

  /** Totals, backlog and throughput over `window` (default 1 h). */
  async overview(window?: number | null): Promise<Overview> {
    const last = clampWindow(window);
    const { queries } = this.#sources;
    const [sizes, ages, workers, { databaseTime }] = await Promise.all([queries.queueSize(), queries.queueAge(), queries.activeWorkers(), this.health()]);
    const summary = await queries.throughputSummary({ last });
    const throughput = await queries.throughputTimeseries({ last });
    const counts = countsByEntrypoint(sizes);
    const ageOf = new Map(ages.map((age) => [age.entrypoint, age]));
    const backlog = counts
      .filter((row) => row.queued + row.picked > 0)
      .map((row) => ({ ...row, oldestAge: ageOf.get(row.entrypoint)?.oldestAge ?? null, averageAge: ageOf.get(row.entrypoint)?.averageAge ?? null }))
      .sort((a, b) => b.queued - a.queued || a.entrypoint.localeCompare(b.entrypoint));
    return {
      queued: sum(counts, "queued"),
      picked: sum(counts, "picked"),
      failed: sum(counts, "failed"),
      activeWorkers: workers.length,
      oldestQueuedAge: ages.length === 0 ? null : Math.max(...ages.map((age) => age.oldestAge)),
      exceptionsRecent: summary.filter((row) => row.status === "exception").reduce((total, row) => total + row.totalCount, 0),
      backlog,
      throughput,
      window: last,
      databaseTime,
    };
  }

  /** Per-entrypoint counts, duration percentiles, failure rate and sparkline over `window`. */
  async entrypointStats(window?: number | null): Promise<EntrypointStats[]> {
    const last = clampWindow(window);
    const { queries } = this.#sources;
    const [sizes, ages, durations, { databaseTime }] = await Promise.all([
      queries.queueSize(),
      queries.queueAge(),
      queries.jobDurationPercentiles({ last }),
      this.health(),
    ]);
    const summary = await queries.throughputSummary({ last });
    const series = await queries.throughputTimeseries({ last });
    const counts = new Map(countsByEntrypoint(sizes).map((row) => [row.entrypoint, row]));
    const ageOf = new Map(ages.map((age) => [age.entrypoint, age.oldestAge]));
    const durationOf = new Map(durations.map((row) => [row.entrypoint, row]));
    const names = new Set([...counts.keys(), ...ageOf.keys(), ...durationOf.keys(), ...summary.map((row) => row.entrypoint)]);
    return [...names].sort().map((entrypoint) => {
      const duration = durationOf.get(entrypoint);
      const slots = foldThroughput(series, { end: databaseTime, window: last, slots: SPARKLINE_SLOTS, entrypoint });
      return {
        entrypoint,
        queued: counts.get(entrypoint)?.queued ?? 0,
        picked: counts.get(entrypoint)?.picked ?? 0,
        failed: counts.get(entrypoint)?.failed ?? 0,
        oldestAge: ageOf.get(entrypoint) ?? null,
        completed: duration?.completed ?? 0,
        p50: duration?.p50 ?? null,
        p95: duration?.p95 ?? null,
        p99: duration?.p99 ?? null,
        failureRate: failureRate(summary.filter((row) => row.entrypoint === entrypoint)),
        sparkline: slots.map((slot) => slot.successful + slot.errors + slot.canceled),
      };
    });
  }

  /** One page of the queue table, highest priority first, then oldest id. */
  async jobs(filter: { readonly entrypoint?: string | null; readonly status?: JobsStatusFilter; readonly page?: number; readonly pageSize?: number } = {}): Promise<JobsPage> {
    const pageSize = filter.pageSize ?? 50;
    const page = checkPage(filter.page ?? 1, pageSize);
    const statuses = statusesOf(filter.status ?? "active");
    const { queries } = this.#sources;
    const [rows, sizes] = await Promise.all([
      queries.browseQueue({
        limit: pageSize + 1,
        offset: (page - 1) * pageSize,
        statuses,
        entrypoints: filter.entrypoint === null || filter.entrypoint === undefined ? null : [filter.entrypoint],
      }),
      queries.queueSize(),
    ]);
    const entrypoints = [...new Set(sizes.map((row) => row.entrypoint))].sort();
    return { jobs: rows.slice(0, pageSize), page, pageSize, hasMore: rows.length > pageSize, entrypoints };
  }

  /** The job and its history, or null when the id is in neither the queue table nor the log. */
  async job(id: JobId): Promise<JobDetail | null> {
    const checked = checkJobId(id);
    const [job, history] = await Promise.all([this.#sources.queries.queueJobById(checked), this.#sources.queries.jobLogHistory(checked, { limit: 200 })]);
    return job === null && history.length === 0 ? null : { job, history };
  }

  /** A page of held jobs with their newest traceback, and the newest `exception` log rows. */
  async failures(options: { readonly page?: number; readonly pageSize?: number; readonly exceptionLimit?: number } = {}): Promise<FailuresPage> {
    const pageSize = options.pageSize ?? 50;
    const page = checkPage(options.page ?? 1, pageSize);
    const { queries } = this.#sources;
    const [rows, exceptions] = await Promise.all([
      queries.browseQueue({ limit: pageSize + 1, offset: (page - 1) * pageSize, statuses: ["failed"] }),
      queries.exceptionLogs({ limit: options.exceptionLimit ?? 20 }),
    ]);
    const jobs = rows.slice(0, pageSize);
    return { jobs, tracebacks: await this.latestTracebacks(jobs.map((job) => job.id)), page, pageSize, hasMore: rows.length > pageSize, exceptions };
  }

  /** The newest traceback logged for each listed job (jobs without one are absent). */
  async latestTracebacks(ids: readonly JobId[]): Promise<Map<JobId, TracebackRecord>> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return new Map();
    const rows = await this.#sources.driver.query<{ job_id: number; traceback: unknown }>(latestTracebacksStatement(this.settings, checked));
    const found = new Map<JobId, TracebackRecord>();
    for (const row of rows) {
      const record = tracebackFromJson(row.traceback);
      if (record !== null) found.set(Number(row.job_id), record);
    }
    return found;
  }

  /** The newest `limit` log rows (every status), newest first. */
  async recentLog(limit = 100): Promise<LogEntry[]> {
    const rows = await this.#sources.driver.query(recentLogStatement(this.settings, checkCount(limit, "limit")));
    return rows.map(toLogEntry);
  }

  /** Workers owning picked jobs, and picked jobs whose heartbeat is older than `staleAfter` ms (default 5 min). */
  async workers(staleAfter?: number | null): Promise<WorkersView> {
    const threshold = staleAfter === null || staleAfter === undefined || staleAfter <= 0 ? 300_000 : staleAfter;
    const { queries } = this.#sources;
    const [workers, staleJobs] = await Promise.all([queries.activeWorkers(), queries.staleJobs({ threshold, limit: 100 })]);
    return { workers, staleJobs, staleAfter: threshold };
  }

  /** Every schedule, with the database's clock to judge which are overdue. */
  async schedules(): Promise<{ readonly schedules: readonly Schedule[]; readonly databaseTime: Date }> {
    const [schedules, { databaseTime }] = await Promise.all([this.#sources.scheduleQueries.peekSchedules(), this.health()]);
    return { schedules, databaseTime };
  }

  /** Tables, durability, the un-aggregated log backlog and (with a schema manager) the schema check. */
  async system(): Promise<SystemView> {
    const { queries, schemaManager } = this.#sources;
    const [tables, unaggregatedLogs, report, { databaseTime }] = await Promise.all([
      queries.schemaInfo(),
      queries.unaggregatedLogCount(),
      schemaManager === undefined ? Promise.resolve(null) : schemaManager.verify(),
      this.health(),
    ]);
    return { tables, durability: durabilityOf(tables, this.settings), unaggregatedLogs, report, settings: this.settings, databaseTime };
  }

  /** Requeue held jobs (attempts reset to 0); other ids are ignored. Resolves to the ids requeued (INS-6). */
  async requeue(ids: readonly JobId[]): Promise<JobId[]> {
    return this.#sources.queries.requeueJobs(ids);
  }

  /** Cancel jobs (any status in the queue table); workers running them are told to stop. */
  async cancel(ids: readonly JobId[]): Promise<JobId[]> {
    return this.#sources.queries.markJobAsCancelled(ids);
  }

  /** Delete held jobs, logging `deleted`; ids of other jobs are ignored. Resolves to the ids deleted. */
  async deleteHeld(ids: readonly JobId[]): Promise<JobId[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    const [row] = await this.#sources.driver.query<{ ids: JobId[] }>(deleteHeldJobsStatement(this.settings, checked));
    return (row?.ids ?? []).map(Number);
  }
}

/** Counts per entrypoint from `queueSize` rows, sorted by name. */
export function countsByEntrypoint(sizes: readonly QueueStatistics[]): EntrypointCounts[] {
  const byName = new Map<string, { entrypoint: string; queued: number; picked: number; failed: number }>();
  for (const row of sizes) {
    const entry = byName.get(row.entrypoint) ?? { entrypoint: row.entrypoint, queued: 0, picked: 0, failed: 0 };
    if (row.status === "queued" || row.status === "picked" || row.status === "failed") entry[row.status] += row.count;
    byName.set(row.entrypoint, entry);
  }
  return [...byName.values()].sort((a, b) => a.entrypoint.localeCompare(b.entrypoint));
}

/** (exception + failed) over every outcome, or null when nothing finished (INS-3). */
export function failureRate(summary: readonly ThroughputStats[]): number | null {
  let failures = 0;
  let outcomes = 0;
  for (const row of summary) {
    if (row.status === "exception" || row.status === "failed") failures += row.totalCount;
    if (row.status === "successful" || row.status === "exception" || row.status === "canceled" || row.status === "failed") outcomes += row.totalCount;
  }
  return outcomes === 0 ? null : failures / outcomes;
}

function durabilityOf(tables: readonly TableInfo[], settings: Settings): DurabilityState {
  const bare = sqlNames(settings).bare;
  const unlogged = new Map(tables.map((table) => [table.tableName, table.persistence === "UNLOGGED"]));
  const actual = { queue: unlogged.get(bare.queueTable), log: unlogged.get(bare.queueTableLog), statistics: unlogged.get(bare.statisticsTable) };
  if (actual.queue === undefined) return "not installed";
  for (const level of ["durable", "balanced", "volatile"] as const) {
    const expected = unloggedTables(level);
    if (expected.queue === actual.queue && expected.log === actual.log && expected.statistics === actual.statistics) return level;
  }
  return "mixed";
}

function statusesOf(filter: JobsStatusFilter): JobStatus[] {
  switch (filter) {
    case "active":
      return ["queued", "picked"];
    case "queued":
    case "picked":
    case "failed":
      return [filter];
    default:
      throw new InvalidArgumentError("status", `must be one of active, queued, picked, failed, got ${JSON.stringify(filter)}`);
  }
}

/** A page number whose first row's offset the queries accept (at most INT32_MAX). */
function checkPage(page: number, pageSize: number): number {
  if (!Number.isSafeInteger(page) || page < 1) throw new InvalidArgumentError("page", `must be a positive integer, got ${String(page)}`);
  const last = Math.floor(INT32_MAX / pageSize) + 1;
  if (page > last) throw new InvalidArgumentError("page", `must be at most ${last} with ${pageSize} rows a page, got ${page}`);
  return page;
}

function sum(rows: readonly EntrypointCounts[], key: "queued" | "picked" | "failed"): number {
  return rows.reduce((total, row) => total + row[key], 0);
}
