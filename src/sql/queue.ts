/**
 * The hot statements of the queue: enqueue, heartbeat and the idle probe (CATALOGUE §4, §5).
 * The claim lives in `claim.ts`, outcome writes in `queue-outcomes.ts`, management and reads
 * in `queue-management.ts`.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import type { JobHeaders } from "../domain/types.js";
import { quoteLiteral, sqlNames } from "./identifiers.js";
import { idArrayLiteral, jsonList, memoizeBySettings, millisecondsInterval, statementName, type SqlStatement } from "./statement.js";

/** The queue-table columns every job read returns, in the order of the `Job` model. */
export const JOB_COLUMNS = [
  "id",
  "priority",
  "created",
  "updated",
  "heartbeat",
  "execute_after",
  "status",
  "entrypoint",
  "payload",
  "headers",
  "attempts",
  "dedupe_key",
  "queue_manager_id",
] as const;

/** `JOB_COLUMNS` qualified with a table alias, for SELECT lists and RETURNING clauses. */
export function jobColumns(alias: string): string {
  return JOB_COLUMNS.map((column) => `${alias}.${column}`).join(", ");
}

const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(["created", "updated", "heartbeat", "execute_after"]);

/**
 * `JOB_COLUMNS` with the timestamps as epoch milliseconds (double precision, microseconds in
 * the fraction) under their own names; the row mapper accepts either form. For the claim,
 * which returns every job a worker runs: formatting four timestamps per row as text in the
 * server and parsing them back in Node was about a tenth of a busy worker's time.
 */
export function jobColumnsWithEpochTimes(alias: string): string {
  return JOB_COLUMNS.map((column) => (TIMESTAMP_COLUMNS.has(column) ? `date_part('epoch', ${alias}.${column}) * 1000 AS ${column}` : `${alias}.${column}`)).join(", ");
}

/** The text the advisory locks are keyed on: the unquoted, schema-qualified table name. */
export function lockKeyName(settings: Settings, table: "queueTable" | "statisticsTable"): string {
  const name = settings.names[table];
  return settings.schema === null ? name : `${settings.schema}.${name}`;
}

/** One job as it travels inside the enqueue statement's JSON parameter. */
export interface EnqueueRecord {
  readonly entrypoint: string;
  readonly priority: number;
  /** Payload bytes in base64, or null. */
  readonly payload: string | null;
  /** Delay in milliseconds from the statement's `NOW()` (used when `executeAt` is null). */
  readonly delay: number;
  /** Absolute time in epoch milliseconds, or null. */
  readonly executeAt: number | null;
  readonly dedupeKey: string | null;
  /** Stored as JSON; `null` stores the JSON value `null`, as PgQueuer does (ENQ-11). */
  readonly headers: JobHeaders | null;
}

const enqueueTexts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  const input = `WITH sequence AS MATERIALIZED (
    SELECT pg_get_serial_sequence(${quoteLiteral(n.queueTable)}, 'id')::regclass AS oid
),
input AS (
    -- Ids are drawn here, in input order, so the final SELECT can map every input position to
    -- its id (or to NULL when ON CONFLICT skipped it). Skipped rows leave gaps in the sequence.
    SELECT r.ord,
           nextval(sequence.oid) AS id,
           r.job->>'entrypoint' AS entrypoint,
           COALESCE((r.job->>'priority')::int, 0) AS priority,
           decode(r.job->>'payload', 'base64') AS payload,
           CASE WHEN r.job->>'executeAt' IS NULL
                THEN NOW() + ${millisecondsInterval("COALESCE(r.job->>'delay', '0')")}
                ELSE to_timestamp((r.job->>'executeAt')::double precision / 1000)
           END AS execute_after,
           r.job->>'dedupeKey' AS dedupe_key,
           COALESCE(r.job->'headers', 'null'::jsonb) AS headers
    FROM sequence CROSS JOIN jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(job, ord)
),
`;
  const insertJobs = `INSERT INTO ${n.queueTable} AS job (id, priority, status, entrypoint, payload, execute_after, dedupe_key, headers)
    SELECT id, priority, 'queued', entrypoint, payload, execute_after, dedupe_key, headers
    FROM input
    ORDER BY ord`;
  const insertLog = `INSERT INTO ${n.queueTableLog} (job_id, status, entrypoint, priority)
    SELECT id, 'queued', entrypoint, priority`;
  // Under raise every input row is inserted or the statement fails, so the log rows and the
  // returned ids come straight from the input: no RETURNING to collect, no join back.
  const raiseTail = `inserted AS (
    ${insertJobs}
),
queued_log AS (
    ${insertLog} FROM input
)
SELECT input.id FROM input ORDER BY input.ord`;
  // Under skip only the rows actually inserted get a log row; skipped positions return NULL.
  const skipTail = `inserted AS (
    ${insertJobs}
    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'picked') DO NOTHING
    RETURNING job.id, job.entrypoint, job.priority
),
queued_log AS (
    ${insertLog} FROM inserted
)
SELECT inserted.id FROM input LEFT JOIN inserted USING (id) ORDER BY input.ord`;
  return { raise: `${input}${raiseTail}`, skip: `${input}${skipTail}` };
});

