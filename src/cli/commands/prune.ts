/**
 * `pgq prune --older-than 7d`: retention for the log, statistics and results tables
 * (docs/beyond-pgqueuer.md, Retention).
 *
 * @module
 */
import { InvalidArgumentError as CommanderArgumentError, type Command } from "commander";
import type { CliContext } from "../context.js";
import { parseDuration, parsePositiveInteger } from "../parse.js";

/** `parseDuration` plus days (`7d`), the unit retention is usually given in. */
function parseAge(raw: string): number {
  const days = /^\s*(\d+(?:\.\d+)?)\s*d\s*$/i.exec(raw);
  if (days) {
    const value = Number(days[1]) * 86_400_000;
    if (!Number.isFinite(value)) throw new CommanderArgumentError(`${JSON.stringify(raw)} is too large`);
    return Math.round(value);
  }
  return parseDuration(raw);
}

/** Register `prune` on `program`. */
export function registerPruneCommand(program: Command, context: CliContext): void {
  program
    .command("prune")
    .description("delete log, statistics and result rows older than a duration, in small batches")
    .requiredOption("--older-than <duration>", "age of the rows to delete (7d, 12h, 30m, 500ms)", parseAge)
    .option("--batch-size <n>", "rows per DELETE statement", parsePositiveInteger, 1000)
    .action(async (options: { olderThan: number; batchSize: number }) => {
      const database = await context.openDatabase();
      const result = await database.queries.prune({ olderThan: options.olderThan, batchSize: options.batchSize });
      if (context.out.json) context.out.printJson(result);
      else context.out.line(`Pruned ${result.log} log, ${result.statistics} statistics and ${result.results} result rows.`);
    });
}
