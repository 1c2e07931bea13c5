/**
 * Outcome writes: how claimed jobs end, as ONE statement for a mixed batch (CATALOGUE LIFE-3,
 * LIFE-4, HOLD-2, RTY-1), plus the wake-up event shared with the management statements.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import type { JsonValue } from "../domain/types.js";
import { sqlNames } from "./identifiers.js";
import { jsonList, memoizeBySettings, millisecondsInterval, statementName, type SqlStatement } from "./statement.js";

/** How one job ended, as the statement understands it. */
export type OutcomeWriteKind = "successful" | "exception" | "canceled" | "failed" | "retry" | "released";

/** One outcome as it travels in the JSON parameter. */
export interface OutcomeWrite {
  readonly id: number;
  readonly kind: OutcomeWriteKind;
  /** The log row's traceback JSON (PgQueuer's keys), or null. */
  readonly traceback: { readonly [key: string]: JsonValue } | null;
  /** Retry delay in milliseconds (0 for the other kinds). */
  readonly delay: number;
}

/**
 * SQL expression of a `table_changed_event` with operation `update`, formatted exactly as the
 * trigger formats its own events (CATALOGUE SQL-10). `$channel` and `$table` are the
 * placeholders holding the channel and the bare queue table name.
 *
 * Why we send it: the trigger is statement-level, where OLD and NEW are NULL, so UPDATE
 * statements never notify (SQL-9). A job put back to `queued` by an UPDATE (retry without
 * delay, release on shutdown, requeue) would otherwise sit unnoticed until some worker's poll
 * timer fires. Idle workers treat any table event as "look again".
 */
export function wakeEventExpression(channel: string, table: string): string {
  return `pg_notify(${channel}::text, json_build_object(
        'channel', ${channel}::text,
        'operation', 'update',
        'sent_at', NOW(),
        'table', ${table}::text,
        'type', 'table_changed_event')::text)`;
}

const outcomeText = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  // Every write is guarded by owner and state: a job that was canceled meanwhile (row gone) or
  // re-picked by another worker after a stale heartbeat (other owner) is not touched and gets
  // no log row (LIFE-4). The DELETE runs even when no job is terminal, so the trigger emits
  // its one `delete` event per call, as PgQueuer's log_jobs does (SQL-11).
  return `WITH input AS (
    SELECT (o->>'id')::bigint AS id,
           o->>'kind' AS kind,
           NULLIF(o->'traceback', 'null'::jsonb) AS traceback,
           (o->>'delay')::double precision AS delay
    FROM jsonb_array_elements($2::jsonb) AS o
),
removed AS (
    DELETE FROM ${n.queueTable} AS job
    USING input
    WHERE job.id = input.id
      AND input.kind IN ('successful', 'exception', 'canceled')
      AND job.status = 'picked'
      AND job.queue_manager_id = $1::uuid
    RETURNING job.id, job.entrypoint, job.priority, input.kind, input.traceback
),
kept AS (
    -- failed: held for requeue (HOLD-2); retry: back to queued after the delay with
    -- attempts + 1 (RTY-1); released: back to queued untouched, for another worker.
    UPDATE ${n.queueTable} AS job
    SET status = (CASE input.kind WHEN 'failed' THEN 'failed' ELSE 'queued' END)::${n.statusType},
        updated = NOW(),
        queue_manager_id = NULL,
        execute_after = CASE input.kind WHEN 'retry' THEN NOW() + ${millisecondsInterval("input.delay")} ELSE job.execute_after END,
        attempts = job.attempts + CASE input.kind WHEN 'retry' THEN 1 ELSE 0 END
    FROM input
    WHERE job.id = input.id
      AND input.kind IN ('failed', 'retry', 'released')
      AND job.status = 'picked'
      AND job.queue_manager_id = $1::uuid
    RETURNING job.id, job.entrypoint, job.priority, job.status, input.traceback,
              (input.kind = 'released' OR (input.kind = 'retry' AND input.delay <= 0)) AS ready_now
),
outcome_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority, traceback)
    SELECT id, kind::${n.statusType}, entrypoint, priority, traceback FROM removed
    UNION ALL
    SELECT id, status, entrypoint, priority, traceback FROM kept
)
SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM kept) AS written,
       (SELECT ${wakeEventExpression("$3", "$4")} FROM kept WHERE ready_now LIMIT 1) IS NOT NULL AS woke`;
});

/**
 * Write a batch of outcomes of jobs owned by `queueManagerId`. Returns one row:
 * `written` (jobs changed) and `woke` (whether a wake-up event was sent because some job is
 * queued again and eligible right away).
 */
export function recordOutcomesStatement(settings: Settings, queueManagerId: string, outcomes: readonly OutcomeWrite[]): SqlStatement {
  const text = outcomeText(settings);
  const n = sqlNames(settings);
  return {
    text,
    values: [queueManagerId, jsonList(outcomes), n.channel, n.bare.queueTable],
    name: statementName("outcomes", text),
  };
}
