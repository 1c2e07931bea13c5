/**
 * Our library, through its public API: `PgQueuer.fromPg(pool)`, `queries.enqueueMany` /
 * `queries.enqueue`, an entrypoint and `run()` with the settings in `PGQUEUER_RUN` (or one of
 * the `PGQUEUER_VARIANTS`).
 *
 * @module
 */
import pg from "pg";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { PgPoolDriver } from "../../src/adapters/pg/driver.js";
import { resolveSettings, type Settings, type SettingsOptions } from "../../src/domain/settings.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { PGQUEUER_RUN, PGQUEUER_VARIANTS, type PgQueuerVariant } from "../config.js";
import { quoteIdent } from "../database.js";
import { TASK_NAME, type BenchJob, type Producer, type Subject, type WorkerHandle, type WorkerStartOptions } from "./types.js";

/** Connections of the worker's pool: LISTEN holds one; claims and outcome writes overlap on the others. */
export const WORKER_POOL_SIZE = 10;

/**
 * Settings of one benchmark queue: its own schema, and its own NOTIFY channel (channels are
 * database-wide, and other sessions on a shared server may use the default one).
 */
export function benchSettings(schema: string, durability: PgQueuerVariant["durability"] = "durable"): SettingsOptions {
  return { schema, channel: `${schema}_ch`, durability };
}

/** Install our schema (shared by our library and the SQL floor); optionally PgQueuer's autovacuum tuning. */
export async function installPgQueuerSchema(dsn: string, settings: Settings, options: { autovac?: boolean } = {}): Promise<void> {
  const pool = new pg.Pool({ connectionString: dsn, max: 2 });
  try {
    const manager = new SchemaManager(new PgPoolDriver(pool), settings);
    await manager.install();
    if (options.autovac) await manager.autovac();
  } finally {
    await pool.end();
  }
}

/** Payloads are the job's sequence number as text. */
function payloadOf(job: BenchJob): string {
  return String(job.seq);
}

/** See the module documentation. */
export class PgQueuerSubject implements Subject {
  readonly name = "pgqueuer" as const;
  readonly #settings: SettingsOptions;
  readonly #variant: PgQueuerVariant;

  constructor(
    private readonly dsn: string,
    private readonly schema: string,
    variant?: string,
  ) {
    const found: PgQueuerVariant | undefined = variant === undefined ? { description: "default" } : PGQUEUER_VARIANTS[variant];
    if (!found) throw new Error(`unknown pgqueuer variant ${JSON.stringify(variant)}`);
    this.#variant = found;
    this.#settings = benchSettings(schema, found.durability);
  }

  async install(): Promise<void> {
    await installPgQueuerSchema(this.dsn, resolveSettings(this.#settings), { autovac: this.#variant.autovac === true });
  }

  async openProducer(): Promise<Producer> {
    const pool = new pg.Pool({ connectionString: this.dsn, max: 2 });
    const pgq = PgQueuer.fromPg(pool, { settings: this.#settings });
    return {
      enqueueBatch: async (jobs: readonly BenchJob[]) => {
        await pgq.queries.enqueueMany(jobs.map((job) => ({ entrypoint: TASK_NAME, payload: payloadOf(job) })));
      },
      enqueueOne: async (job: BenchJob) => {
        await pgq.queries.enqueue(TASK_NAME, payloadOf(job));
      },
      close: () => pool.end(),
    };
  }

  async startWorker(options: WorkerStartOptions): Promise<WorkerHandle> {
    const pool = new pg.Pool({ connectionString: this.dsn, max: WORKER_POOL_SIZE });
    const pgq = PgQueuer.fromPg(pool, { settings: this.#settings });
    pgq.entrypoint(TASK_NAME, async (job) => {
      options.onJob(Number(job.payload?.toString()));
    });
    const variant = this.#variant;
    const running = pgq.run({
      mode: options.mode,
      batchSize: variant.batchSize ?? PGQUEUER_RUN.batchSize,
      maxConcurrentTasks: variant.maxConcurrentTasks !== undefined ? variant.maxConcurrentTasks : PGQUEUER_RUN.maxConcurrentTasks,
      heartbeatTimeout: variant.heartbeatTimeout ?? PGQUEUER_RUN.heartbeatTimeout,
      concurrentClaims: variant.concurrentClaims ?? PGQUEUER_RUN.concurrentClaims,
      claimLinger: variant.claimLinger ?? PGQUEUER_RUN.claimLinger,
      logAggregationInterval: variant.logAggregationInterval ?? options.logAggregationInterval ?? PGQUEUER_RUN.logAggregationInterval,
    });
    return {
      drained: options.mode === "drain" ? running : undefined,
      stop: async () => {
        pgq.stop();
        await running;
        await pool.end();
      },
    };
  }

  remainingQuery(): string {
    // Finished jobs leave the queue table (their history is in the log table).
    return `SELECT count(*)::int AS remaining FROM ${quoteIdent(this.schema)}.pgqueuer`;
  }
}
