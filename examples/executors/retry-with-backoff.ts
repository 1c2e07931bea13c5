/**
 * In-process retries: a job that fails twice and then succeeds, and one that never succeeds
 * and ends with MaxRetriesExceeded. Each failed attempt is logged with the next wait.
 *
 * Run: npx tsx examples/executors/retry-with-backoff.ts
 *
 * Prints:
 *   job 1: attempt 1/3 failed: upstream timeout; retrying in 10 ms
 *   job 1: attempt 2/3 failed: upstream timeout; retrying in 20 ms
 *   job 1: fetched on attempt 3
 *   job 2: attempt 1/3 failed: upstream is down; retrying in 10 ms
 *   job 2: attempt 2/3 failed: upstream is down; retrying in 20 ms
 *   job 2: attempt 3/3 failed: upstream is down; giving up
 *   job 1: successful
 *   job 2: exception (MaxRetriesExceeded: gave up after 3 attempts)
 */
import { PGlite } from "@electric-sql/pglite";
import { PgQueuer, RetryWithBackoffEntrypointExecutor } from "../../src/index.js";

// Lines are kept per job and printed at the end, so jobs running side by side print in a stable order.
const lines = new Map<number, string[]>();
const note = (jobId: number, line: string): void => {
  lines.set(jobId, [...(lines.get(jobId) ?? []), line]);
};

// Any pino-compatible logger works; this one keeps the retry lines.
const logger = {
  debug: () => undefined,
  info: () => undefined,
  error: () => undefined,
  warn: (object: object | string, message?: string) => {
    if (typeof object === "object") note((object as { jobId: number }).jobId, message ?? "");
  },
};

const calls = new Map<number, number>();

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);

pgq.entrypoint(
  "fetch_quote",
  {
    executorFactory: (parameters) =>
      new RetryWithBackoffEntrypointExecutor(parameters, {
        maxAttempts: 3,
        initialDelay: 10, // ms; the waits are 10, then 20
        maxDelay: 500,
        maxTime: 1_000,
        jitter: "none", // exact waits, for a reproducible printout; keep the default "equal" in production
        logger,
      }),
  },
  async (job) => {
    const call = (calls.get(job.id) ?? 0) + 1;
    calls.set(job.id, call);
    const mode = job.payload!.toString();
    if (mode === "broken") throw new Error("upstream is down");
    if (call < 3) throw new Error("upstream timeout");
    note(job.id, `fetched on attempt ${call}`);
  },
);

await pgq.queries.install();
const ids = [await pgq.queries.enqueue("fetch_quote", "flaky"), await pgq.queries.enqueue("fetch_quote", "broken")];
await pgq.run({ mode: "drain" });

for (const id of ids) for (const line of lines.get(id) ?? []) console.log(`job ${id}: ${line}`);
const log = await pgq.queries.queueLog();
for (const id of ids) {
  const last = log.filter((row) => row.jobId === id).at(-1)!;
  const why = last.traceback === null ? "" : ` (${last.traceback.exceptionType}: ${last.traceback.exceptionMessage})`;
  console.log(`job ${id}: ${last.status}${why}`);
}
await db.close();
