/**
 * The read side of {@link Queries}: queue and log reads (LIFE-10..18), statistics (STAT-2) and
 * the insight reads (STAT-7..14). Split from `queries.ts` to keep each file on one concern;
 * users only ever see `Queries`, which extends this class.
 *
 * @module
 */
import { resolveSettings, type Settings } from "../../domain/settings.js";
import type {
  ActiveWorker,
  JobDurationStats,
  JobStatusEntry,
  QueueAgeStats,
  StaleJob,
  TableInfo,
  ThroughputBucket,
  ThroughputStats,
} from "../../domain/insights.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { describe } from "../../domain/durations.js";
import type { Job, JobId, JobStatus, LogEntry, LogStatistics, QueueStatistics } from "../../domain/types.js";
import type { Driver } from "../../ports/driver.js";
import {
  activeWorkersStatement,
  exceptionLogsStatement,
  jobDurationsStatement,
  queueAgeStatement,
  schemaInfoStatement,
  staleJobsStatement,
  throughputSummaryStatement,
  throughputTimeseriesStatement,
} from "../../sql/insights.js";
import {
  browseQueueStatement,
  failedJobsStatement,
  jobByIdStatement,
  jobHistoryStatement,
  jobStatusStatement,
  queueLogStatement,
  queueSizeStatement,
  type SortOrder,
} from "../../sql/queue-management.js";
import { aggregateStatement, logStatisticsStatement, unaggregatedCountStatement } from "../../sql/statistics.js";
import { checkCount, checkEntrypointFilter, checkJobId, checkJobIds, checkMilliseconds, checkStatusFilter } from "./arguments.js";
import * as rows from "./rows.js";

/** One hour, the default window of the insight reads, in milliseconds. */
const HOUR = 3_600_000;
/** Five minutes, the default staleness threshold of {@link QueueReads.staleJobs}. */
const FIVE_MINUTES = 300_000;

export type { SortOrder };

/** Options of {@link QueueReads.listFailedJobs}. */
export interface ListFailedJobsOptions {
  /** At most this many jobs (default 100). */
  readonly limit?: number;
  /** By `created`, newest first (`DESC`, the default) or oldest first. */
  readonly order?: SortOrder;
}

/** Options of {@link QueueReads.logStatistics}. */
export interface LogStatisticsOptions {
  /** At most this many rows, newest first (default: all). */
  readonly limit?: number | null;
  /** Only rows created in the last `last` milliseconds (default: all). */
  readonly last?: number | null;
}

/** Options of {@link QueueReads.browseQueue}. */
export interface BrowseQueueOptions {
  readonly limit?: number;
  readonly offset?: number;
  readonly statuses?: readonly JobStatus[] | null;
  readonly entrypoints?: readonly string[] | null;
}

/** A time window in milliseconds, back from now. */
export interface WindowOptions {
  readonly last?: number;
}

/** Read-only queries over the queue, log and statistics tables. */
export class QueueReads {
  /** The driver every statement runs on. */
  protected readonly driver: Driver;
  /** Object names and durability. */
  readonly settings: Settings;

  /**
   * @param driver the database connection (pg Client or Pool, postgres.js, PGlite adapter).
   * @param settings resolved settings; by default from the `PGQUEUER_*` environment.
   */
  constructor(driver: Driver, settings: Settings = resolveSettings()) {
    if (typeof driver !== "object" || driver === null || typeof driver.query !== "function") {
      throw new InvalidArgumentError("driver", `must be a Driver (see pgqueuer/pg, pgqueuer/postgres, pgqueuer/pglite), got ${describe(driver)}`);
    }
    this.driver = driver;
    this.settings = settings;
  }

  /** Job counts per (entrypoint, priority, status), ordered by count, entrypoint, priority, status (LIFE-15). */
  async queueSize(): Promise<QueueStatistics[]> {
    return (await this.driver.query(queueSizeStatement(this.settings))).map(rows.toQueueStatistics);
  }

  /** The latest logged status of each job that has log rows; jobs without any are omitted (LIFE-11). */
  async jobStatus(ids: readonly JobId[]): Promise<JobStatusEntry[]> {
    const checked = checkJobIds(ids);
    if (checked.length === 0) return [];
    return (await this.driver.query(jobStatusStatement(this.settings, checked))).map(rows.toJobStatusEntry);
  }

  /** Every log row, oldest first (LIFE-10). */
  async queueLog(): Promise<LogEntry[]> {
    return (await this.driver.query(queueLogStatement(this.settings))).map(rows.toLogEntry);
  }

  /** Fold the log into statistics (always, without the lock), then read statistics, newest first (STAT-2). */
  async logStatistics(options: LogStatisticsOptions = {}): Promise<LogStatistics[]> {
    const limit = options.limit === undefined || options.limit === null ? null : checkCount(options.limit, "limit");
    const last = options.last === undefined || options.last === null ? null : checkMilliseconds(options.last, "last");
    await this.driver.execute(aggregateStatement(this.settings, "none"));
    return (await this.driver.query(logStatisticsStatement(this.settings, limit, last))).map(rows.toLogStatistics);
  }

