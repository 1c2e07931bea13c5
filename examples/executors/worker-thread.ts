/**
 * CPU-bound work on worker threads. Two prime counts run on a pool of threads while the main
 * event loop stays free; a runaway job (an endless loop) is stopped by a timeout, which
 * terminates its thread. A small wrapper executor records each result, showing how to
 * write an executor around another one.
 *
 * Run: npx tsx examples/executors/worker-thread.ts
 *
 * Prints:
 *   job 1: primes below 100000 = 9592
 *   job 2: primes below 1000000 = 78498
 *   job 1: successful
 *   job 2: successful
 *   job 3: exception (JobTimeoutError: job 3 exceeded its timeout of 2000 ms)
 */
import { PGlite } from "@electric-sql/pglite";
import {
  AbstractEntrypointExecutor,
  PgQueuer,
  TimeoutEntrypointExecutor,
  WorkerThreadEntrypointExecutor,
  type Context,
  type EntrypointExecutorParameters,
  type Job,
} from "../../src/index.js";

const results = new Map<number, unknown>();

/** Runs another executor and keeps its result. */
class RecordResult extends AbstractEntrypointExecutor {
  constructor(
    parameters: EntrypointExecutorParameters,
    private readonly inner: AbstractEntrypointExecutor,
  ) {
    super(parameters);
  }

  async execute(job: Job, context: Context): Promise<unknown> {
    const result = await this.inner.execute(job, context);
    results.set(job.id, result);
    return result;
  }

  override async close(): Promise<void> {
    await this.inner.close?.();
  }
}

const HANDLER = new URL("./worker-thread-handler.ts", import.meta.url);

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);

// CPU-bound jobs on a pool of two threads; RecordResult keeps what each returns.
pgq.entrypoint(
  "count_primes",
  {
    executorFactory: (parameters) =>
      new RecordResult(parameters, new WorkerThreadEntrypointExecutor(parameters, { module: HANDLER, poolSize: 2 })),
  },
  async () => {}, // not called: the module is the handler
);

// A runaway job: the timeout aborts its signal, and that terminates the thread stuck in the loop.
// (The limit counts from the start of the job, and a fresh thread first loads the module —
// most of a second for a TypeScript module under tsx — so leave room for that.)
pgq.entrypoint(
  "runaway",
  {
    executorFactory: (parameters) =>
      new TimeoutEntrypointExecutor(parameters, {
        timeout: 2_000,
        inner: new WorkerThreadEntrypointExecutor(parameters, { module: HANDLER, poolSize: 1 }),
      }),
  },
  async () => {},
);

await pgq.queries.install();
const ids = [
  await pgq.queries.enqueue("count_primes", "100000"),
  await pgq.queries.enqueue("count_primes", "1000000"),
  await pgq.queries.enqueue("runaway", "spin"),
];

// On the main thread the endless loop would freeze this process for good; on a thread it is
// just a job that times out.
await pgq.run({ mode: "drain" });

for (const [id, input] of [[ids[0]!, "100000"], [ids[1]!, "1000000"]] as const) console.log(`job ${id}: primes below ${input} = ${String(results.get(id))}`);
const log = await pgq.queries.queueLog();
for (const id of ids) {
  const last = log.filter((row) => row.jobId === id).at(-1)!;
  const why = last.traceback === null ? "" : ` (${last.traceback.exceptionType}: ${last.traceback.exceptionMessage})`;
  console.log(`job ${id}: ${last.status}${why}`);
}
await db.close();
