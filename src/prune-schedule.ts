/**
 * A cron schedule that prunes old log, statistics and result rows (docs/beyond-pgqueuer.md,
 * Retention). Lives beside the facade because it joins the scheduler (core) to the queries
 * (adapters).
 *
 * @module
 */
import type { PruneOptions, PruneResult } from "./adapters/persistence/queries.js";
import type { Resources } from "./core/context.js";
import type { AbstractScheduleExecutor } from "./core/scheduler/executors.js";
import type { PgQueuer } from "./pgqueuer.js";
import { InvalidArgumentError } from "./domain/errors.js";

/** Options of {@link pruneSchedule}: what to prune, plus the schedule's name. */
export interface PruneScheduleOptions extends PruneOptions {
  /** The schedule's entrypoint name (default `pgqueuer_prune`). */
  readonly name?: string;
  /** Called with the counts after each run (e.g. to log them). */
  readonly onPruned?: (result: PruneResult) => void;
}

/**
 * Register a schedule on `pgq` that runs `pgq.queries.prune(options)` at every tick of the
 * cron `expression` (once per tick across every worker, like any schedule). The options are
 * validated now, by a dry check, not at the first tick.
 * @throws InvalidArgumentError for bad prune options; CronExpressionError for a bad expression.
 */
export function pruneSchedule<R extends Resources>(pgq: PgQueuer<R>, expression: string, options: PruneScheduleOptions): AbstractScheduleExecutor<R> {
  checkPruneOptions(options);
  const { name = "pgqueuer_prune", onPruned, ...prune } = options;
  return pgq.schedule(name, expression, async () => {
    const result = await pgq.queries.prune(prune);
    onPruned?.(result);
  });
}

function checkPruneOptions(options: PruneScheduleOptions): void {
  // Queries.prune validates too; repeating the cheap checks here reports them at registration.
  const olderThan: unknown = options?.olderThan;
  if (typeof olderThan !== "number" || !Number.isFinite(olderThan) || olderThan < 0) {
    throw new InvalidArgumentError("olderThan", `must be a finite number of milliseconds >= 0, got ${String(olderThan)}`);
  }
  const batchSize: unknown = options.batchSize;
  if (batchSize !== undefined && (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000)) {
    throw new InvalidArgumentError("batchSize", `must be an integer between 1 and 1000000, got ${String(batchSize)}`);
  }
}
