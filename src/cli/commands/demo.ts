/**
 * `pgq demo`: the first thing to run. On the embedded database (or the configured server) it
 * installs the schema when needed, enqueues a few hundred jobs across entrypoints, processes
 * them in drain mode with the progress display, and prints the summary from the log table.
 *
 * @module
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import type { CliDatabase } from "../connection.js";
import type { DemoResources } from "../demo-workload.js";
import { parsePositiveInteger } from "../parse.js";
import { DrainProgress, printSummary, subtractThroughput } from "../progress.js";
import { shutdownSignal } from "../signals.js";

/** Register `demo` on `program`. */
export function registerDemoCommand(program: Command, context: CliContext): void {
  program
    .command("demo")
    .description("enqueue a few hundred demo jobs and process them, on the embedded database unless a server is configured")
    .option("--notifications <n>", "how many notification jobs to enqueue", parsePositiveInteger, 200)
    .action(async (options: { notifications: number }) => {
      const out = context.out;
      const { PgQueuer } = await import("../../pgqueuer.js");
      const { createOutbox, demoJobs, DEMO, DIGEST_DELAY, registerDemoWorkload } = await import("../demo-workload.js");
      const database = await context.openDatabase();
      await prepareSchema(context, database);

      const outbox = createOutbox();
      const pgq = new PgQueuer<DemoResources>(database.driver, {
        settings: { prefix: database.settings.prefix, ...(database.settings.schema === null ? {} : { schema: database.settings.schema }) },
        resources: { outbox },
        logger: context.logger("silent"),
      });
      registerDemoWorkload(pgq);

      // Totals before this run, so the summary counts exactly this run's jobs: the statistics
      // are kept per second, so a time window could also catch the previous run's last jobs.
      const before = await database.queries.throughputSummary();
      const started = Date.now();
      const jobs = demoJobs(options.notifications);
      await pgq.queries.enqueueMany(jobs);
      out.notice(`Enqueued ${jobs.length} jobs on ${new Set(jobs.map((job) => job.entrypoint)).size} entrypoints (one deferred by ${DIGEST_DELAY / 1000} s); processing them in drain mode…`);

      const stop = shutdownSignal();
      const progress = out.statusCapable ? new DrainProgress(out, () => database.queries.queueSize()) : undefined;
      progress?.start();
      try {
        await pgq.run({ mode: "drain", batchSize: 20, dequeueTimeout: 1_000, signal: stop.signal });
      } finally {
        await progress?.stop();
        stop.dispose();
      }

      const elapsed = Date.now() - started;
      const stats = subtractThroughput(await database.queries.throughputSummary(), before);
      printSummary(out, stats, elapsed);
      if (out.json) return;
      out.line();
      out.line(`Outbox: ${outbox.emails} e-mails and ${outbox.sms} SMS sent by NotificationExecutor (last ${outbox.lastMessage || "none"}).`);
      out.line(`${DEMO.report}: ${outbox.retriedAttempts} failed attempts retried in process by RetryWithBackoffEntrypointExecutor.`);
      out.line(`${DEMO.cleanup} (cron "${DEMO.cleanupExpression}", every 2 s) ran ${outbox.scheduledRuns} time(s).`);
      const where = context.globals.dataDir === undefined ? "" : ` --data-dir ${context.globals.dataDir}`;
      out.line(out.colors.dim(`Next: pgq failed${where} · pgq requeue <id>${where} · pgq dashboard${where} · pgq schedules${where}`));
    });
}

/** Install the schema on a fresh database; bring an existing one up to date when it needs it. */
async function prepareSchema(context: CliContext, database: CliDatabase): Promise<void> {
  if ((await database.schema.verifyExpect("absent")).ok) {
    await database.schema.install();
    context.out.notice("Installed the PgQueuer schema.");
    return;
  }
  const report = await database.schema.verify();
  if (!report.ok) {
    await database.schema.upgrade();
    context.out.notice("Upgraded the PgQueuer schema.");
  }
}
