/**
 * Statements only the web dashboard and the MCP server need (CATALOGUE §28–§30): the health
 * probe, deleting held jobs by id, the newest traceback of each listed job, and the newest log
 * rows (a bounded read: the log can hold millions). Everything else they show comes from the shared reads in
 * insights.ts, queue-management.ts and statistics.ts.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { LOG_COLUMNS } from "./queue-management.js";
import { idArrayLiteral, memoizeBySettings, type SqlStatement } from "./statement.js";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  return {
    // Reading the queue table (not just `SELECT 1`) proves the connection AND the schema: a
    // dashboard pointed at the wrong schema is not healthy.
    health: `SELECT NOW() AS database_time, EXISTS (SELECT 1 FROM ${n.queueTable}) AS has_jobs`,
    // Only held jobs: a queued or picked job is removed through cancellation, which also tells
    // the worker running it to stop. The `deleted` log row records the operator's decision.
    deleteHeld: `WITH removed AS (
    DELETE FROM ${n.queueTable}
    WHERE id = ANY ($1::bigint[]) AND status = 'failed'
    RETURNING id, entrypoint, priority
),
deleted_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
    SELECT id, 'deleted', entrypoint, priority FROM removed
)
SELECT COALESCE(jsonb_agg(id ORDER BY id), '[]'::jsonb) AS ids FROM removed`,
    recentLog: `SELECT ${LOG_COLUMNS} FROM ${n.queueTableLog} ORDER BY created DESC, id DESC LIMIT $1`,
    latestTracebacks: `SELECT DISTINCT ON (job_id) job_id, traceback
FROM ${n.queueTableLog}
WHERE job_id = ANY ($1::bigint[]) AND traceback IS NOT NULL
ORDER BY job_id, created DESC, id DESC`,
  };
});

/** One row `{ database_time, has_jobs }`; fails when the queue table is missing. */
export function dashboardHealthStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).health, values: [] };
}

/** Delete the listed jobs that are held (`failed`), logging `deleted` for each. Returns `ids` (jsonb). */
export function deleteHeldJobsStatement(settings: Settings, ids: readonly number[]): SqlStatement {
  return { text: texts(settings).deleteHeld, values: [idArrayLiteral(ids)] };
}

/** Rows `{ job_id, traceback }`: the newest log row carrying a traceback, per listed job. */
export function latestTracebacksStatement(settings: Settings, ids: readonly number[]): SqlStatement {
  return { text: texts(settings).latestTracebacks, values: [idArrayLiteral(ids)] };
}

/** The newest `limit` log rows, newest first. */
export function recentLogStatement(settings: Settings, limit: number): SqlStatement {
  return { text: texts(settings).recentLog, values: [limit] };
}
