/**
 * Outcome writes: how claimed jobs end, as ONE statement for a mixed batch (CATALOGUE LIFE-3,
 * LIFE-4, HOLD-2, RTY-1), plus the wake-up event shared with the management statements.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import type { JsonValue } from "../domain/types.js";
import { sqlNames } from "./identifiers.js";
import { idArrayLiteral, memoizeBySettings, millisecondsInterval, type SqlStatement } from "./statement.js";

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
  /** A successful job's stored result (absent: store none). */
  readonly result?: JsonValue;
}

/** Options of {@link recordOutcomesStatement}. */
export interface OutcomeStatementOptions {
  /**
   * The results extension table exists: successes carrying a result insert a results row.
   * Decided once per worker (a PgQueuer-only database runs the statement without it).
   */
  readonly storeResults?: boolean;
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

const outcomeTexts = memoizeBySettings((settings: Settings) => ({
  plain: buildOutcomeText(settings, false),
  withResults: buildOutcomeText(settings, true),
  allSuccessful: buildSuccessText(settings),
}));

/**
 * The common batch, every job successful and no result to store: the ids alone, no per-job
 * JSON for the server to parse and search. Same guards, same log rows, same result row as the
 * general statement ($1 owner, $2 ids).
 */
function buildSuccessText(settings: Settings): string {
  const n = sqlNames(settings);
  return `WITH removed AS (
    DELETE FROM ${n.queueTable} AS job
    WHERE job.id = ANY ($2::bigint[])
      AND job.status = 'picked'
      AND job.queue_manager_id = $1::uuid
    RETURNING job.id, job.entrypoint, job.priority
),
outcome_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
    SELECT id, 'successful', entrypoint, priority FROM removed
)
SELECT (SELECT count(*) FROM removed) AS written, FALSE AS woke`;
}

function buildOutcomeText(settings: Settings, storeResults: boolean): string {
  const n = sqlNames(settings);
  // $1 owner, $2 ids to delete, $3 ids to keep, $4 {"<id>": outcome}, $5 channel, $6 table.
  //
  // Every write is guarded by owner and state: a job that was canceled meanwhile (row gone) or
  // re-picked by another worker after a stale heartbeat (other owner) is not touched and gets
  // no log row (LIFE-4). The DELETE runs even when no job is terminal, so the trigger emits
  // its one `delete` event per call, as PgQueuer's log_jobs does (SQL-11).
  //
  // No join with the input: rows are selected by id arrays (hashed constants, see
  // idArrayLiteral) and each row reads its outcome from the $4 object by key (a binary
  // search). A join's order is the planner's choice, and with stale statistics it picks
  // "every picked row x every outcome", quadratic in the batch.
  const outcome = "($4::jsonb -> job.id::text)";
  return `WITH removed AS (
    DELETE FROM ${n.queueTable} AS job
    WHERE job.id = ANY ($2::bigint[])
      AND job.status = 'picked'
      AND job.queue_manager_id = $1::uuid
    RETURNING job.id, job.entrypoint, job.priority, ${outcome} AS outcome
),
kept AS (
    -- failed: held for requeue (HOLD-2); retry: back to queued after the delay with
    -- attempts + 1 (RTY-1); released: back to queued untouched, for another worker.
    UPDATE ${n.queueTable} AS job
    SET status = (CASE ${outcome} ->> 'kind' WHEN 'failed' THEN 'failed' ELSE 'queued' END)::${n.statusType},
        updated = NOW(),
        queue_manager_id = NULL,
        execute_after = CASE ${outcome} ->> 'kind'
                            WHEN 'retry' THEN NOW() + ${millisecondsInterval(`(${outcome} ->> 'delay')`)}
                            ELSE job.execute_after
                        END,
        attempts = job.attempts + CASE ${outcome} ->> 'kind' WHEN 'retry' THEN 1 ELSE 0 END
    WHERE job.id = ANY ($3::bigint[])
      AND job.status = 'picked'
      AND job.queue_manager_id = $1::uuid
    RETURNING job.id, job.entrypoint, job.priority, job.status, ${outcome} AS outcome
),
outcome_log AS (
    INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority, traceback)
    SELECT id, (outcome ->> 'kind')::${n.statusType}, entrypoint, priority, NULLIF(outcome -> 'traceback', 'null'::jsonb) FROM removed
    UNION ALL
    SELECT id, status, entrypoint, priority, NULLIF(outcome -> 'traceback', 'null'::jsonb) FROM kept
)${storeResults ? resultsCte(n.resultsTable) : ""}
SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM kept) AS written,
       (SELECT ${wakeEventExpression("$5", "$6")}
        FROM kept
        WHERE outcome ->> 'kind' = 'released' OR (outcome ->> 'kind' = 'retry' AND (outcome ->> 'delay')::double precision <= 0)
        LIMIT 1) IS NOT NULL AS woke`;
}

/**
 * Stored results: only rows the owner-guarded DELETE actually removed as successful, so a job
 * that was canceled or re-picked meanwhile stores nothing. A data-modifying CTE runs even
 * though the final SELECT does not read it. A job id seen again (a requeued job run twice)
 * keeps its latest result.
 */
function resultsCte(resultsTable: string): string {
  return `,
stored_results AS (
    INSERT INTO ${resultsTable} (job_id, entrypoint, status, result)
    SELECT id, entrypoint, 'successful', outcome -> 'result'
    FROM removed
    WHERE outcome ->> 'kind' = 'successful' AND (outcome -> 'result') IS NOT NULL
    ON CONFLICT (job_id) DO UPDATE
    SET entrypoint = EXCLUDED.entrypoint, status = EXCLUDED.status, result = EXCLUDED.result, created = NOW()
)`;
}

const TERMINAL_KINDS: ReadonlySet<OutcomeWriteKind> = new Set(["successful", "exception", "canceled"]);

/**
 * Write a batch of outcomes of jobs owned by `queueManagerId` (one per job). Returns one row:
 * `written` (jobs changed) and `woke` (whether a wake-up event was sent because some job is
 * queued again and eligible right away). Unnamed on purpose: the id arrays must be planning
 * constants (see {@link idArrayLiteral}).
 */
export function recordOutcomesStatement(settings: Settings, queueManagerId: string, outcomes: readonly OutcomeWrite[], options: OutcomeStatementOptions = {}): SqlStatement {
  const n = sqlNames(settings);
  const texts = outcomeTexts(settings);
  if (outcomes.every((write) => write.kind === "successful" && write.result === undefined)) {
    return { text: texts.allSuccessful, values: [queueManagerId, idArrayLiteral(outcomes.map((write) => write.id))] };
  }
  const removed: number[] = [];
  const kept: number[] = [];
  const byId: Record<string, { kind: OutcomeWriteKind; traceback: OutcomeWrite["traceback"]; delay: number; result?: JsonValue }> = {};
  for (const { id, kind, traceback, delay, result } of outcomes) {
    (TERMINAL_KINDS.has(kind) ? removed : kept).push(id);
    byId[String(id)] = result === undefined ? { kind, traceback, delay } : { kind, traceback, delay, result };
  }
  return {
    text: options.storeResults === true ? texts.withResults : texts.plain,
    values: [queueManagerId, idArrayLiteral(removed), idArrayLiteral(kept), JSON.stringify(byId), n.channel, n.bare.queueTable],
  };
}