  /** Held (`failed`) jobs by creation time (LIFE-17). */
  async listFailedJobs(options: ListFailedJobsOptions = {}): Promise<Job[]> {
    const limit = checkCount(options.limit ?? 100, "limit");
    const order = options.order ?? "DESC";
    if (order !== "ASC" && order !== "DESC") throw new InvalidArgumentError("order", `must be "ASC" or "DESC", got ${describe(order)}`);
    return (await this.driver.query(failedJobsStatement(this.settings, limit, order))).map(rows.toJob);
  }

  /** The job's current row, or null when it left the queue table (LIFE-16). */
  async queueJobById(id: JobId): Promise<Job | null> {
    const [row] = await this.driver.query(jobByIdStatement(this.settings, checkJobId(id)));
    return row === undefined ? null : rows.toJob(row);
  }

  /** The job's log rows, oldest first (LIFE-16). */
  async jobLogHistory(id: JobId, options: { readonly limit?: number } = {}): Promise<LogEntry[]> {
    const statement = jobHistoryStatement(this.settings, checkJobId(id), checkCount(options.limit ?? 100, "limit"));
    return (await this.driver.query(statement)).map(rows.toLogEntry);
  }

  /** A page of jobs, highest priority first then oldest id, optionally filtered (LIFE-18). */
  async browseQueue(options: BrowseQueueOptions = {}): Promise<Job[]> {
    const statement = browseQueueStatement(this.settings, {
      limit: checkCount(options.limit ?? 50, "limit"),
      offset: checkCount(options.offset ?? 0, "offset"),
      statuses: checkStatusFilter(options.statuses),
      entrypoints: checkEntrypointFilter(options.entrypoints),
    });
    return (await this.driver.query(statement)).map(rows.toJob);
  }

  /** Fold the log first, then total counts per (entrypoint, status) over the last `last` ms (default: all history) (STAT-7). */
  async throughputSummary(options: { readonly last?: number | null } = {}): Promise<ThroughputStats[]> {
    const last = options.last === undefined || options.last === null ? null : checkMilliseconds(options.last, "last");
    await this.driver.execute(aggregateStatement(this.settings, "none"));
    return (await this.driver.query(throughputSummaryStatement(this.settings, last))).map(rows.toThroughputStats);
  }

  /** Fold the log first, then per-minute counts over the last `last` ms (default 1 hour), oldest first (STAT-8). */
  async throughputTimeseries(options: WindowOptions = {}): Promise<ThroughputBucket[]> {
    const last = checkMilliseconds(options.last ?? HOUR, "last");
    await this.driver.execute(aggregateStatement(this.settings, "none"));
    return (await this.driver.query(throughputTimeseriesStatement(this.settings, last))).map(rows.toThroughputBucket);
  }

  /** Per entrypoint with queued jobs: how many, and how long they have waited (STAT-9). */
  async queueAge(): Promise<QueueAgeStats[]> {
    return (await this.driver.query(queueAgeStatement(this.settings))).map(rows.toQueueAgeStats);
  }

  /** Pick-to-finish duration percentiles per entrypoint over the last `last` ms (default 1 hour) (STAT-10). */
  async jobDurationPercentiles(options: WindowOptions = {}): Promise<JobDurationStats[]> {
    const last = checkMilliseconds(options.last ?? HOUR, "last");
    return (await this.driver.query(jobDurationsStatement(this.settings, last))).map(rows.toJobDurationStats);
  }

  /** One entry per worker currently owning `picked` jobs (STAT-11). */
  async activeWorkers(): Promise<ActiveWorker[]> {
    return (await this.driver.query(activeWorkersStatement(this.settings))).map(rows.toActiveWorker);
  }

  /** `picked` jobs whose heartbeat is older than `threshold` ms (default 5 minutes), oldest first (STAT-12). */
  async staleJobs(options: { readonly threshold?: number; readonly limit?: number } = {}): Promise<StaleJob[]> {
    const threshold = checkMilliseconds(options.threshold ?? FIVE_MINUTES, "threshold", true);
    const statement = staleJobsStatement(this.settings, threshold, checkCount(options.limit ?? 100, "limit"));
    return (await this.driver.query(statement)).map(rows.toStaleJob);
  }

  /** `exception` log rows with their tracebacks, newest first (STAT-13). */
  async exceptionLogs(options: { readonly limit?: number } = {}): Promise<LogEntry[]> {
    return (await this.driver.query(exceptionLogsStatement(this.settings, checkCount(options.limit ?? 100, "limit")))).map(rows.toLogEntry);
  }

  /** The PgQueuer tables present in the configured schema, with persistence and size (STAT-14). */
  async schemaInfo(): Promise<TableInfo[]> {
    return (await this.driver.query(schemaInfoStatement(this.settings))).map(rows.toTableInfo);
  }

  /** How many log rows are not yet folded into statistics (STAT-6). */
  async unaggregatedLogCount(): Promise<number> {
    const [row] = await this.driver.query<{ count: number }>(unaggregatedCountStatement(this.settings));
    return Number(row?.count ?? 0);
  }
}