/**
 * Insert a batch of jobs and their `queued` log rows in one statement (ENQ-2, ENQ-4). Returns
 * one row per input position, in input order: `id`, or NULL where `skip` dropped a conflict.
 * Under `raise` a dedupe conflict fails the whole statement with a unique violation on the
 * `<queue>_unique_dedupe_key` index (see {@link dedupeIndexName}).
 */
export function enqueueStatement(settings: Settings, records: readonly EnqueueRecord[], onConflict: "raise" | "skip"): SqlStatement {
  const text = enqueueTexts(settings)[onConflict];
  return { text, values: [JSON.stringify(records.map(compactRecord))], name: statementName(`enqueue_${onConflict}`, text) };
}

/**
 * A record as the statement reads it: fields at their defaults (priority 0, no delay, null)
 * are left out, and the statement reads a missing key as that default. Most jobs set few
 * fields, so a batch's JSON is about half as long, which the server parses and walks per job.
 */
function compactRecord(record: EnqueueRecord): Partial<EnqueueRecord> {
  const compact: { -readonly [K in keyof EnqueueRecord]?: EnqueueRecord[K] } = { entrypoint: record.entrypoint };
  if (record.priority !== 0) compact.priority = record.priority;
  if (record.payload !== null) compact.payload = record.payload;
  if (record.delay !== 0) compact.delay = record.delay;
  if (record.executeAt !== null) compact.executeAt = record.executeAt;
  if (record.dedupeKey !== null) compact.dedupeKey = record.dedupeKey;
  if (record.headers !== null) compact.headers = record.headers;
  return compact;
}

/** The bare name of the partial unique index on active dedupe keys. */
export function dedupeIndexName(settings: Settings): string {
  return `${sqlNames(settings).bare.queueTable}_unique_dedupe_key`;
}

const heartbeatText = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  return `UPDATE ${n.queueTable}
SET heartbeat = NOW()
WHERE id = ANY ($2::bigint[])
  AND status = 'picked'
  AND queue_manager_id = $1::uuid`;
});

/**
 * Refresh the heartbeat of the listed jobs still `picked` by this worker (an UPDATE: no
 * NOTIFY). Unnamed, so the id list is a planning-time constant (see {@link idArrayLiteral}).
 */
export function heartbeatStatement(settings: Settings, queueManagerId: string, jobIds: readonly number[]): SqlStatement {
  return { text: heartbeatText(settings), values: [queueManagerId, idArrayLiteral(jobIds)] };
}

const probeTexts = memoizeBySettings((settings: Settings) => ({ plain: buildProbeText(settings, false), pauseFilter: buildProbeText(settings, true) }));

function buildProbeText(settings: Settings, pauseFilter: boolean): string {
  const n = sqlNames(settings);
  const paused = pauseFilter
    ? `
    WHERE NOT EXISTS (SELECT 1 FROM ${n.entrypointStateTable} AS state WHERE state.entrypoint = requested.entrypoint AND state.paused)`
    : "";
  // Two LIMIT 1 probes per entrypoint, both ordered by execute_after so they walk the
  // (entrypoint, execute_after) WHERE queued index whatever the backlog (DEQ-24..26): an
  // unordered EXISTS may be planned as a sequential scan that reads the whole table when
  // nothing matches.
  return `WITH requested AS (SELECT jsonb_array_elements_text($1::jsonb) AS entrypoint),
earliest AS (
    SELECT
        (SELECT job.execute_after FROM ${n.queueTable} AS job
         WHERE job.entrypoint = requested.entrypoint AND job.status = 'queued'
         ORDER BY job.execute_after
         LIMIT 1) AS first_due,
        (SELECT job.execute_after FROM ${n.queueTable} AS job
         WHERE job.entrypoint = requested.entrypoint AND job.status = 'queued' AND job.execute_after > NOW()
         ORDER BY job.execute_after
         LIMIT 1) AS next_due
    FROM requested${paused}
)
SELECT COALESCE(bool_or(first_due <= NOW()), FALSE) AS eligible,
       EXTRACT(EPOCH FROM min(next_due) - NOW())::double precision * 1000 AS next_eligible_in
FROM earliest`;
}

/**
 * Whether queued work is eligible now, and milliseconds until the nearest deferred job (or
 * NULL). With `pauseFilter`, paused entrypoints count as having no work (a drain ends).
 */
export function probeStatement(settings: Settings, entrypoints: readonly string[], pauseFilter = false): SqlStatement {
  const text = probeTexts(settings)[pauseFilter ? "pauseFilter" : "plain"];
  return { text, values: [jsonList(entrypoints)], name: statementName("probe", text) };
}
