/**
 * Entrypoint commands beyond PgQueuer: `pause`, `resume` and `paused` (docs/beyond-pgqueuer.md).
 * They need the extension state table; on a PgQueuer-only database they fail with a message
 * that says to run `pgq upgrade`.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { formatTimestamp } from "../output.js";

/** Register `pause`, `resume` and `paused` on `program`. */
export function registerEntrypointStateCommands(program: Command, context: CliContext): void {
  program
    .command("pause")
    .description("stop every worker from claiming jobs of these entrypoints (durable, until resume)")
    .argument("<entrypoint...>", "entrypoint names")
    .action(async (entrypoints: string[]) => {
      const database = await context.openDatabase();
      await database.queries.pauseEntrypoint(entrypoints);
      if (context.out.json) context.out.printJson({ paused: entrypoints });
      else context.out.line(`Paused: ${entrypoints.join(", ")}.`);
    });

  program
    .command("resume")
    .description("let workers claim jobs of these paused entrypoints again, and wake them")
    .argument("<entrypoint...>", "entrypoint names")
    .action(async (entrypoints: string[]) => {
      const database = await context.openDatabase();
      const resumed = await database.queries.resumeEntrypoint(entrypoints);
      if (context.out.json) context.out.printJson({ resumed });
      else if (resumed.length === 0) context.out.line("None of them was paused.");
      else context.out.line(`Resumed: ${resumed.join(", ")}.`);
    });

  program
    .command("paused")
    .description("list paused entrypoints")
    .action(async () => {
      const database = await context.openDatabase();
      const paused = await database.queries.listPausedEntrypoints();
      if (context.out.json) context.out.printJson(paused.map((entry) => ({ entrypoint: entry.entrypoint, pausedAt: entry.pausedAt.toISOString() })));
      else if (paused.length === 0) context.out.line("No paused entrypoints.");
      else for (const entry of paused) context.out.line(`${entry.entrypoint}  paused since ${formatTimestamp(entry.pausedAt)}`);
    });
}
