/**
 * Retention in memory: the same deletions as `Queries.prune` (log rows already folded into
 * statistics, statistics rows, stored results, each created more than `olderThan` ms ago).
 * One process holds the store, so there are no locks to keep short and `batchSize` only has
 * to be valid.
 *
 * @module
 */
import type { InMemoryStore } from "./store.js";
import { foldLog } from "./queue-writes.js";

/** Rows deleted per table (the shape of `PruneResult`). */
export interface PrunedCounts {
  readonly log: number;
  readonly statistics: number;
  readonly results: number;
}

/** Fold the log, then delete every row older than `olderThan` ms; returns the counts. */
export function pruneStore(store: InMemoryStore, olderThan: number): PrunedCounts {
  foldLog(store);
  const cutoff = store.now().getTime() - olderThan;
  // `<=`, not SQL's `<`: this clock counts whole milliseconds, so a row written in the same
  // millisecond as the prune is stamped with the cutoff itself although it was written before
  // it; PostgreSQL's microsecond clock never makes that tie.
  const old = (row: { created: Date }): boolean => row.created.getTime() <= cutoff;
  const logBefore = store.log.length;
  // Only aggregated rows, as in SQL: after the fold above that is every row.
  store.log = store.log.filter((row) => !(row.aggregated && old(row)));
  const statisticsBefore = store.statistics.length;
  store.statistics = store.statistics.filter((row) => !old(row));
  let results = 0;
  for (const [jobId, row] of store.results) {
    if (!old(row)) continue;
    store.results.delete(jobId);
    results += 1;
  }
  return { log: logBefore - store.log.length, statistics: statisticsBefore - store.statistics.length, results };
}
