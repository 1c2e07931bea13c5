/**
 * Statistics: folding the log into per-second counts, and reading them back (CATALOGUE
 * STAT-1..STAT-6, STAT-15).
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { lockKeyName } from "./queue.js";
import { jsonList, memoizeBySettings, millisecondsInterval, textArray, type SqlStatement } from "./statement.js";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  const aggregate = (gate: string): string => `WITH folded AS (
    UPDATE ${n.queueTableLog}
    SET aggregated = TRUE
    WHERE NOT aggregated${gate}
    RETURNING created, entrypoint, priority, status
),
per_second AS (
    SELECT date_trunc('second', created) AS created, entrypoint, priority, status, count(*) AS count
    FROM folded
    GROUP BY 1, 2, 3, 4
)
INSERT INTO ${n.statisticsTable} (created, count, priority, status, entrypoint)
SELECT created, count, priority, status, entrypoint FROM per_second
ON CONFLICT (priority, date_trunc('sec', created AT TIME ZONE 'UTC'), status, entrypoint)
DO UPDATE SET count = ${n.statisticsTable}.count + EXCLUDED.count`;
  return {
    // The try-lock, an uncorrelated subquery, becomes a one-time filter evaluated once before
    // the log is scanned (a bare volatile call would run per row): when another session
    // aggregates, this one does nothing (STAT-4). Concurrent folds could not double count
    // anyway (a row flips to aggregated once); the lock only spares the contention.
    aggregateLocked: aggregate(`\n      AND (SELECT pg_try_advisory_xact_lock(hashtext($1::text)))`),
    aggregate: aggregate(""),
    read: `SELECT count, created, entrypoint, priority, status
FROM ${n.statisticsTable}
WHERE ($2::double precision IS NULL OR created > NOW() - ${millisecondsInterval("$2")})
ORDER BY id DESC
LIMIT $1`,
    clearEntrypoints: `DELETE FROM ${n.statisticsTable} WHERE entrypoint = ANY (${textArray("$1")})`,
    truncate: `TRUNCATE ${n.statisticsTable}`,
    unaggregated: `SELECT count(*) AS count FROM ${n.queueTableLog} WHERE NOT aggregated`,
  };
});

/**
 * Fold every un-aggregated log row into the statistics table, in one statement. With
 * `lock: "try"` it first tries `pg_try_advisory_xact_lock(hashtext('<schema.statistics>'))`
 * (the key PgQueuer uses, so Python and TypeScript workers take turns) and is a no-op when
 * another session holds it; with `lock: "none"` it always folds (the read paths use it so a
 * read never misses its own latest rows).
 */
export function aggregateStatement(settings: Settings, lock: "try" | "none"): SqlStatement {
  const t = texts(settings);
  return lock === "try"
    ? { text: t.aggregateLocked, values: [lockKeyName(settings, "statisticsTable")] }
    : { text: t.aggregate, values: [] };
}

/** Statistics rows, newest id first, at most `limit` (null = all), only the last `last` ms (null = all). */
export function logStatisticsStatement(settings: Settings, limit: number | null, last: number | null): SqlStatement {
  return { text: texts(settings).read, values: [limit, last] };
}

/** Delete the statistics rows of the entrypoints; or, with `null`, TRUNCATE the table. */
export function clearStatisticsStatement(settings: Settings, entrypoints: readonly string[] | null): SqlStatement {
  const t = texts(settings);
  return entrypoints === null ? { text: t.truncate, values: [] } : { text: t.clearEntrypoints, values: [jsonList(entrypoints)] };
}

/** Number of log rows not yet folded into statistics. */
export function unaggregatedCountStatement(settings: Settings): SqlStatement {
  return { text: texts(settings).unaggregated, values: [] };
}
