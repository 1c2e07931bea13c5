/**
 * Read-mostly commands: `dashboard` (queue sizes and recent activity), `listen` (the NOTIFY
 * channel as JSON lines) and `schedules` (list, optionally remove) (CATALOGUE CLI-18, CLI-19,
 * CLI-21).
 *
 * @module
 */
import type { Command } from "commander";
import type { LogStatistics, QueueStatistics, Schedule } from "../../domain/types.js";
import type { CliContext } from "../context.js";
import { formatTimestamp } from "../output.js";
import { collectScheduleSelector, durationParser, parsePositiveInteger, TIMER_MAX } from "../parse.js";
import { aborted, shutdownSignal, sleep } from "../signals.js";

/** Register `dashboard`, `listen` and `schedules` on `program`. */
export function registerInspectCommands(program: Command, context: CliContext): void {
  program
    .command("dashboard")
    .description("show queue sizes and recent activity; refreshes on a terminal until Ctrl-C, prints once otherwise")
    .option("-i, --interval <duration>", "refresh interval on a terminal (500ms, 2s, ...)", durationParser(TIMER_MAX), 2_000)
    .option("-n, --limit <n>", "at most this many rows per table", parsePositiveInteger, 25)
    .action(async (options: { interval: number; limit: number }) => {
      const database = await context.openDatabase();
      const out = context.out;
      const refresh = out.interactive && !out.json;
      const stop = refresh ? shutdownSignal() : undefined;
      try {
        do {
          const [queue, statistics] = await Promise.all([database.queries.queueSize(), database.queries.logStatistics({ limit: options.limit })]);
          if (out.json) {
            out.printJson({ queue: queue.slice(0, options.limit), statistics });
            break;
          }
          if (refresh) out.clearScreen();
          renderDashboard(context, queue.slice(0, options.limit), statistics);
          if (!refresh) break; // printed once: nothing to wait for
          out.line(out.colors.dim(`refreshing every ${options.interval} ms · Ctrl-C to quit`));
          await sleep(options.interval, stop?.signal);
        } while (stop?.signal.aborted !== true);
      } finally {
        stop?.dispose();
      }
    });

  program
    .command("listen")
    .description("print every notification on the queue's channel as one JSON line, until Ctrl-C")
    .option("--channel <name>", "the channel (default: the configured one, ch_pgqueuer with --prefix applied)")
    .action(async (options: { channel?: string }) => {
      const database = await context.openDatabase();
      const channel = options.channel ?? database.settings.names.channel;
      const stop = shutdownSignal();
      const subscription = await database.driver.listen({
        channel,
        onNotification: (payload) => context.out.line(normalizePayload(payload)),
        onError: (error) => context.out.notice(`listener error: ${error.message}`),
      });
      try {
        context.out.notice(context.out.errorColors.dim(`listening on channel ${channel} (Ctrl-C to stop)`));
        if (database.embedded) {
          // A PGlite directory is open in one process at a time: no other process can notify.
          context.out.notice(context.out.errorColors.dim("note: the embedded database is private to this process, so no other process can send notifications to it"));
        }
        await aborted(stop.signal);
      } finally {
        stop.dispose();
        await subscription.close();
      }
    });

  program
    .command("schedules")
    .description("list the stored cron schedules, least recently run first")
    .option("-r, --remove <id-or-entrypoint...>", "first remove these schedules (all-digit values are ids, others entrypoint names)", collectScheduleSelector, [])
    .action(async (options: { remove: string[] }) => {
      const database = await context.openDatabase();
      if (options.remove.length > 0) {
        const ids = options.remove.filter((value) => /^\d+$/.test(value)).map(Number);
        const entrypoints = options.remove.filter((value) => !/^\d+$/.test(value));
        const removed = await database.schedules.deleteSchedules({ ids, entrypoints });
        context.out.notice(`Removed ${removed} schedule(s).`);
      }
      const schedules = await database.schedules.peekSchedules();
      if (context.out.json) {
        context.out.printJson(schedules);
        return;
      }
      context.out.table<Schedule>(
        [
          { header: "ID", value: (s) => s.id },
          { header: "Expression", value: (s) => s.expression },
          { header: "Entrypoint", value: (s) => s.entrypoint },
          { header: "Status", value: (s) => s.status },
          { header: "Next run", value: (s) => formatTimestamp(s.nextRun) },
          { header: "Last run", value: (s) => formatTimestamp(s.lastRun) },
          { header: "Heartbeat", value: (s) => formatTimestamp(s.heartbeat) },
          { header: "Created", value: (s) => formatTimestamp(s.created) },
          { header: "Updated", value: (s) => formatTimestamp(s.updated) },
        ],
        schedules,
        "No schedules.",
      );
    });
}

function renderDashboard(context: CliContext, queue: readonly QueueStatistics[], statistics: readonly LogStatistics[]): void {
  const out = context.out;
  out.line(out.colors.bold("Queue"));
  out.table<QueueStatistics>(
    [
      { header: "Entrypoint", value: (row) => row.entrypoint },
      { header: "Priority", value: (row) => row.priority },
      { header: "Status", value: (row) => row.status },
      { header: "Count", value: (row) => row.count },
    ],
    queue,
    "The queue is empty.",
  );
  out.line();
  out.line(out.colors.bold("Recent activity (per second, from the log)"));
  out.table<LogStatistics>(
    [
      { header: "Created", value: (row) => formatTimestamp(row.created) },
      { header: "Count", value: (row) => row.count },
      { header: "Entrypoint", value: (row) => row.entrypoint },
      { header: "Status", value: (row) => row.status },
      { header: "Priority", value: (row) => row.priority },
    ],
    statistics,
    "No activity recorded yet.",
  );
}

/** A notification as exactly one line: JSON re-serialized compactly, anything else as a JSON string. */
export function normalizePayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload));
  } catch {
    return JSON.stringify({ payload });
  }
}
