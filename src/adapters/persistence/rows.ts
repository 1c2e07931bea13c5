/**
 * Row mappers: snake_case rows from the driver to the domain's camelCase models, and the
 * traceback record to and from PgQueuer's JSON shape. The driver already returns `Date`s,
 * `Buffer`s, parsed JSON and int8 as numbers (see the Driver port); this module only renames
 * and narrows.
 *
 * @module
 */
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
import type { Job, JobHeaders, JobStatus, JsonValue, LogEntry, LogStatistics, QueueStatistics, TracebackRecord } from "../../domain/types.js";
import type { Row } from "../../ports/driver.js";

type JsonObject = { [key: string]: JsonValue };

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** PgQueuer's JSON of a traceback record (DOM-6): snake_case keys, ISO timestamp. */
export function tracebackToJson(record: TracebackRecord): JsonObject {
  return {
    job_id: record.jobId,
    timestamp: record.timestamp.toISOString(),
    exception_type: record.exceptionType,
    exception_message: record.exceptionMessage,
    traceback: record.traceback,
    additional_context: record.additionalContext,
  };
}

/** Parse a stored traceback (ours or Python's); `null` when the value is not an object. */
export function tracebackFromJson(value: unknown): TracebackRecord | null {
  if (!isJsonObject(value)) return null;
  const text = (key: string): string => (typeof value[key] === "string" ? (value[key] as string) : "");
  const context = value.additional_context;
  return {
    jobId: typeof value.job_id === "number" ? value.job_id : Number(value.job_id ?? Number.NaN),
    timestamp: new Date(text("timestamp")),
    exceptionType: text("exception_type"),
    exceptionMessage: text("exception_message"),
    traceback: text("traceback"),
    additionalContext: isJsonObject(context) ? context : null,
  };
}

/**
 * A timestamp column: a `Date` from the driver, epoch milliseconds (statements that return
 * `date_part('epoch', …) * 1000`, see `jobColumnsWithEpochTimes`), or text. Epoch values are
 * truncated to the millisecond as the drivers' own parsers do; the small bias absorbs the
 * binary rounding of a value whose fraction is a whole number of microseconds.
 */
const asDate = (value: unknown): Date => {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(Math.floor(value + 0.0005));
  return new Date(String(value));
};
const asNumber = (value: unknown): number => (typeof value === "number" ? value : Number(value));
const asStatus = (value: unknown): JobStatus => String(value) as JobStatus;
const asNullableString = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A queue-table row (the `JOB_COLUMNS`) as a {@link Job}. */
export function toJob(row: Row): Job {
  const payload = row.payload;
  return {
    id: asNumber(row.id),
    priority: asNumber(row.priority),
    created: asDate(row.created),
    updated: asDate(row.updated),
    heartbeat: asDate(row.heartbeat),
    executeAfter: asDate(row.execute_after),
    status: asStatus(row.status),
    entrypoint: String(row.entrypoint),
    payload: payload === null || payload === undefined ? null : Buffer.isBuffer(payload) ? payload : Buffer.from(payload as Uint8Array),
    // A Python producer may have stored headers that are not an object; the model says object or null.
    headers: isJsonObject(row.headers) ? (row.headers as JobHeaders) : null,
    attempts: asNumber(row.attempts),
    dedupeKey: asNullableString(row.dedupe_key),
    queueManagerId: asNullableString(row.queue_manager_id),
  };
}

/** A log-table row as a {@link LogEntry}, with its traceback parsed. */
export function toLogEntry(row: Row): LogEntry {
  return {
    id: asNumber(row.id),
    created: asDate(row.created),
    jobId: asNumber(row.job_id),
    status: asStatus(row.status),
    priority: asNumber(row.priority),
    entrypoint: String(row.entrypoint),
    traceback: tracebackFromJson(row.traceback),
    aggregated: row.aggregated === true,
  };
}

/** A `queueSize` row. */
export function toQueueStatistics(row: Row): QueueStatistics {
  return { count: asNumber(row.count), entrypoint: String(row.entrypoint), priority: asNumber(row.priority), status: asStatus(row.status) };
}

/** A statistics-table row. */
export function toLogStatistics(row: Row): LogStatistics {
  return {
    count: asNumber(row.count),
    created: asDate(row.created),
    entrypoint: String(row.entrypoint),
    priority: asNumber(row.priority),
    status: asStatus(row.status),
  };
}

/** A `jobStatus` row. */
export function toJobStatusEntry(row: Row): JobStatusEntry {
  return { id: asNumber(row.job_id), status: asStatus(row.status) };
}

/** A `throughputSummary` row. */
export function toThroughputStats(row: Row): ThroughputStats {
  return { entrypoint: String(row.entrypoint), status: asStatus(row.status), totalCount: asNumber(row.total_count) };
}

/** A `throughputTimeseries` row. */
export function toThroughputBucket(row: Row): ThroughputBucket {
  return { bucket: asDate(row.bucket), entrypoint: String(row.entrypoint), status: asStatus(row.status), count: asNumber(row.count) };
}

/** A `queueAge` row. */
export function toQueueAgeStats(row: Row): QueueAgeStats {
  return {
    entrypoint: String(row.entrypoint),
    queuedCount: asNumber(row.queued_count),
    oldestCreated: asDate(row.oldest_created),
    oldestAge: asNumber(row.oldest_age),
    averageAge: asNumber(row.average_age),
  };
}

/** A `jobDurationPercentiles` row. */
export function toJobDurationStats(row: Row): JobDurationStats {
  return {
    entrypoint: String(row.entrypoint),
    completed: asNumber(row.completed),
    p50: asNumber(row.p50),
    p95: asNumber(row.p95),
    p99: asNumber(row.p99),
    max: asNumber(row.max),
  };
}

/** An `activeWorkers` row. */
export function toActiveWorker(row: Row): ActiveWorker {
  return {
    queueManagerId: String(row.queue_manager_id),
    activeJobs: asNumber(row.active_jobs),
    oldestHeartbeat: asDate(row.oldest_heartbeat),
    newestHeartbeat: asDate(row.newest_heartbeat),
    entrypoints: Array.isArray(row.entrypoints) ? row.entrypoints.map(String) : [],
  };
}

/** A `staleJobs` row. */
export function toStaleJob(row: Row): StaleJob {
  return {
    id: asNumber(row.id),
    priority: asNumber(row.priority),
    queueManagerId: asNullableString(row.queue_manager_id),
    created: asDate(row.created),
    updated: asDate(row.updated),
    heartbeat: asDate(row.heartbeat),
    executeAfter: asDate(row.execute_after),
    status: asStatus(row.status),
    entrypoint: String(row.entrypoint),
    sinceHeartbeat: asNumber(row.since_heartbeat),
  };
}

/** A `schemaInfo` row. */
export function toTableInfo(row: Row): TableInfo {
  return {
    tableName: String(row.table_name),
    persistence: row.persistence === "UNLOGGED" ? "UNLOGGED" : "LOGGED",
    estimatedRows: asNumber(row.estimated_rows),
    totalSize: String(row.total_size),
    totalBytes: asNumber(row.total_bytes),
  };
}
