/**
 * Database-level retries with `onFailure: "hold"`: a failure goes back to the queue with a
 * growing delay (computed from job.attempts, so any worker can run the next attempt); what
 * still fails after maxAttempts retries is held as `failed`, fixed, requeued, and then runs.
 *
 * Run: npx tsx examples/executors/database-retry.ts
 *
 * Prints:
 *   first run
 *   job 1 (sku-1): ran with attempts 0, 1, 2 -> successful
 *   job 2 (sku-2): ran with attempts 0, 1, 2 -> failed
 *   inventory service repaired; requeueing job 2
 *   second run
 *   job 2 (sku-2): ran with attempts 0 -> successful
 */
import { PGlite } from "@electric-sql/pglite";
import { DatabaseRetryEntrypointExecutor, PgQueuer } from "../../src/index.js";

let inventoryOnline = false;
const attemptsSeen = new Map<number, number[]>();

const db = new PGlite();
const pgq = PgQueuer.fromPGlite(db);

pgq.entrypoint(
  "sync_inventory",
  {
    onFailure: "hold", // keep what still fails after the retries, for a requeue
    executorFactory: (parameters) =>
      new DatabaseRetryEntrypointExecutor(parameters, {
        maxAttempts: 2, // two retries: at most three executions
        initialDelay: 20, // ms; then 40
        maxDelay: 1_000,
      }),
  },
  async (job) => {
    attemptsSeen.set(job.id, [...(attemptsSeen.get(job.id) ?? []), job.attempts]);
    const sku = job.payload!.toString();
    if (sku === "sku-1" && job.attempts < 2) throw new Error("inventory service timeout"); // transient
    if (sku === "sku-2" && !inventoryOnline) throw new Error("inventory service down"); // lasting
  },
);

const skus = new Map<number, string>();

async function report(ids: number[]): Promise<void> {
  const statuses = new Map((await pgq.queries.jobStatus(ids)).map((entry) => [entry.id, entry.status]));
  for (const id of ids) {
    console.log(`job ${id} (${skus.get(id)}): ran with attempts ${(attemptsSeen.get(id) ?? []).join(", ")} -> ${statuses.get(id)}`);
  }
}

await pgq.queries.install();
for (const sku of ["sku-1", "sku-2"]) skus.set(await pgq.queries.enqueue("sync_inventory", sku), sku);
const [first, second] = [...skus.keys()] as [number, number];

console.log("first run");
await pgq.run({ mode: "drain" });
await report([first, second]);

inventoryOnline = true;
console.log(`inventory service repaired; requeueing job ${second}`);
attemptsSeen.delete(second);
await pgq.queries.requeueJobs([second]); // back to queued, attempts reset to 0

console.log("second run");
await pgq.run({ mode: "drain" });
await report([second]);
await db.close();
