/**
 * Reading stored job results (the results extension table) together with each job's latest
 * log status, in one statement, for `CompletionWatcher.waitForResult` and `enqueueAndWait`.
 * The write side is part of the outcome statement (sql/queue-outcomes.ts).
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";
import { sqlNames } from "./identifiers.js";
import { idArrayLiteral, memoizeBySettings, type SqlStatement } from "./statement.js";

const texts = memoizeBySettings((settings: Settings) => {
  const n = sqlNames(settings);
  // The latest log row per job decides the status (as jobStatus does); the result, if any,
  // comes from the results table. Jobs without a log row are left out.
  return `SELECT DISTINCT ON (log.job_id) log.job_id, log.status, stored.result
FROM ${n.queueTableLog} AS log
LEFT JOIN ${n.resultsTable} AS stored ON stored.job_id = log.job_id
WHERE log.job_id = ANY ($1::bigint[])
ORDER BY log.job_id, log.created DESC, log.id DESC`;
});

/**
 * Rows `{ job_id, status, result }` (result null when none is stored) for the given ids that
 * have a log row. Needs the results table. Unnamed: the id array is a planning constant.
 */
export function jobResultsStatement(settings: Settings, ids: readonly number[]): SqlStatement {
  return { text: texts(settings), values: [idArrayLiteral(ids)] };
}
