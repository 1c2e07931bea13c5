/**
 * Management statements (cancel, requeue, clear) and the plain reads of the queue and log
 * tables (CATALOGUE LIFE-10..18, HOLD-7, CAN-1). Every name is schema-qualified.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import type { JobStatus } from "../domain/types.js";
import { sqlNames } from "./identifiers.js";
import { wakeEventExpression } from "./queue-outcomes.js";
import { jobColumns } from "./queue.js";
import { idArrayLiteral, jsonList, memoizeBySettings, textArray, type SqlStatement } from "./statement.js";

/** The log-table columns every log read returns. */
export const LOG_COLUMNS = "id, created, job_id, status, priority, entrypoint, traceback, aggregated";

/** Sort direction of list reads. */
export type SortOrder = "ASC" | "DESC";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  const logRows = (status: JobStatus, source: string): string =>
    `INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority) SELECT id, '${status}', entrypoint, priority FROM ${source}`;
  return {
    // Delete + `canceled` log rows + the cancellation event, in one statement: the event is
    // delivered at commit, together with the deletions it announces (CAN-1).
    cancel: `WITH removed AS (
    DELETE FROM ${n.queueTable} WHERE id = ANY ($1::bigint[])
    RETURNING id, entrypoint, priority
),
canceled_log AS (${logRows("canceled", "removed")})
SELECT pg_notify($2::text, $3::text)::text AS notified,
       (SELECT COALESCE(jsonb_agg(id ORDER BY id), '[]'::jsonb) FROM removed) AS ids`,
    requeue: `WITH requeued AS (
    UPDATE ${n.queueTable}
    SET status = 'queued', execute_after = NOW(), updated = NOW(), attempts = 0, queue_manager_id = NULL
    WHERE id = ANY ($1::bigint[]) AND status = 'failed'
    RETURNING id, entrypoint, priority
),
queued_log AS (${logRows("queued", "requeued")})
SELECT (SELECT COALESCE(jsonb_agg(id ORDER BY id), '[]'::jsonb) FROM requeued) AS ids,
       (SELECT ${wakeEventExpression("$2", "$3")} FROM requeued LIMIT 1) IS NOT NULL AS woke`,
    clearEntrypoints: `WITH removed AS (
    DELETE FROM ${n.queueTable} WHERE entrypoint = ANY (${textArray("$1")})
    RETURNING id, entrypoint, priority
),
deleted_log AS (${logRows("deleted", "removed")})
SELECT count(*) AS count FROM removed`,
    truncate: `TRUNCATE ${n.queueTable}`,
    clearLogEntrypoints: `DELETE FROM ${n.queueTableLog} WHERE entrypoint = ANY (${textArray("$1")})`,
    truncateLog: `TRUNCATE ${n.queueTableLog}`,
    queueSize: `SELECT count(*) AS count, entrypoint, priority, status
FROM ${n.queueTable}
GROUP BY entrypoint, priority, status
ORDER BY count, entrypoint, priority, status`,
    jobStatus: `SELECT DISTINCT ON (job_id) job_id, status
FROM ${n.queueTableLog}
WHERE job_id = ANY ($1::bigint[])
ORDER BY job_id, created DESC, id DESC`,
    queueLog: `SELECT ${LOG_COLUMNS} FROM ${n.queueTableLog} ORDER BY id`,
    failedAsc: `SELECT ${jobColumns("job")} FROM ${n.queueTable} AS job WHERE job.status = 'failed' ORDER BY job.created ASC, job.id ASC LIMIT $1`,
    failedDesc: `SELECT ${jobColumns("job")} FROM ${n.queueTable} AS job WHERE job.status = 'failed' ORDER BY job.created DESC, job.id DESC LIMIT $1`,
    jobById: `SELECT ${jobColumns("job")} FROM ${n.queueTable} AS job WHERE job.id = $1`,
    jobHistory: `SELECT ${LOG_COLUMNS} FROM ${n.queueTableLog} WHERE job_id = $1 ORDER BY created ASC, id ASC LIMIT $2`,
    browse: `SELECT ${jobColumns("job")}
FROM ${n.queueTable} AS job
WHERE ($3::jsonb IS NULL OR job.status::text = ANY (${textArray("$3")}))
  AND ($4::jsonb IS NULL OR job.entrypoint = ANY (${textArray("$4")}))
ORDER BY job.priority DESC, job.id ASC
LIMIT $1 OFFSET $2`,
  };
});

/** Delete the jobs (any status), log `canceled` per deleted row, and send the cancellation event. Returns `ids` (jsonb). */
export function cancelStatement(settings: Settings, ids: readonly number[], eventPayload: string): SqlStatement {
  return { text: texts(settings).cancel, values: [idArrayLiteral(ids), sqlNames(settings).channel, eventPayload] };
}

/** Move held (`failed`) jobs back to `queued` with attempts 0, log `queued`, wake workers. Returns `ids` (jsonb). */
export function requeueStatement(settings: Settings, ids: readonly number[]): SqlStatement {
  const n = sqlNames(settings);
  return { text: texts(settings).requeue, values: [idArrayLiteral(ids), n.channel, n.bare.queueTable] };
}

/** Delete every job of the entrypoints and log each as `deleted`; or, with `null`, TRUNCATE (no log rows). */
export function clearQueueStatement(settings: Settings, entrypoints: readonly string[] | null): SqlStatement {
  return entrypoints === null
    ? { text: texts(settings).truncate, values: [] }
    : { text: texts(settings).clearEntrypoints, values: [jsonList(entrypoints)] };
}

/** Delete the log rows of the entrypoints; or, with `null`, TRUNCATE the log. */
export function clearQueueLogStatement(settings: Settings, entrypoints: readonly string[] | null): SqlStatement {
  return entrypoints === null
    ? { text: texts(settings).truncateLog, values: [] }
    : { text: texts(settings).clearLogEntrypoints, values: [jsonList(entrypoints)] };
}

/** Job counts per (entrypoint, priority, status), ordered count, entrypoint, priority, status. */
export function queueSizeStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).queueSize, values: [] };
}

/** The latest log status of each listed job that has log rows. */
export function jobStatusStatement(settings: Settings, ids: readonly number[]): SqlStatement {
  return { text: texts(settings).jobStatus, values: [idArrayLiteral(ids)] };
}

/** Every log row, oldest id first. */
export function queueLogStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).queueLog, values: [] };
}

/** Held jobs ordered by `created` (then id) in `order`, at most `limit`. */
export function failedJobsStatement(settings: Settings, limit: number, order: SortOrder): SqlStatement {
  const t = texts(settings);
  return { text: order === "ASC" ? t.failedAsc : t.failedDesc, values: [limit] };
}

/** One job row by id. */
export function jobByIdStatement(settings: Settings, id: number): SqlStatement {
  return { text: texts(settings).jobById, values: [id] };
}

/** A job's log rows, oldest first, at most `limit`. */
export function jobHistoryStatement(settings: Settings, id: number, limit: number): SqlStatement {
  return { text: texts(settings).jobHistory, values: [id, limit] };
}

/** A page of jobs ordered priority DESC, id ASC, optionally filtered by statuses and entrypoints. */
export function browseQueueStatement(
  settings: Settings,
  page: { limit: number; offset: number; statuses: readonly JobStatus[] | null; entrypoints: readonly string[] | null },
): SqlStatement {
  return {
    text: texts(settings).browse,
    values: [
      page.limit,
      page.offset,
      page.statuses === null ? null : jsonList(page.statuses),
      page.entrypoints === null ? null : jsonList(page.entrypoints),
    ],
  };
}
