/**
 * The worker process of a scenario: runs one library's worker with no-op handlers and
 * measures it from the inside (time, CPU via `process.cpuUsage()`, peak RSS via
 * `process.resourceUsage().maxRSS`).
 *
 * @module
 */
import pg from "pg";
import type { LibraryName } from "../config.js";
import { countRemaining } from "../database.js";
import { cpuSeconds, preciseNow, WARM_UP_SEQ, type ChildResult, type WorkerMode } from "../protocol.js";
import { createSubject } from "../subjects/index.js";
import { PGQUEUER_STEADY_AGGREGATION } from "../config.js";
import { deferred, sleep, type Inbox } from "./inbox.js";
import { WindowProfiler } from "./profiler.js";

/** What the worker process is told. */
export interface WorkerTask {
  readonly library: LibraryName;
  readonly dsn: string;
  readonly schema: string;
  readonly mode: WorkerMode;
  readonly expected: number;
  readonly variant?: string;
}

/** Run the worker task; resolves to its result. */
export async function runWorker(task: WorkerTask, inbox: Inbox): Promise<ChildResult> {
  switch (task.mode) {
    case "drain":
      return drain(task);
    case "steady":
      return steady(task, inbox);
    case "latency":
      return latency(task, inbox);
  }
}

async function drain(task: WorkerTask): Promise<ChildResult> {
  const subject = await createSubject(task.library, task.dsn, task.schema, task.variant);
  // Connected before the clock starts; used only after the last handler ran.
  const monitor = new pg.Client({ connectionString: task.dsn });
  await monitor.connect();
  const allStarted = deferred();
  let count = 0;
  let firstAt = 0;
  let cpuAtFirst = 0;
  const onJob = (): void => {
    if (count === 0) {
      firstAt = performance.now();
      cpuAtFirst = cpuSeconds();
    }
    count += 1;
    if (count === task.expected) allStarted.resolve();
  };
  const profiler = new WindowProfiler();
  await profiler.start();
  const startAt = performance.now();
  const handle = await subject.startWorker({ mode: "drain", onJob });
  // The same finish line for every library: every handler ran and the database shows nothing
  // left. A library's own drain mode resolves later (after its shutdown work), so it only ends
  // the wait early when it fails.
  let polling = true;
  const emptied = (async () => {
    await allStarted.promise;
    while (polling && (await countRemaining(monitor, subject.remainingQuery())) > 0) await sleep(1);
  })();
  try {
    await (handle.drained ? Promise.race([emptied, handle.drained.then(() => emptied)]) : emptied);
  } finally {
    polling = false;
  }
  const endAt = performance.now();
  const cpuAtEnd = cpuSeconds();
  await profiler.stop();
  await handle.stop();
  const remaining = await countRemaining(monitor, subject.remainingQuery());
  await monitor.end();
  if (count !== task.expected || remaining !== 0) {
    throw new Error(`${task.library} drain ended with ${count}/${task.expected} handlers run and ${remaining} jobs left`);
  }
  return {
    kind: "drain",
    jobs: count,
    seconds: (endAt - firstAt) / 1000,
    startupSeconds: (firstAt - startAt) / 1000,
    cpuSeconds: cpuAtEnd - cpuAtFirst,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function steady(task: WorkerTask, inbox: Inbox): Promise<ChildResult> {
  const subject = await createSubject(task.library, task.dsn, task.schema);
  let count = 0;
  const handle = await subject.startWorker({ mode: "continuous", onJob: () => (count += 1), logAggregationInterval: PGQUEUER_STEADY_AGGREGATION });
  await inbox.send({ type: "ready" });
  await inbox.next("window-start");
  const profiler = new WindowProfiler();
  await profiler.start();
  const startCount = count;
  const startAt = performance.now();
  const startCpu = cpuSeconds();
  await inbox.next("stop");
  const processed = count - startCount;
  const seconds = (performance.now() - startAt) / 1000;
  const cpu = cpuSeconds() - startCpu;
  await profiler.stop();
  await handle.stop();
  return { kind: "steady-worker", processed, seconds, cpuSeconds: cpu };
}

async function latency(task: WorkerTask, inbox: Inbox): Promise<ChildResult> {
  const subject = await createSubject(task.library, task.dsn, task.schema);
  const starts: [number, number][] = [];
  const all = deferred();
  const handle = await subject.startWorker({
    mode: "continuous",
    onJob: (seq) => {
      if (seq === WARM_UP_SEQ) return; // the producer's unmeasured first job
      starts.push([seq, preciseNow()]);
      if (starts.length === task.expected) all.resolve();
    },
  });
  const profiler = new WindowProfiler();
  await profiler.start();
  await inbox.send({ type: "ready" });
  await all.promise;
  await profiler.stop();
  await handle.stop();
  return { kind: "latency-worker", starts };
}
