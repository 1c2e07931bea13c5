/**
 * The handler module of examples/executors/worker-thread.ts. It runs inside a worker thread,
 * so it may compute for as long as it likes without blocking the worker's event loop.
 * (Only types are imported from the library: the thread loads nothing else.)
 */
import type { WorkerThreadJob } from "../../src/index.js";

/** Count the primes below the number in the payload; the payload "spin" never returns. */
export default function countPrimes(job: WorkerThreadJob): number {
  const input = job.payload!.toString();
  if (input === "spin") {
    for (;;) {
      // a runaway job: only terminating the thread stops it
    }
  }
  const limit = Number(input);
  const composite = new Uint8Array(limit);
  let count = 0;
  for (let candidate = 2; candidate < limit; candidate++) {
    if (composite[candidate] === 1) continue;
    count++;
    for (let multiple = candidate * candidate; multiple < limit; multiple += candidate) composite[multiple] = 1;
  }
  return count;
}
