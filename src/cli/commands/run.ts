/**
 * `pgq run <module>[:export] [-- args...]`: load the user's factory and supervise the worker
 * it returns (CATALOGUE CLI-23..CLI-28, §25). SIGINT/SIGTERM stop it gracefully; a second
 * signal exits at once with 130/143. In drain mode a progress line is drawn on a terminal and
 * a summary printed at the end.
 *
 * @module
 */
import { Option, type Command } from "commander";
import { resolveRunOptions, type RunOptions } from "../../core/run-options.js";
import type { QueueExecutionMode, QueueStatistics } from "../../domain/types.js";
import type { CliContext } from "../context.js";
import { loadFactory } from "../module-loader.js";
import { durationParser, integerParser, parsePositiveInteger, TIMER_MAX } from "../parse.js";
import { DrainProgress, printSummary } from "../progress.js";
import { shutdownSignal } from "../signals.js";
import { supervise, type SupervisedWorker, type WorkerFactory } from "../supervisor.js";

interface RunCommandOptions {
  readonly batchSize: number;
  readonly dequeueTimeout: number;
  readonly heartbeatTimeout: number;
  readonly maxConcurrentTasks?: number;
  readonly concurrentClaims: number;
  readonly claimLinger: number;
  readonly shutdownTimeout: number;
  readonly logAggregationInterval: number;
  readonly healthCheckInterval: number;
  readonly vacuumInterval: number;
  readonly mode: QueueExecutionMode;
  readonly shutdownOnListenerFailure?: boolean;
  readonly restartOnFailure?: boolean;
  readonly restartDelay: number;
}

/** These durations become timer delays: a longer one would fire at once instead of waiting. */
const parseTimerDuration = durationParser(TIMER_MAX);

/** Register `run` on `program`. */
export function registerRunCommand(program: Command, context: CliContext): void {
  program
    .command("run")
    .description("run the worker returned by a factory exported from a .ts or .js module")
    .argument("<module>", "path to the module, optionally with the export to call: ./worker.ts:createWorker (default export: default)")
    .argument("[args...]", "arguments for the factory; put them after -- so options reach it untouched")
    .option("--batch-size <n>", "jobs claimed per round trip", parsePositiveInteger, 10)
    .option("--dequeue-timeout <duration>", "longest wait between polls without a notification", parseTimerDuration, 30_000)
    .option("--heartbeat-timeout <duration>", "a job whose heartbeat is older than this is re-claimed by other workers", parseTimerDuration, 30_000)
    .option("--max-concurrent-tasks <n>", "cap on jobs running at once in this process (at least twice the batch size)", integerParser(0))
    .option("--concurrent-claims <n>", "claims in flight at once while there is a backlog (1 to 8)", parsePositiveInteger, 1)
    .option("--claim-linger <duration>", "after a claim that found work, wait this long before the next, so one claim takes more jobs", parseTimerDuration, 0)
    .option("--shutdown-timeout <duration>", "how long running jobs may take to finish once shutdown begins", parseTimerDuration, 30_000)
    .option("--log-aggregation-interval <duration>", "how often to fold the log into statistics (0 disables)", parseTimerDuration, 30_000)
    .option("--health-check-interval <duration>", "how often the LISTEN connection is probed", parseTimerDuration, 10_000)
    .option("--vacuum-interval <duration>", "on embedded PGlite, how often to VACUUM (ANALYZE) the queue tables (0 disables)", parseTimerDuration, 60_000)
    .addOption(new Option("--mode <mode>", "continuous: run until stopped; drain: stop when no eligible work is left").choices(["continuous", "drain"]).default("continuous"))
    .option("--shutdown-on-listener-failure", "stop (exit 1) when the LISTEN connection fails its health check")
    .option("--restart-on-failure", "call the factory again after the worker crashes")
    .option("--restart-delay <duration>", "wait between a crash and the restart (with --restart-on-failure)", parseTimerDuration, 5_000)
    .action(async (spec: string, args: string[], options: RunCommandOptions) => {
      const runOptions: Omit<RunOptions, "signal"> = {
        batchSize: options.batchSize,
        dequeueTimeout: options.dequeueTimeout,
        heartbeatTimeout: options.heartbeatTimeout,
        mode: options.mode,
        concurrentClaims: options.concurrentClaims,
        claimLinger: options.claimLinger,
        shutdownTimeout: options.shutdownTimeout,
        logAggregationInterval: options.logAggregationInterval,
        healthCheckInterval: options.healthCheckInterval,
        vacuumInterval: options.vacuumInterval,
        shutdownOnListenerFailure: options.shutdownOnListenerFailure === true,
        ...(options.maxConcurrentTasks === undefined ? {} : { maxConcurrentTasks: options.maxConcurrentTasks }),
      };
      resolveRunOptions(runOptions); // bad combinations fail here, before the module is even loaded
      const factory = (await loadFactory(spec)) as WorkerFactory;
      const logger = context.logger("info");
      const out = context.out;
      const stop = shutdownSignal();
      stop.signal.addEventListener("abort", () => logger.info(`Received ${String(stop.signal.reason)}, shutting down gracefully (send it again to exit at once).`), { once: true });

      const drain = options.mode === "drain";
      let progress: DrainProgress | undefined;
      let started = Date.now();
      try {
        await supervise({
          factory,
          args,
          runOptions,
          restartOnFailure: options.restartOnFailure === true,
          // The delay only matters when restarting (CATALOGUE SUP-13).
          restartDelay: options.restartOnFailure === true ? options.restartDelay : 0,
          signal: stop.signal,
          logger,
          connectOptions: {
            ...(context.globals.pgDsn === undefined ? {} : { dsn: context.globals.pgDsn }),
            ...(context.globals.dataDir === undefined ? {} : { dataDir: context.globals.dataDir }),
          },
          hooks: {
            started: (worker) => {
              started = Date.now();
              const queueSize = readQueueSize(worker);
              if (drain && out.statusCapable && queueSize !== undefined) {
                progress = new DrainProgress(out, queueSize);
                progress.start();
              }
            },
            finished: async (worker, failed) => {
              await progress?.stop();
              progress = undefined;
              if (drain && !failed) await printRunSummary(context, worker, started);
            },
          },
        });
      } finally {
        stop.dispose();
      }
    });
}

function readQueueSize(worker: SupervisedWorker): (() => Promise<QueueStatistics[]>) | undefined {
  const queries = worker.queries;
  if (typeof queries?.queueSize !== "function") return undefined;
  return () => queries.queueSize!();
}

async function printRunSummary(context: CliContext, worker: SupervisedWorker, started: number): Promise<void> {
  const queries = worker.queries;
  if (typeof queries?.throughputSummary !== "function") return;
  const elapsed = Date.now() - started;
  // Statistics are per second: widen the window by one so the first second is included.
  const stats = await queries.throughputSummary({ last: elapsed + 1_000 });
  printSummary(context.out, stats, elapsed);
}
