/**
 * The SQL floor: the very statements our queue runs per batch — `enqueueStatement`,
 * `claimStatement` and `recordOutcomesStatement` from src/sql/ — driven by a bare loop over
 * node-postgres clients, with no runtime around them. Each loop claims a batch, calls the
 * handlers, writes the outcomes, and repeats; `loops` such loops run side by side, each on
 * its own connection.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { resolveSettings, type Settings } from "../../src/domain/settings.js";
import { recordOutcomesStatement } from "../../src/sql/queue-outcomes.js";
import { claimStatement } from "../../src/sql/claim.js";
import { enqueueStatement, type EnqueueRecord } from "../../src/sql/queue.js";
import type { SqlStatement } from "../../src/sql/statement.js";
import type { LibraryName } from "../config.js";
import { FLOOR_SETTINGS } from "../config.js";
import { benchSettings, installPgQueuerSchema, PgQueuerSubject } from "./pgqueuer.js";
import { TASK_NAME, type BenchJob, type Producer, type Subject, type WorkerHandle, type WorkerStartOptions } from "./types.js";

/** How long an idle continuous loop waits for a notification before it claims again (ms). */
const IDLE_WAIT = 50;

function record(job: BenchJob): EnqueueRecord {
  return {
    entrypoint: TASK_NAME,
    priority: 0,
    payload: Buffer.from(String(job.seq)).toString("base64"),
    delay: 0,
    executeAt: null,
    dedupeKey: null,
    headers: null,
  };
}

async function run(client: pg.ClientBase, statement: SqlStatement): Promise<pg.QueryResult> {
  return client.query({ text: statement.text, values: [...statement.values], ...(statement.name === undefined ? {} : { name: statement.name }) });
}

/** See the module documentation. */
export class SqlFloorSubject implements Subject {
  readonly #settings: Settings;

  constructor(
    private readonly dsn: string,
    private readonly schema: string,
    /** Claim loops side by side, one connection each. */
    private readonly loops = 1,
    readonly name: LibraryName = "sql-floor",
  ) {
    this.#settings = resolveSettings(benchSettings(schema));
  }

  async install(): Promise<void> {
    await installPgQueuerSchema(this.dsn, this.#settings);
  }

  async openProducer(): Promise<Producer> {
    const client = new pg.Client({ connectionString: this.dsn });
    await client.connect();
    return {
      enqueueBatch: async (jobs: readonly BenchJob[]) => {
        await run(client, enqueueStatement(this.#settings, jobs.map(record), "raise"));
      },
      enqueueOne: async (job: BenchJob) => {
        await run(client, enqueueStatement(this.#settings, [record(job)], "raise"));
      },
      close: () => client.end(),
    };
  }

  async startWorker(options: WorkerStartOptions): Promise<WorkerHandle> {
    const clients = await Promise.all(
      Array.from({ length: this.loops }, async () => {
        const client = new pg.Client({ connectionString: this.dsn });
        await client.connect();
        return client;
      }),
    );
    let stopping = false;
    const loops = clients.map((client) => this.#loop(client, options, () => stopping));
    const all = Promise.all(loops).then(() => undefined);
    return {
      drained: options.mode === "drain" ? all : undefined,
      stop: async () => {
        stopping = true;
        await all;
        await Promise.all(clients.map((client) => client.end()));
      },
    };
  }

  async #loop(client: pg.Client, options: WorkerStartOptions, stopping: () => boolean): Promise<void> {
    const queueManagerId = randomUUID();
    const { batchSize } = FLOOR_SETTINGS;
    let wake: (() => void) | undefined;
    if (options.mode === "continuous") {
      client.on("notification", () => wake?.());
      await client.query(`LISTEN "${this.#settings.names.channel}"`);
    }
    while (!stopping()) {
      const claim = claimStatement(this.#settings, {
        batchSize,
        entrypoints: [{ name: TASK_NAME, limit: 0 }],
        queueManagerId,
        workerLimit: null,
        heartbeatTimeout: 30_000,
      });
      const { rows } = await run(client, claim);
      if (rows.length > 0) {
        await Promise.all(rows.map(async (row: { payload: Buffer }) => options.onJob(Number(row.payload.toString()))));
        const outcomes = rows.map((row: { id: string }) => ({ id: Number(row.id), kind: "successful" as const, traceback: null, delay: 0 }));
        await run(client, recordOutcomesStatement(this.#settings, queueManagerId, outcomes));
      }
      if (rows.length < batchSize) {
        if (options.mode === "drain") return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_WAIT);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  remainingQuery(): string {
    return new PgQueuerSubject(this.dsn, this.schema).remainingQuery();
  }
}
