/**
 * Retention: deleting old rows of the log, statistics and results tables in small batches
 * (`DELETE … WHERE id IN (SELECT … LIMIT n)`), each batch its own short statement, so pruning
 * never holds locks on many rows for long (docs/beyond-pgqueuer.md, Retention).
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { memoizeBySettings, millisecondsInterval, type SqlStatement } from "./statement.js";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  // The subquery's LIMIT bounds the rows one statement locks (no ORDER BY: any old rows will
  // do, and the statistics table has no index on created to sort by). Returns the count.
  const batch = (table: string, key: string, extra = ""): string => `WITH doomed AS (
    DELETE FROM ${table}
    WHERE ${key} IN (
        SELECT ${key} FROM ${table}
        WHERE created < NOW() - ${millisecondsInterval("$1")}${extra}
        LIMIT $2
    )
    RETURNING 1
)
SELECT count(*)::int AS deleted FROM doomed`;
  return {
    // Only rows already folded into statistics: an un-aggregated row would vanish from the counts.
    log: batch(n.queueTableLog, "id", " AND aggregated"),
    statistics: batch(n.statisticsTable, "id"),
    results: batch(n.resultsTable, "job_id"),
  };
});

/** The tables `prune` deletes from. */
export type PrunedTable = "log" | "statistics" | "results";

/**
 * Delete at most `batchSize` rows of `table` created more than `olderThan` ms ago (log rows
 * only when aggregated); returns one row `{ deleted }`.
 */
export function pruneBatchStatement(settings: Settings, table: PrunedTable, olderThan: number, batchSize: number): SqlStatement {
  return { text: texts(settings)[table], values: [olderThan, batchSize] };
}
