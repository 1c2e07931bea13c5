/**
 * Job commands: `queue` (enqueue one job), `failed` (list held jobs), `requeue` and `cancel`
 * (CATALOGUE CLI-15..CLI-17, HOLD-15).
 *
 * @module
 */
import { Option, type Command } from "commander";
import { DuplicateJobError } from "../../domain/errors.js";
import type { Job, OnConflict } from "../../domain/types.js";
import type { CliContext } from "../context.js";
import { EXIT } from "../errors.js";
import { formatTimestamp } from "../output.js";
import { parseDuration, parseJobId, parsePositiveInteger, parsePriority } from "../parse.js";

interface QueueOptions {
  readonly priority: number;
  readonly executeAfter?: number;
  readonly dedupeKey?: string;
  readonly onConflict: OnConflict;
}

/** Register the job commands on `program`. */
export function registerQueueCommands(program: Command, context: CliContext): void {
  program
    .command("queue")
    .description("enqueue one job")
    .argument("<entrypoint>", "the entrypoint that runs the job")
    .argument("[payload]", "the payload, stored as UTF-8 bytes (none: a null payload)")
    .option("-p, --priority <n>", "higher runs first (a 32-bit integer)", parsePriority, 0)
    .option("--execute-after <duration>", "make the job eligible only after this delay (500, 500ms, 5s, 2m, 1h)", parseDuration)
    .option("--dedupe-key <key>", "refuse a second active job with the same key")
    .addOption(new Option("--on-conflict <mode>", "when the dedupe key is taken: raise (exit 1) or skip (exit 0)").choices(["raise", "skip"]).default("raise"))
    .action(async (entrypoint: string, payload: string | undefined, options: QueueOptions) => {
      const database = await context.openDatabase();
      const job = {
        entrypoint,
        payload: payload ?? null,
        priority: options.priority,
        ...(options.executeAfter === undefined ? {} : { executeAfter: options.executeAfter }),
        ...(options.dedupeKey === undefined ? {} : { dedupeKey: options.dedupeKey }),
      };
      let id: number | null;
      try {
        [id = null] = await database.queries.enqueueMany([job], { onConflict: options.onConflict });
      } catch (error) {
        if (!(error instanceof DuplicateJobError)) throw error;
        if (context.out.json) context.out.printJson({ id: null, duplicate: true, dedupeKey: options.dedupeKey ?? null });
        else context.out.error(`duplicate dedupe key '${options.dedupeKey ?? ""}': an active job already holds it`);
        context.exitCode = EXIT.failure;
        return;
      }
      if (context.out.json) context.out.printJson({ id, skipped: id === null });
      else if (id === null) context.out.line(`Skipped: duplicate dedupe key '${options.dedupeKey ?? ""}'.`);
      else context.out.line(`Enqueued job ${id}.`);
    });

  program
    .command("failed")
    .description("list held jobs (entrypoints registered with onFailure: \"hold\"), newest first")
    .option("-n, --limit <n>", "at most this many", parsePositiveInteger, 25)
    .action(async (options: { limit: number }) => {
      const database = await context.openDatabase();
      const jobs = await database.queries.listFailedJobs({ limit: options.limit });
      if (context.out.json) {
        context.out.printJson(jobs.map(jobSummary));
        return;
      }
      context.out.table<Job>(
        [
          { header: "ID", value: (job) => job.id },
          { header: "Entrypoint", value: (job) => job.entrypoint },
          { header: "Attempts", value: (job) => job.attempts },
          { header: "Created", value: (job) => formatTimestamp(job.created) },
          { header: "Payload bytes", value: (job) => job.payload?.length ?? 0 },
        ],
        jobs,
        "No failed jobs.",
      );
    });

  program
    .command("requeue")
    .description("put held jobs back in the queue (attempts reset to 0)")
    .argument("<ids...>", "job ids", parseJobId)
    .action(async (ids: number[]) => {
      const database = await context.openDatabase();
      const requeued = await database.queries.requeueJobs(ids);
      reportAffected(context, "requeued", ids, requeued, `Re-queued ${requeued.length} job(s).`, "not held (nothing to requeue)");
    });

  program
    .command("cancel")
    .description("cancel jobs: queued or held ones are removed, running ones are told to stop")
    .argument("<ids...>", "job ids", parseJobId)
    .action(async (ids: number[]) => {
      const database = await context.openDatabase();
      const canceled = await database.queries.markJobAsCancelled(ids);
      reportAffected(context, "canceled", ids, canceled, `Cancelled ${canceled.length} job(s).`, "not in the queue (already finished, or unknown)");
    });
}

/** Print which of the requested ids a command acted on, and name the others on stderr. */
function reportAffected(context: CliContext, key: string, requested: readonly number[], affected: readonly number[], message: string, skippedReason: string): void {
  const done = new Set(affected);
  const skipped = [...new Set(requested)].filter((id) => !done.has(id));
  if (context.out.json) context.out.printJson({ [key]: [...affected], skipped });
  else context.out.line(message);
  if (!context.out.json && skipped.length > 0) context.out.notice(`${skippedReason}: ${skipped.join(", ")}`);
}

/** What `--json` prints for a job: everything, the payload as UTF-8 text plus its size. */
export function jobSummary(job: Job): Record<string, unknown> {
  return { ...job, payload: job.payload?.toString("utf8") ?? null, payloadBytes: job.payload?.length ?? 0 };
}
