/**
 * Producer processes: the enqueue scenario (timed from the inside), the steady producer
 * (batches as fast as it can for a fixed time) and the paced producer of the latency scenario.
 *
 * @module
 */
import type { LibraryName } from "../config.js";
import { preciseNow, WARM_UP_SEQ, type ChildResult } from "../protocol.js";
import { createSubject } from "../subjects/index.js";
import type { BenchJob } from "../subjects/types.js";
import { sleep, type Inbox } from "./inbox.js";

/** Where the producer enqueues. */
export interface ProducerTarget {
  readonly library: LibraryName;
  readonly dsn: string;
  readonly schema: string;
}

function jobs(from: number, count: number): BenchJob[] {
  return Array.from({ length: count }, (_, index) => ({ seq: from + index }));
}

/**
 * `batchJobs` in batches of `batchSize`, then `singleJobs` one at a time; each phase timed.
 * One untimed batch first, for every library alike: some producers connect lazily on their
 * first call and others in `openProducer`, so without it only some would pay the connection
 * (and the first compilation of their enqueue path) inside the clock.
 */
export async function runEnqueue(task: ProducerTarget & { batchJobs: number; batchSize: number; singleJobs: number }): Promise<ChildResult> {
  const producer = await (await createSubject(task.library, task.dsn, task.schema)).openProducer();
  try {
    const batches: BenchJob[][] = [];
    for (let from = 0; from < task.batchJobs; from += task.batchSize) batches.push(jobs(from, Math.min(task.batchSize, task.batchJobs - from)));
    await producer.enqueueBatch(jobs(task.batchJobs + task.singleJobs, task.batchSize)); // untimed warm-up
    const batchStart = performance.now();
    for (const batch of batches) await producer.enqueueBatch(batch);
    const batchSeconds = (performance.now() - batchStart) / 1000;
    const singles = jobs(task.batchJobs, task.singleJobs);
    const singleStart = performance.now();
    for (const job of singles) await producer.enqueueOne(job);
    const singleSeconds = (performance.now() - singleStart) / 1000;
    return { kind: "enqueue", batchSeconds, singleSeconds };
  } finally {
    await producer.close();
  }
}

/** Batches of `batchSize`, back to back on one connection, for `duration` ms after "go". */
export async function runSteadyProducer(task: ProducerTarget & { duration: number; batchSize: number }, inbox: Inbox): Promise<ChildResult> {
  const producer = await (await createSubject(task.library, task.dsn, task.schema)).openProducer();
  try {
    await inbox.send({ type: "ready" });
    await inbox.next("go");
    let seq = 0;
    const start = performance.now();
    const end = start + task.duration;
    while (performance.now() < end) {
      await producer.enqueueBatch(jobs(seq, task.batchSize));
      seq += task.batchSize;
    }
    return { kind: "steady-producer", enqueued: seq, seconds: (performance.now() - start) / 1000 };
  } finally {
    await producer.close();
  }
}

/**
 * How long the latency producer waits after its warm-up job before the measured ones. Every
 * library handles that job within milliseconds; the rest lets both processes go idle again.
 */
const WARM_UP_PAUSE = 500;

/**
 * One job every `gap` ms; records when each enqueue's commit was acknowledged. First one
 * unmeasured job: it opens the producer's connection (otherwise the first measured enqueues
 * start late and bunch up as the schedule catches up) and takes the one-time costs of the
 * worker's first job (code compiled on first use, a connection's first statements), which
 * are a start-up cost, not pickup latency at idle.
 */
export async function runLatencyProducer(task: ProducerTarget & { count: number; gap: number }): Promise<ChildResult> {
  const producer = await (await createSubject(task.library, task.dsn, task.schema)).openProducer();
  try {
    await producer.enqueueOne({ seq: WARM_UP_SEQ });
    await sleep(WARM_UP_PAUSE);
    const commits: [number, number][] = [];
    const start = performance.now();
    for (let seq = 0; seq < task.count; seq += 1) {
      const wait = start + seq * task.gap - performance.now();
      if (wait > 0) await sleep(wait);
      await producer.enqueueOne({ seq });
      commits.push([seq, preciseNow()]);
    }
    return { kind: "latency-producer", commits };
  } finally {
    await producer.close();
  }
}
