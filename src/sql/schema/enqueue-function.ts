/**
 * The SQL enqueue function PgQueuer documents for PostgREST (CATALOGUE ENQ-29): one job per
 * call, from SQL, from a trigger, or over HTTP as `POST /rpc/<prefix>fn_pgqueuer_enqueue`.
 * Optional: created only on request, because exposing an enqueue entry point is a security
 * decision (the function gets no grants; the owner decides who may EXECUTE it).
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { quoteIdent, sqlNames } from "../identifiers.js";

/** The argument types, which identify the function for DROP and GRANT. */
export const ENQUEUE_FUNCTION_ARGUMENTS = "TEXT, BYTEA, INT, INTERVAL, TEXT, JSONB";

/** Bare (catalog) name of the enqueue function: `<prefix>fn_pgqueuer_enqueue`. */
export function enqueueFunctionBareName(settings: Settings): string {
  return `${settings.prefix}fn_pgqueuer_enqueue`.toLowerCase();
}

/**
 * Quoted name of the enqueue function, in the same schema as the trigger function (the
 * configured schema, or the qualifier of a dotted function name, or unqualified).
 */
export function enqueueFunctionName(settings: Settings): string {
  const bare = quoteIdent(enqueueFunctionBareName(settings));
  if (settings.schema !== null) return `${quoteIdent(settings.schema)}.${bare}`;
  const parts = settings.names.function.split(".");
  return parts.length === 2 ? `${quoteIdent(parts[0] ?? "")}.${bare}` : bare;
}

/**
 * `CREATE OR REPLACE FUNCTION <prefix>fn_pgqueuer_enqueue(entrypoint text, payload bytea,
 * priority int, execute_after interval, dedupe_key text, headers jsonb) RETURNS BIGINT`, with
 * PgQueuer's defaults (NULL payload, priority 0, no delay, no dedupe key, no headers). It
 * inserts the job and its `queued` log row in one statement and returns the job id; the
 * queue table's trigger sends the usual `insert` notification. An active job holding the same
 * dedupe key makes it fail with a unique violation, as a direct INSERT would.
 */
export function buildCreateEnqueueFunction(settings: Settings): string {
  const n = sqlNames(settings);
  // A SQL-language function: the body is one statement whose CTEs insert the job and log it,
  // so both rows exist or neither does. Parameters are referenced by position because their
  // names (entrypoint, priority, ...) are also column names.
  return `CREATE OR REPLACE FUNCTION ${enqueueFunctionName(settings)}(
    entrypoint TEXT,
    payload BYTEA DEFAULT NULL,
    priority INT DEFAULT 0,
    execute_after INTERVAL DEFAULT '0'::INTERVAL,
    dedupe_key TEXT DEFAULT NULL,
    headers JSONB DEFAULT NULL
) RETURNS BIGINT AS $$
    WITH job AS (
        INSERT INTO ${n.queueTable} (priority, entrypoint, payload, execute_after, dedupe_key, headers, status)
        VALUES ($3, $1, $2, NOW() + COALESCE($4, '0'::INTERVAL), $5, $6, 'queued')
        RETURNING id, priority, entrypoint
    ), logged AS (
        INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
        SELECT job.id, 'queued', job.entrypoint, job.priority FROM job
    )
    SELECT job.id FROM job
$$ LANGUAGE sql VOLATILE`;
}

/** Drop the enqueue function if it exists (by its full signature). */
export function buildDropEnqueueFunction(settings: Settings): string {
  return `DROP FUNCTION IF EXISTS ${enqueueFunctionName(settings)}(${ENQUEUE_FUNCTION_ARGUMENTS})`;
}
