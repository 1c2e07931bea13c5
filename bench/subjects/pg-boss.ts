/**
 * pg-boss 10 under its throughput settings (see `PGBOSS_SETTINGS`): one `work()` fetching
 * large batches, `insert()` for bulk enqueue, `send()` for single jobs.
 *
 * @module
 */
import PgBoss from "pg-boss";
import { PGBOSS_SETTINGS } from "../config.js";
import { quoteIdent } from "../database.js";
import { TASK_NAME, type BenchJob, type Producer, type Subject, type WorkerHandle, type WorkerStartOptions } from "./types.js";

/** See the module documentation. */
export class PgBossSubject implements Subject {
  readonly name = "pg-boss" as const;

  constructor(
    private readonly dsn: string,
    private readonly schema: string,
  ) {}

  #open(): PgBoss {
    const boss = new PgBoss({
      connectionString: this.dsn,
      schema: this.schema,
      supervise: false,
      schedule: false,
      max: 10,
      pollingIntervalSeconds: PGBOSS_SETTINGS.pollingIntervalSeconds,
    });
    boss.on("error", (error) => console.error(`pg-boss error: ${error.message}`));
    return boss;
  }

  async install(): Promise<void> {
    const boss = this.#open();
    await boss.start();
    await boss.createQueue(TASK_NAME);
    await boss.stop({ graceful: false, wait: true });
  }

  async openProducer(): Promise<Producer> {
    const boss = this.#open();
    await boss.start();
    return {
      enqueueBatch: async (jobs: readonly BenchJob[]) => {
        await boss.insert(jobs.map((job) => ({ name: TASK_NAME, data: { seq: job.seq } })));
      },
      enqueueOne: async (job: BenchJob) => {
        await boss.send(TASK_NAME, { seq: job.seq });
      },
      close: () => boss.stop({ graceful: false, wait: true }),
    };
  }

  async startWorker(options: WorkerStartOptions): Promise<WorkerHandle> {
    const boss = this.#open();
    await boss.start();
    await boss.work<BenchJob>(
      TASK_NAME,
      { batchSize: PGBOSS_SETTINGS.batchSize, pollingIntervalSeconds: PGBOSS_SETTINGS.pollingIntervalSeconds },
      // One async call per job, all of the batch at once: the same per-job work as the others.
      async (jobs) => {
        await Promise.all(jobs.map(async (job) => options.onJob(job.data.seq)));
      },
    );
    return { stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }) };
  }

  remainingQuery(): string {
    return `SELECT count(*)::int AS remaining FROM ${quoteIdent(this.schema)}.job WHERE name = '${TASK_NAME}' AND state < 'completed'`;
  }
}
