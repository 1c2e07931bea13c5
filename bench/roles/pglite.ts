/**
 * Our library on embedded PGlite (in-process, in-memory): install, fill, and drain in one
 * process, timing the drain only. The database engine runs in this process, so its CPU and
 * memory are part of the numbers (reported apart from the PostgreSQL ones).
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { SchemaManager } from "../../src/adapters/persistence/schema-manager.js";
import { PGliteDriver } from "../../src/adapters/pglite/driver.js";
import { resolveSettings } from "../../src/domain/settings.js";
import { PgQueuer } from "../../src/pgqueuer.js";
import { PGQUEUER_RUN } from "../config.js";
import { cpuSeconds, type ChildResult } from "../protocol.js";
import { TASK_NAME } from "../subjects/types.js";
import { WindowProfiler } from "./profiler.js";

/** Drain `jobs` no-op jobs enqueued in batches of `enqueueBatchSize`, claiming `batchSize` at a time. */
export async function runPGliteDrain(task: { jobs: number; enqueueBatchSize: number; batchSize: number }): Promise<ChildResult> {
  const db = new PGlite();
  try {
    const settings = resolveSettings({});
    await new SchemaManager(new PGliteDriver(db), settings).install();
    const pgq = PgQueuer.fromPGlite(db);
    for (let from = 0; from < task.jobs; from += task.enqueueBatchSize) {
      const size = Math.min(task.enqueueBatchSize, task.jobs - from);
      await pgq.queries.enqueueMany(Array.from({ length: size }, (_, index) => ({ entrypoint: TASK_NAME, payload: String(from + index) })));
    }
    let count = 0;
    let firstAt = 0;
    let cpuAtFirst = 0;
    pgq.entrypoint(TASK_NAME, async () => {
      if (count === 0) {
        firstAt = performance.now();
        cpuAtFirst = cpuSeconds();
      }
      count += 1;
    });
    const profiler = new WindowProfiler();
    await profiler.start();
    const startAt = performance.now();
    await pgq.run({
      mode: "drain",
      batchSize: task.batchSize,
      maxConcurrentTasks: Math.max(PGQUEUER_RUN.maxConcurrentTasks, 2 * task.batchSize),
      heartbeatTimeout: PGQUEUER_RUN.heartbeatTimeout,
      logAggregationInterval: PGQUEUER_RUN.logAggregationInterval,
    });
    const endAt = performance.now();
    const cpuAtEnd = cpuSeconds();
    await profiler.stop();
    const left = await db.query<{ remaining: number }>("SELECT count(*)::int AS remaining FROM pgqueuer");
    const remaining = left.rows[0]?.remaining ?? -1;
    if (count !== task.jobs || remaining !== 0) throw new Error(`PGlite drain ended with ${count}/${task.jobs} handlers run and ${remaining} jobs left`);
    return {
      kind: "drain",
      jobs: count,
      seconds: (endAt - firstAt) / 1000,
      startupSeconds: (firstAt - startAt) / 1000,
      cpuSeconds: cpuAtEnd - cpuAtFirst,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await db.close();
  }
}
