/**
 * The reads of the in-memory queue: queue and log reads (LIFE-10..18), statistics (STAT-2) and
 * insights (STAT-7..14), each with the ordering of its SQL counterpart. They return rows with
 * the SQL column names; `InMemoryQueries` maps them with the persistence adapter's mappers.
 *
 * @module
 */
import type { JobStatus } from "../../domain/types.js";
import type { Row } from "../../ports/driver.js";
import { byPriorityThenId, compareText, statusRank, type InMemoryStore, type JobRow, type LogRow } from "./store.js";

/** Statuses whose log row ends a pick-to-finish duration (STAT-10). */
const FINISHED: ReadonlySet<JobStatus> = new Set(["successful", "exception", "canceled", "failed"]);

/** Count rows into groups by a key; returns the groups in first-seen order. */
function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

/** `SELECT count(*), entrypoint, priority, status ... ORDER BY count, entrypoint, priority, status`. */
export function queueSizeRows(store: InMemoryStore): Row[] {
  const groups = groupBy(store.jobs.values(), (job) => JSON.stringify([job.entrypoint, job.priority, job.status]));
  return [...groups.values()]
    .map((jobs) => ({ count: jobs.length, entrypoint: jobs[0]!.entrypoint, priority: jobs[0]!.priority, status: jobs[0]!.status }))
    .sort(
      (left, right) =>
        left.count - right.count ||
        compareText(left.entrypoint, right.entrypoint) ||
        left.priority - right.priority ||
        statusRank(left.status) - statusRank(right.status),
    );
}

/** The latest log row (created, then id) of each listed job, by job id. */
export function jobStatusRows(store: InMemoryStore, ids: readonly number[]): Row[] {
  const wanted = new Set(ids);
  const latest = new Map<number, LogRow>();
  for (const row of store.log) {
    if (!wanted.has(row.job_id)) continue;
    const current = latest.get(row.job_id);
    if (!current || byCreatedThenId(current, row) <= 0) latest.set(row.job_id, row);
  }
  return [...latest.values()].sort((left, right) => left.job_id - right.job_id).map((row) => ({ job_id: row.job_id, status: row.status }));
}

function byCreatedThenId(left: { created: Date; id: number }, right: { created: Date; id: number }): number {
  return left.created.getTime() - right.created.getTime() || left.id - right.id;
}

/** Held jobs by created (then id), in `order`, at most `limit`. */
export function failedJobRows(store: InMemoryStore, limit: number, order: "ASC" | "DESC"): JobRow[] {
  const held = [...store.jobs.values()].filter((job) => job.status === "failed").sort(byCreatedThenId);
  return (order === "ASC" ? held : held.reverse()).slice(0, limit);
}

/** A job's log rows, oldest first, at most `limit`. */
export function jobHistoryRows(store: InMemoryStore, id: number, limit: number): LogRow[] {
  return store.log.filter((row) => row.job_id === id).sort(byCreatedThenId).slice(0, limit);
}

/** A page of jobs, priority DESC then id, filtered by statuses and entrypoints. */
export function browseRows(
  store: InMemoryStore,
  page: { limit: number; offset: number; statuses: readonly JobStatus[] | null; entrypoints: readonly string[] | null },
): JobRow[] {
  const statuses = page.statuses === null ? null : new Set(page.statuses);
  const entrypoints = page.entrypoints === null ? null : new Set(page.entrypoints);
  return [...store.jobs.values()]
    .filter((job) => (statuses === null || statuses.has(job.status)) && (entrypoints === null || entrypoints.has(job.entrypoint)))
    .sort(byPriorityThenId)
    .slice(page.offset, page.offset + page.limit);
}

/** Statistics rows, newest id first, created after `now - last`, at most `limit`. */
export function statisticsRows(store: InMemoryStore, limit: number | null, last: number | null): Row[] {
  const since = last === null ? null : store.now().getTime() - last;
  const rows = store.statistics.filter((row) => since === null || row.created.getTime() > since).sort((left, right) => right.id - left.id);
  return (limit === null ? rows : rows.slice(0, limit)).map((row) => ({ ...row }));
}

/** Sum of statistics per (entrypoint, status), created at or after `now - last`. */
export function throughputSummaryRows(store: InMemoryStore, last: number | null): Row[] {
  const since = last === null ? null : store.now().getTime() - last;
  const groups = groupBy(
    store.statistics.filter((row) => since === null || row.created.getTime() >= since),
    (row) => JSON.stringify([row.entrypoint, row.status]),
  );
  return [...groups.values()]
    .map((rows) => ({ entrypoint: rows[0]!.entrypoint, status: rows[0]!.status, total_count: rows.reduce((sum, row) => sum + row.count, 0) }))
    .sort((left, right) => compareText(left.entrypoint, right.entrypoint) || statusRank(left.status) - statusRank(right.status));
}

