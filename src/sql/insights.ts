/**
 * Insight reads for dashboards and operators (CATALOGUE STAT-7..STAT-14). Every table is
 * schema-qualified; PgQueuer leaves some of these unqualified (STAT-16), which we do not copy.
 * Durations come back in milliseconds as double precision.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { LOG_COLUMNS } from "./queue-management.js";
import { jsonList, memoizeBySettings, millisecondsInterval, type SqlStatement } from "./statement.js";

/** Milliseconds between two timestamps, as double precision. */
function milliseconds(interval: string): string {
  return `(EXTRACT(EPOCH FROM ${interval})::double precision * 1000)`;
}

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  return {
    throughputSummary: `SELECT entrypoint, status, sum(count)::bigint AS total_count
FROM ${n.statisticsTable}
WHERE ($1::double precision IS NULL OR created >= NOW() - ${millisecondsInterval("$1")})
GROUP BY entrypoint, status
ORDER BY entrypoint, status`,
    throughputTimeseries: `SELECT date_trunc('minute', created) AS bucket, entrypoint, status, sum(count)::bigint AS count
FROM ${n.statisticsTable}
WHERE created >= NOW() - ${millisecondsInterval("$1")}
GROUP BY 1, 2, 3
ORDER BY bucket, entrypoint, status`,
    queueAge: `SELECT entrypoint,
       count(*) AS queued_count,
       min(created) AS oldest_created,
       ${milliseconds("NOW() - min(created)")} AS oldest_age,
       ${milliseconds("avg(NOW() - created)")} AS average_age
FROM ${n.queueTable}
WHERE status = 'queued'
GROUP BY entrypoint
ORDER BY entrypoint`,
    // Pair each terminal row with the row just before it for the same job, both inside the
    // window: a pair whose pick lies before the window is not measured (STAT-10).
    durations: `WITH windowed AS (
    SELECT entrypoint, status, created,
           lag(status) OVER job_rows AS previous_status,
           lag(created) OVER job_rows AS previous_created
    FROM ${n.queueTableLog}
    WHERE created >= NOW() - ${millisecondsInterval("$1")}
    WINDOW job_rows AS (PARTITION BY job_id ORDER BY created, id)
),
durations AS (
    SELECT entrypoint, ${milliseconds("created - previous_created")} AS duration
    FROM windowed
    WHERE status IN ('successful', 'exception', 'canceled', 'failed') AND previous_status = 'picked'
)
SELECT entrypoint,
       count(*) AS completed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration) AS p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY duration) AS p99,
       max(duration) AS max
FROM durations
GROUP BY entrypoint
ORDER BY p95 DESC, entrypoint`,
    activeWorkers: `SELECT queue_manager_id,
       count(*) AS active_jobs,
       min(heartbeat) AS oldest_heartbeat,
       max(heartbeat) AS newest_heartbeat,
       jsonb_agg(DISTINCT entrypoint ORDER BY entrypoint) AS entrypoints
FROM ${n.queueTable}
WHERE status = 'picked' AND queue_manager_id IS NOT NULL
GROUP BY queue_manager_id
ORDER BY queue_manager_id`,
    staleJobs: `SELECT id, priority, queue_manager_id, created, updated, heartbeat, execute_after, status, entrypoint,
       GREATEST(0, ${milliseconds("NOW() - heartbeat")}) AS since_heartbeat
FROM ${n.queueTable}
WHERE status = 'picked' AND heartbeat < NOW() - ${millisecondsInterval("$1")}
ORDER BY heartbeat ASC, id ASC
LIMIT $2`,
    exceptionLogs: `SELECT ${LOG_COLUMNS}
FROM ${n.queueTableLog}
WHERE status = 'exception'
ORDER BY created DESC, id DESC
LIMIT $1`,
    schemaInfo: `SELECT c.relname AS table_name,
       CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED' ELSE 'LOGGED' END AS persistence,
       GREATEST(c.reltuples, 0)::bigint AS estimated_rows,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size,
       pg_total_relation_size(c.oid) AS total_bytes
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS ns ON ns.oid = c.relnamespace
WHERE ns.nspname = ${n.schemaExpr}
  AND c.relkind IN ('r', 'p')
  AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY c.relname`,
  };
});

/** Summed statistics per (entrypoint, status) over the last `last` ms (null = all history). */
export function throughputSummaryStatement(settings: Settings, last: number | null): SqlStatement {
  return { text: texts(settings).throughputSummary, values: [last] };
}

/** Summed statistics per (minute, entrypoint, status) over the last `last` ms, oldest bucket first. */
export function throughputTimeseriesStatement(settings: Settings, last: number): SqlStatement {
  return { text: texts(settings).throughputTimeseries, values: [last] };
}

/** Per entrypoint with queued jobs: count, oldest created, oldest and average age (ms). */
export function queueAgeStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).queueAge, values: [] };
}

/** Pick-to-finish percentiles (ms) per entrypoint over the last `last` ms, slowest p95 first. */
export function jobDurationsStatement(settings: Settings, last: number): SqlStatement {
  return { text: texts(settings).durations, values: [last] };
}

/** One row per worker owning `picked` jobs. */
export function activeWorkersStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).activeWorkers, values: [] };
}

/** `picked` jobs whose heartbeat is older than `threshold` ms, oldest heartbeat first. */
export function staleJobsStatement(settings: Settings, threshold: number, limit: number): SqlStatement {
  return { text: texts(settings).staleJobs, values: [threshold, limit] };
}

/** `exception` log rows, newest first. */
export function exceptionLogsStatement(settings: Settings, limit: number): SqlStatement {
  return { text: texts(settings).exceptionLogs, values: [limit] };
}

/** One row per PgQueuer table present in the configured schema. */
export function schemaInfoStatement(settings: Settings): SqlStatement {
  const bare = sqlNames(settings).bare;
  return {
    text: texts(settings).schemaInfo,
    values: [jsonList([bare.queueTable, bare.queueTableLog, bare.statisticsTable, bare.schedulesTable])],
  };
}
