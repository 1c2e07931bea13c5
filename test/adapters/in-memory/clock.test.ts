/**
 * The behaviour cases the shared files check by backdating rows with raw SQL, ported to the
 * in-memory store with an injected clock: stale re-picks, worker budget 0, deferred jobs,
 * owner-guarded outcomes, heartbeats, statistics windows, queue age, held-job order and the
 * pick-to-finish percentiles.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InMemoryDriver } from "../../../src/adapters/in-memory/driver.js";
import { InMemoryQueries } from "../../../src/adapters/in-memory/queries.js";
import { percentileCont } from "../../../src/adapters/in-memory/queue-reads.js";
import { resolveSettings } from "../../../src/domain/settings.js";
import type { EntrypointLimit } from "../../../src/ports/repository.js";

/** A queue whose clock only moves when the test says so. */
function clockedQueue(): { queries: InMemoryQueries; advance(ms: number): void; driver: InMemoryDriver } {
  let now = Date.UTC(2030, 0, 1, 12, 0, 0);
  const driver = new InMemoryDriver({ now: () => now });
  return { queries: new InMemoryQueries(driver, resolveSettings({}, {})), driver, advance: (ms) => (now += ms) };
}

function claim(queries: InMemoryQueries, options: { entrypoints: (string | EntrypointLimit)[]; worker?: string; batchSize?: number; workerLimit?: number | null; heartbeatTimeout?: number; includeStale?: boolean }) {
  return queries.dequeue({
    batchSize: options.batchSize ?? 10,
    entrypoints: options.entrypoints.map((entry) => (typeof entry === "string" ? { name: entry, concurrencyLimit: 0 } : entry)),
    queueManagerId: options.worker ?? randomUUID(),
    workerLimit: options.workerLimit ?? null,
    heartbeatTimeout: options.heartbeatTimeout ?? 30_000,
    ...(options.includeStale === undefined ? {} : { includeStale: options.includeStale }),
  });
}