/** Sum of statistics per (minute, entrypoint, status) over the last `last` ms. */
export function throughputTimeseriesRows(store: InMemoryStore, last: number): Row[] {
  const since = store.now().getTime() - last;
  const minute = (date: Date): number => Math.floor(date.getTime() / 60_000) * 60_000;
  const groups = groupBy(
    store.statistics.filter((row) => row.created.getTime() >= since),
    (row) => JSON.stringify([minute(row.created), row.entrypoint, row.status]),
  );
  return [...groups.values()]
    .map((rows) => ({ bucket: new Date(minute(rows[0]!.created)), entrypoint: rows[0]!.entrypoint, status: rows[0]!.status, count: rows.reduce((sum, row) => sum + row.count, 0) }))
    .sort(
      (left, right) =>
        left.bucket.getTime() - right.bucket.getTime() || compareText(left.entrypoint, right.entrypoint) || statusRank(left.status) - statusRank(right.status),
    );
}

/** Per entrypoint with queued jobs: count, oldest created, oldest and average age (ms). */
export function queueAgeRows(store: InMemoryStore): Row[] {
  const now = store.now().getTime();
  const groups = groupBy(
    [...store.jobs.values()].filter((job) => job.status === "queued"),
    (job) => job.entrypoint,
  );
  return [...groups.entries()]
    .sort(([left], [right]) => compareText(left, right))
    .map(([entrypoint, jobs]) => {
      const oldest = Math.min(...jobs.map((job) => job.created.getTime()));
      const totalAge = jobs.reduce((sum, job) => sum + (now - job.created.getTime()), 0);
      return { entrypoint, queued_count: jobs.length, oldest_created: new Date(oldest), oldest_age: now - oldest, average_age: totalAge / jobs.length };
    });
}

/**
 * PostgreSQL's `percentile_cont`: linear interpolation between the two nearest ranks of the
 * sorted values (MEM-17). `values` must not be empty.
 */
export function percentileCont(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new RangeError("percentileCont of no values");
  const sorted = [...values].sort((left, right) => left - right);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** Pick-to-finish percentiles per entrypoint over the last `last` ms, slowest p95 first. */
export function durationRows(store: InMemoryStore, last: number): Row[] {
  const since = store.now().getTime() - last;
  const perJob = groupBy(
    store.log.filter((row) => row.created.getTime() >= since),
    (row) => String(row.job_id),
  );
  const durations = new Map<string, number[]>();
  for (const rows of perJob.values()) {
    rows.sort(byCreatedThenId);
    rows.forEach((row, index) => {
      const previous = rows[index - 1];
      if (!previous || previous.status !== "picked" || !FINISHED.has(row.status)) return;
      const list = durations.get(row.entrypoint) ?? [];
      list.push(row.created.getTime() - previous.created.getTime());
      durations.set(row.entrypoint, list);
    });
  }
  return [...durations.entries()]
    .map(([entrypoint, values]) => ({
      entrypoint,
      completed: values.length,
      p50: percentileCont(values, 0.5),
      p95: percentileCont(values, 0.95),
      p99: percentileCont(values, 0.99),
      max: Math.max(...values),
    }))
    .sort((left, right) => right.p95 - left.p95 || compareText(left.entrypoint, right.entrypoint));
}

/** One row per worker owning `picked` jobs, by worker id. */
export function activeWorkerRows(store: InMemoryStore): Row[] {
  const groups = groupBy(
    [...store.jobs.values()].filter((job) => job.status === "picked" && job.queue_manager_id !== null),
    (job) => job.queue_manager_id ?? "",
  );
  return [...groups.entries()]
    .sort(([left], [right]) => compareText(left, right))
    .map(([owner, jobs]) => {
      const beats = jobs.map((job) => job.heartbeat.getTime());
      return {
        queue_manager_id: owner,
        active_jobs: jobs.length,
        oldest_heartbeat: new Date(Math.min(...beats)),
        newest_heartbeat: new Date(Math.max(...beats)),
        entrypoints: [...new Set(jobs.map((job) => job.entrypoint))].sort(compareText),
      };
    });
}

/** `picked` jobs whose heartbeat is older than `threshold` ms, oldest heartbeat first. */
export function staleJobRows(store: InMemoryStore, threshold: number, limit: number): Row[] {
  const now = store.now().getTime();
  return [...store.jobs.values()]
    .filter((job) => job.status === "picked" && job.heartbeat.getTime() < now - threshold)
    .sort((left, right) => left.heartbeat.getTime() - right.heartbeat.getTime() || left.id - right.id)
    .slice(0, limit)
    .map((job) => ({ ...job, since_heartbeat: Math.max(0, now - job.heartbeat.getTime()) }));
}

/** `exception` log rows, newest first. */
export function exceptionRows(store: InMemoryStore, limit: number): LogRow[] {
  return store.log
    .filter((row) => row.status === "exception")
    .sort((left, right) => byCreatedThenId(right, left))
    .slice(0, limit);
}
