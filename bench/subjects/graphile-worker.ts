/**
 * graphile-worker 0.17 under its documented high-throughput settings (see
 * `GRAPHILE_SETTINGS`): local queue, batched completions, `addJobs` for bulk enqueue.
 *
 * @module
 */
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";
import { GRAPHILE_SETTINGS } from "../config.js";
import { quoteIdent } from "../database.js";
import { TASK_NAME, type BenchJob, type Producer, type Subject, type WorkerHandle, type WorkerStartOptions } from "./types.js";

const silentLogger = new Logger(() => () => undefined);

/** See the module documentation. */
export class GraphileWorkerSubject implements Subject {
  readonly name = "graphile-worker" as const;

  constructor(
    private readonly dsn: string,
    private readonly schema: string,
  ) {}

  async install(): Promise<void> {
    await runMigrations({ connectionString: this.dsn, schema: this.schema, logger: silentLogger });
  }

  async openProducer(): Promise<Producer> {
    const utils = await makeWorkerUtils({ connectionString: this.dsn, schema: this.schema, logger: silentLogger });
    return {
      enqueueBatch: async (jobs: readonly BenchJob[]) => {
        await utils.addJobs(jobs.map((job) => ({ identifier: TASK_NAME, payload: { seq: job.seq } })));
      },
      enqueueOne: async (job: BenchJob) => {
        await utils.addJob(TASK_NAME, { seq: job.seq });
      },
      close: async () => {
        await utils.release();
      },
    };
  }

  async startWorker(options: WorkerStartOptions): Promise<WorkerHandle> {
    const runner = await run({
      connectionString: this.dsn,
      schema: this.schema,
      concurrency: GRAPHILE_SETTINGS.concurrency,
      maxPoolSize: GRAPHILE_SETTINGS.maxPoolSize,
      pollInterval: GRAPHILE_SETTINGS.pollInterval,
      noHandleSignals: true,
      logger: silentLogger,
      taskList: {
        [TASK_NAME]: async (payload) => {
          options.onJob((payload as BenchJob).seq);
        },
      },
      preset: {
        worker: {
          localQueue: { size: GRAPHILE_SETTINGS.localQueueSize },
          completeJobBatchDelay: GRAPHILE_SETTINGS.completeJobBatchDelay,
          failJobBatchDelay: GRAPHILE_SETTINGS.failJobBatchDelay,
        },
      },
    });
    return { stop: () => runner.stop() };
  }

  remainingQuery(): string {
    // Finished jobs are deleted; whatever is left is queued or locked.
    return `SELECT count(*)::int AS remaining FROM ${quoteIdent(this.schema)}._private_jobs`;
  }
}
