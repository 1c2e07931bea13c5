/**
 * Every statement on the schedules table (CATALOGUE §19). Lists travel as JSON text
 * (`$1::jsonb`); timetables as `[{entrypoint, expression, fire_times: [iso, ...],
 * fallback_ms, position}]`.
 *
 * The next run of a claimed or inserted row is the first of the worker's fire times later than
 * the database's `NOW()` ({@link nextRunFrom}); the database clock decides, so a worker whose
 * clock runs behind cannot set a tick that is already past and run it twice.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";

/** The SQL text of every schedule statement, for one set of settings. */
export interface ScheduleStatements {
  /** `$1` schedules table name, `$2` log table name (qualified text) → `{schedules, log}` booleans. */
  readonly tablesExist: string;
  /** → `{now}`. */
  readonly currentTime: string;
  /** `$1` entrypoints (jsonb array of text), `$2` timetables to keep → deletes the other rows of those entrypoints. */
  readonly deleteStale: string;
  /** `$1` timetables → inserts missing rows, `queued`, in timetable `position` order. */
  readonly insert: string;
  /** `$1` timetables, `$2` heartbeat timeout (ms) → one row `{database_now, ...schedule or nulls}` plus one per further claimed schedule. */
  readonly claim: string;
  /** `$1` ids (jsonb array) → heartbeat and updated set to NOW() for rows still `picked`. */
  readonly heartbeat: string;
  /** `$1` ids (jsonb array) → rows `picked` back to `queued`, last_run = NOW(). */
  readonly release: string;
  /** Every row, least recently run first (never run last). */
  readonly peek: string;
  /** `$1` ids (jsonb array), `$2` entrypoints (jsonb array) → deletes rows matching either. */
  readonly delete: string;
  /** Removes every row. */
  readonly clear: string;
}

const COLUMNS = "id, expression, entrypoint, heartbeat, created, updated, next_run, last_run, status";

/** The timetable JSON as a relation (`alias`.entrypoint, expression, fire_times, fallback_ms, position). */
function timetables(parameter: string, alias: string): string {
  return `jsonb_to_recordset(${parameter}::jsonb) AS ${alias}(entrypoint text, expression text, fire_times jsonb, fallback_ms double precision, position integer)`;
}

/** The first fire time of `alias`'s timetable after NOW(), else NOW() + its fallback delay. */
function nextRunFrom(alias: string): string {
  return `COALESCE(
        (SELECT min(fire.at::timestamptz) FROM jsonb_array_elements_text(${alias}.fire_times) AS fire(at) WHERE fire.at::timestamptz > NOW()),
        NOW() + make_interval(secs => ${alias}.fallback_ms / 1000.0))`;
}

/** A jsonb array of ids as a set of bigint. */
function idSet(parameter: string): string {
  return `(SELECT value::bigint FROM jsonb_array_elements_text(${parameter}::jsonb))`;
}

const cache = new WeakMap<Settings, ScheduleStatements>();

/** Build (once per settings object) the schedule statements. */
export function scheduleStatements(settings: Settings): ScheduleStatements {
  const cached = cache.get(settings);
  if (cached) return cached;
  const table = sqlNames(settings).schedulesTable;
  const built: ScheduleStatements = {
    tablesExist: "SELECT to_regclass($1) IS NOT NULL AS schedules, to_regclass($2) IS NOT NULL AS log",
    currentTime: "SELECT NOW() AS now",
    deleteStale: `DELETE FROM ${table} AS s
WHERE s.entrypoint IN (SELECT jsonb_array_elements_text($1::jsonb))
  AND NOT EXISTS (
    SELECT 1 FROM ${timetables("$2", "keep")}
    WHERE keep.entrypoint = s.entrypoint AND keep.expression = s.expression)`,
    insert: `INSERT INTO ${table} (expression, entrypoint, next_run, status)
SELECT t.expression, t.entrypoint, ${nextRunFrom("t")}, 'queued'
FROM ${timetables("$1", "t")}
ORDER BY t.position
ON CONFLICT (expression, entrypoint) DO NOTHING`,
    // Lock with SKIP LOCKED so concurrent claimers never wait on, or both take, one row; a row
    // another claimer advanced meanwhile is re-checked against the WHERE clause and dropped.
    claim: `WITH registered AS (
    SELECT t.entrypoint, t.expression, t.fire_times, t.fallback_ms FROM ${timetables("$1", "t")}
), due AS (
    SELECT s.id, registered.fire_times, registered.fallback_ms
    FROM ${table} AS s
    JOIN registered ON registered.entrypoint = s.entrypoint AND registered.expression = s.expression
    WHERE (s.status = 'queued' AND s.next_run <= NOW())
       OR (s.status = 'picked' AND s.heartbeat < NOW() - make_interval(secs => $2::double precision / 1000.0))
    ORDER BY s.id
    FOR UPDATE OF s SKIP LOCKED
), claimed AS (
    UPDATE ${table} AS s
    SET status = 'picked', updated = NOW(), heartbeat = NOW(), next_run = ${nextRunFrom("due")}
    FROM due
    WHERE s.id = due.id
    RETURNING s.id, s.expression, s.entrypoint, s.heartbeat, s.created, s.updated, s.next_run, s.last_run, s.status
)
SELECT NOW() AS database_now, claimed.* FROM (SELECT 1) AS always LEFT JOIN claimed ON true
ORDER BY claimed.id`,
    heartbeat: `UPDATE ${table} SET heartbeat = NOW(), updated = NOW()
WHERE id IN ${idSet("$1")} AND status = 'picked'`,
    release: `UPDATE ${table} SET status = 'queued', last_run = NOW(), updated = NOW()
WHERE id IN ${idSet("$1")} AND status = 'picked'`,
    peek: `SELECT ${COLUMNS} FROM ${table} ORDER BY last_run ASC NULLS LAST, id`,
    delete: `DELETE FROM ${table}
WHERE id IN ${idSet("$1")} OR entrypoint IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    clear: `TRUNCATE ${table}`,
  };
  cache.set(settings, built);
  return built;
}