describe("in-memory queue with an injected clock", () => {
  it("skips deferred jobs until due; then they compete on priority (DEQ-10, DEQ-11)", async () => {
    const { queries, advance } = clockedQueue();
    const later = await queries.enqueue("d", null, { executeAfter: 5_000, priority: 9 });
    const now = await queries.enqueue("d", null, { priority: 1 });
    expect((await claim(queries, { entrypoints: ["d"], batchSize: 1 })).map((job) => job.id)).toEqual([now]);
    expect(await claim(queries, { entrypoints: ["d"] })).toEqual([]);
    expect(await queries.probeWork(["d"])).toEqual({ eligible: false, nextEligibleIn: 5_000 });
    advance(5_000);
    expect((await claim(queries, { entrypoints: ["d"] })).map((job) => job.id)).toEqual([later]);
  });

  it("re-picks a stale job (heartbeat strictly older than the timeout) for another worker, attempts unchanged (DEQ-18)", async () => {
    const { queries, advance } = clockedQueue();
    const id = await queries.enqueue("s");
    const first = randomUUID();
    await claim(queries, { entrypoints: ["s"], worker: first });
    advance(30_000);
    expect(await claim(queries, { entrypoints: ["s"], heartbeatTimeout: 30_000 })).toEqual([]);
    advance(1);
    const second = randomUUID();
    const [job] = await claim(queries, { entrypoints: ["s"], worker: second, heartbeatTimeout: 30_000 });
    expect(job).toMatchObject({ id, status: "picked", queueManagerId: second, attempts: 0 });
    expect((await queries.jobLogHistory(id)).map((row) => row.status)).toEqual(["queued", "picked", "picked"]);
    // The old owner's outcome is ignored (LIFE-4); the new owner's is written.
    await queries.recordOutcomes(first, [{ jobId: id, outcome: { kind: "successful" } }]);
    expect(await queries.queueJobById(id)).toMatchObject({ queueManagerId: second });
    await queries.recordOutcomes(second, [{ jobId: id, outcome: { kind: "successful" } }]);
    expect(await queries.queueJobById(id)).toBeNull();
  });

  it("re-picks a stale job even when its entrypoint's only slot is held by it, and a stale high priority beats fresh work (DEQ-19, DEQ-20)", async () => {
    const { queries, advance } = clockedQueue();
    const stale = await queries.enqueue("one", null, { priority: 5 });
    await claim(queries, { entrypoints: [{ name: "one", concurrencyLimit: 1 }] });
    await queries.enqueue("one", null, { priority: 1 });
    advance(60_000);
    const picked = await claim(queries, { entrypoints: [{ name: "one", concurrencyLimit: 1 }], batchSize: 1 });
    expect(picked.map((job) => job.id)).toEqual([stale]);
  });

  it("leaves stale jobs alone when asked to (includeStale: false), and re-picks them by default", async () => {
    const { queries, advance } = clockedQueue();
    const [stale, fresh] = await queries.enqueueMany([{ entrypoint: "st", priority: 5 }, { entrypoint: "st" }]);
    await claim(queries, { entrypoints: ["st"], batchSize: 1 });
    advance(60_000);
    expect((await claim(queries, { entrypoints: ["st"], includeStale: false })).map((job) => job.id)).toEqual([fresh]);
    expect((await claim(queries, { entrypoints: ["st"] })).map((job) => job.id)).toEqual([stale]);
  });

  it("claims nothing with a worker budget of 0, not even stale jobs (DEQ-17)", async () => {
    const { queries, advance } = clockedQueue();
    const worker = randomUUID();
    await queries.enqueueMany([{ entrypoint: "b" }, { entrypoint: "b" }]);
    await claim(queries, { entrypoints: ["b"], worker, batchSize: 1 });
    advance(60_000);
    expect(await claim(queries, { entrypoints: ["b"], worker, workerLimit: 1 })).toEqual([]);
  });

  it("refreshes only the caller's picked jobs (DEQ-27, HB-4)", async () => {
    const { queries, advance } = clockedQueue();
    const [mine, theirs] = (await queries.enqueueMany([{ entrypoint: "h" }, { entrypoint: "h" }])) as number[];
    const me = randomUUID();
    await claim(queries, { entrypoints: ["h"], worker: me, batchSize: 1 });
    const other = randomUUID();
    await claim(queries, { entrypoints: ["h"], worker: other, batchSize: 1 });
    const before = (await queries.queueJobById(theirs!))!.heartbeat.getTime();
    advance(10_000);
    await queries.updateHeartbeat(me, [mine!, theirs!]);
    expect((await queries.queueJobById(mine!))!.heartbeat.getTime()).toBe(before + 10_000);
    expect((await queries.queueJobById(theirs!))!.heartbeat.getTime()).toBe(before);
  });

  it("folds the log per second and reads statistics within the window, newest first (STAT-2)", async () => {
    const { queries, advance } = clockedQueue();
    await queries.enqueueMany([{ entrypoint: "a" }, { entrypoint: "a" }]);
    advance(120_000);
    await queries.enqueue("b");
    const all = await queries.logStatistics();
    expect(all.map((row) => [row.entrypoint, row.count])).toEqual([
      ["b", 1],
      ["a", 2],
    ]);
    expect((await queries.logStatistics({ last: 60_000 })).map((row) => row.entrypoint)).toEqual(["b"]);
    expect(await queries.logStatistics({ limit: 1 })).toHaveLength(1);
    expect(await queries.unaggregatedLogCount()).toBe(0);
  });

  it("reports queue age and lists held jobs by creation time (STAT-9, LIFE-17)", async () => {
    const { queries, advance } = clockedQueue();
    const worker = randomUUID();
    const first = await queries.enqueue("q");
    advance(4_000);
    const second = await queries.enqueue("q");
    advance(2_000);
    expect(await queries.queueAge()).toEqual([
      { entrypoint: "q", queuedCount: 2, oldestCreated: expect.any(Date), oldestAge: 6_000, averageAge: 4_000 },
    ]);
    await claim(queries, { entrypoints: ["q"], worker });
    const traceback = { jobId: first, timestamp: new Date(), exceptionType: "Error", exceptionMessage: "x", traceback: "", additionalContext: null };
    await queries.recordOutcomes(worker, [first, second].map((jobId) => ({ jobId, outcome: { kind: "failed" as const, traceback } })));
    expect((await queries.listFailedJobs()).map((job) => job.id)).toEqual([second, first]);
    expect((await queries.listFailedJobs({ order: "ASC", limit: 1 })).map((job) => job.id)).toEqual([first]);
  });

  it("computes pick-to-finish percentiles like percentile_cont, within the window (STAT-10, MEM-17)", async () => {
    const { queries, advance } = clockedQueue();
    const worker = randomUUID();
    const ids = (await queries.enqueueMany([1, 2, 3, 4].map(() => ({ entrypoint: "d" })))) as number[];
    await claim(queries, { entrypoints: ["d"], worker });
    // Finished one second apart: durations 1, 2, 3 and 4 s.
    for (const id of ids) {
      advance(1_000);
      await queries.recordOutcomes(worker, [{ jobId: id, outcome: { kind: "successful" } }]);
    }
    const [stats] = await queries.jobDurationPercentiles();
    expect(stats).toMatchObject({ entrypoint: "d", completed: 4, max: 4_000 });
    expect(stats!.p50).toBeCloseTo(2_500, 6);
    expect(stats!.p95).toBeCloseTo(3_850, 6);
    advance(2 * 3_600_000);
    expect(await queries.jobDurationPercentiles()).toEqual([]);
    expect(percentileCont([7], 0.95)).toBe(7);
    expect(() => percentileCont([], 0.5)).toThrow(RangeError);
  });
});
