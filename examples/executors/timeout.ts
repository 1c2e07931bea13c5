/**
 * A time limit per execution, alone and inside a retry executor.
 *
 * - `render_report` gives each job 100 ms: a quick job succeeds; a job that honours its signal
 *   stops at the deadline; a job that ignores its signal fails at the deadline all the same.
 * - `fetch_prices` retries in process, each attempt under its own 100 ms limit: the first
 *   attempt hangs, times out, and the second one succeeds.
 *
 * Run: npx tsx examples/executors/timeout.ts
 *
 * Prints:
 *   job 1 (quick): successful
 *   job 2 (honours its signal): exception (JobTimeoutError: job 2 exceeded its timeout of 100 ms)
 *   job 3 (ignores its signal): exception (JobTimeoutError: job 3 exceeded its timeout of 100 ms)
 *   job 4 (hangs once): attempt 1/3 failed: job 4 exceeded its timeout of 100 ms; retrying in 10 ms
 *   job 4 (hangs once): successful
 */
import { PGlite } from "@electric-sql/pglite";
import { PgQueuer, RetryWithBackoffEntrypointExecutor, TimeoutEntrypointExecutor, type Context } from "../../src/index.js";

const notes = new Map<number, string[]>();
const note = (jobId: number, line: string): void => {
  notes.set(jobId, [...(notes.get(jobId) ?? []), line]);
};

/** Wait until the signal aborts, then throw its reason: what a well-behaved slow handler does. */
function untilAborted(context: Context): Promise<never> {
  return new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason), { once: true }));
}

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);

pgq.entrypoint("render_report", { executorFactory: (parameters) => new TimeoutEntrypointExecutor(parameters, { timeout: 100 }) }, async (job, context) => {
  const kind = job.payload!.toString();
  if (kind === "quick") return;
  if (kind === "honours its signal") await untilAborted(context);
  await new Promise(() => undefined); // "ignores its signal": never settles
});

let fetchCalls = 0;
pgq.entrypoint(
  "fetch_prices",
  {
    executorFactory: (parameters) =>
      new RetryWithBackoffEntrypointExecutor(parameters, {
        maxAttempts: 3,
        initialDelay: 10,
        jitter: "none",
        inner: new TimeoutEntrypointExecutor(parameters, { timeout: 100 }), // a limit per attempt
        logger: { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (object: object | string, message?: string) => note((object as { jobId: number }).jobId, message ?? "") },
      }),
  },
  async (_job, context) => {
    fetchCalls++;
    if (fetchCalls === 1) await untilAborted(context); // the first attempt hangs until its timeout
  },
);

await pgq.queries.install();
const jobs: [number, string][] = [];
for (const kind of ["quick", "honours its signal", "ignores its signal"]) jobs.push([await pgq.queries.enqueue("render_report", kind), kind]);
jobs.push([await pgq.queries.enqueue("fetch_prices", null), "hangs once"]);
await pgq.run({ mode: "drain" });

const log = await pgq.queries.queueLog();
for (const [id, label] of jobs) {
  for (const line of notes.get(id) ?? []) console.log(`job ${id} (${label}): ${line}`);
  const last = log.filter((row) => row.jobId === id).at(-1)!;
  const why = last.traceback === null ? "" : ` (${last.traceback.exceptionType}: ${last.traceback.exceptionMessage})`;
  console.log(`job ${id} (${label}): ${last.status}${why}`);
}
await db.close();
