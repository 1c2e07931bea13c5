import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../src/domain/errors.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend, type TestDatabase } from "../../support/backends.js";
import { captureEvents, claim, logRows, loggedStatuses, queriesFor, queueRows, resetTables } from "./support.js";

/** Move a job's heartbeat into the past, as if its worker had died `ms` ago. */
async function ageHeartbeat(db: TestDatabase, id: number, ms: number): Promise<void> {
  await db.driver.execute({
    text: `UPDATE ${sqlNames(db.settings).queueTable} SET heartbeat = NOW() - $2::double precision * INTERVAL '1 millisecond' WHERE id = $1`,
    values: [id, ms],
  });
}

/** Make a deferred job due, as if its time had come. */
async function makeDue(db: TestDatabase, id: number): Promise<void> {
  await db.driver.execute({ text: `UPDATE ${sqlNames(db.settings).queueTable} SET execute_after = NOW() - INTERVAL '1 second' WHERE id = $1`, values: [id] });
}

describeEachBackend("Queries.dequeue", (db) => {
  beforeEach(() => resetTables(db()));

  it("claims only requested entrypoints; claimed jobs are picked, owned, with fresh heartbeat (DEQ-3, DEQ-4)", async () => {
    const queries = queriesFor(db());
    const [mine] = await queries.enqueueMany([{ entrypoint: "mine", payload: "m", headers: { h: 1 } }, { entrypoint: "theirs" }]);
    const worker = randomUUID();
    const jobs = await claim(queries, { entrypoints: ["mine"], worker });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ id: mine, status: "picked", queueManagerId: worker, entrypoint: "mine", attempts: 0, headers: { h: 1 } });
    expect(jobs[0]!.payload!.toString()).toBe("m");
    expect(jobs[0]!.heartbeat.getTime()).toBe(jobs[0]!.updated.getTime());
    expect(jobs[0]!.heartbeat.getTime()).toBeGreaterThanOrEqual(jobs[0]!.created.getTime());
    const rows = await queueRows(db());
    expect(rows.map((row) => [row.entrypoint, row.status, row.queue_manager_id])).toEqual([
      ["mine", "picked", worker],
      ["theirs", "queued", null],
    ]);
  });

  it("writes exactly one picked log row per claimed job (DEQ-5)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([{ entrypoint: "a" }, { entrypoint: "a" }]);
    await claim(queries, { entrypoints: ["a"] });
    for (const id of ids) expect(await loggedStatuses(db(), id)).toEqual(["queued", "picked"]);
  });

  it("orders by priority DESC, then id ASC (DEQ-6)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([1, 3, 3, 2, -1].map((priority) => ({ entrypoint: "p", priority })));
    const jobs = await claim(queries, { entrypoints: ["p"], batchSize: 10 });
    expect(jobs.map((job) => job.id)).toEqual([ids[1], ids[2], ids[3], ids[0], ids[4]]);
  });

  it.each([1, 3, 10])("drains many entrypoints in one global priority DESC, id ASC order with batch size %i (DEQ-6)", async (batchSize) => {
    const queries = queriesFor(db());
    const jobs = Array.from({ length: 24 }, (_, index) => ({ entrypoint: `ep${index % 4}`, priority: index % 3 }));
    const ids = await queries.enqueueMany(jobs);
    const expected = ids
      .map((id, index) => ({ id, priority: jobs[index]!.priority }))
      .sort((a, b) => b.priority - a.priority || a.id - b.id)
      .map((job) => job.id);
    const seen: number[] = [];
    for (;;) {
      const batch = await claim(queries, { entrypoints: ["ep0", "ep1", "ep2", "ep3"], batchSize });
      if (batch.length === 0) break;
      expect(batch.length).toBeLessThanOrEqual(batchSize);
      seen.push(...batch.map((job) => job.id));
    }
    expect(seen).toEqual(expected);
  });

  it("returns equal-priority jobs in enqueue order, at most batchSize across entrypoints (DEQ-7, DEQ-8)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany(Array.from({ length: 7 }, (_, index) => ({ entrypoint: index % 2 ? "x" : "y" })));
    const first = await claim(queries, { entrypoints: ["x", "y"], batchSize: 4 });
    const second = await claim(queries, { entrypoints: ["x", "y"], batchSize: 4 });
    expect(first.map((job) => job.id)).toEqual(ids.slice(0, 4));
    expect(second.map((job) => job.id)).toEqual(ids.slice(4));
  });

  it("skips deferred jobs; once due they compete on priority (DEQ-10, DEQ-11)", async () => {
    const queries = queriesFor(db());
    const [later, now] = await queries.enqueueMany([
      { entrypoint: "d", priority: 5, executeAfter: 3_600_000 },
      { entrypoint: "d", priority: 1 },
    ]);
    expect((await claim(queries, { entrypoints: ["d"], batchSize: 1 })).map((job) => job.id)).toEqual([now]);
    expect(await claim(queries, { entrypoints: ["d"] })).toEqual([]);
    const [other] = await queries.enqueueMany([{ entrypoint: "d", priority: 1 }]);
    await makeDue(db(), later!);
    expect((await claim(queries, { entrypoints: ["d"], batchSize: 10 })).map((job) => job.id)).toEqual([later, other]);
  });

  it("honours a per-entrypoint concurrency limit across workers (DEQ-12)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([{ entrypoint: "two" }, { entrypoint: "two" }, { entrypoint: "two" }, { entrypoint: "one" }, { entrypoint: "one" }]);
    expect(await claim(queries, { entrypoints: [{ name: "two", concurrencyLimit: 2 }] })).toHaveLength(2);
    expect(await claim(queries, { entrypoints: [{ name: "two", concurrencyLimit: 2 }] })).toHaveLength(0);
    expect(await claim(queries, { entrypoints: [{ name: "one", concurrencyLimit: 1 }] })).toHaveLength(1);
    expect(await claim(queries, { entrypoints: [{ name: "one", concurrencyLimit: 1 }] })).toHaveLength(0);
  });

  it("caps a limited entrypoint while unlimited ones still fill the batch (DEQ-13)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([
      ...Array.from({ length: 6 }, () => ({ entrypoint: "tight", priority: 9 })),
      ...Array.from({ length: 12 }, () => ({ entrypoint: "loose" })),
    ]);
    const jobs = await claim(queries, { entrypoints: [{ name: "tight", concurrencyLimit: 2 }, { name: "loose", concurrencyLimit: 0 }], batchSize: 10 });
    expect(jobs).toHaveLength(10);
    expect(jobs.filter((job) => job.entrypoint === "tight")).toHaveLength(2);
  });

  it("blocks a limit-1 entrypoint for everyone while its job is held elsewhere, and frees the slot when the job leaves (DEQ-14, DEQ-15, CAN-9)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([{ entrypoint: "serial" }, { entrypoint: "serial" }, { entrypoint: "serial" }]);
    const owner = randomUUID();
    const [held] = await claim(queries, { entrypoints: [{ name: "serial", concurrencyLimit: 1 }], worker: owner });
    expect(await claim(queries, { entrypoints: [{ name: "serial", concurrencyLimit: 1 }] })).toEqual([]);
    const traceback = { jobId: held!.id, timestamp: new Date(), exceptionType: "Error", exceptionMessage: "boom", traceback: "stack", additionalContext: null };
    await queries.recordOutcomes(owner, [{ jobId: held!.id, outcome: { kind: "failed", traceback } }]);
    const [next] = await claim(queries, { entrypoints: [{ name: "serial", concurrencyLimit: 1 }] });
    expect(next).toBeDefined();
    await queries.markJobAsCancelled([next!.id]);
    expect(await claim(queries, { entrypoints: [{ name: "serial", concurrencyLimit: 1 }] })).toHaveLength(1);
  });

  it("caps the jobs one worker owns (workerLimit), even mid-batch; other workers' jobs do not count (DEQ-16)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany(Array.from({ length: 12 }, () => ({ entrypoint: "w" })));
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["w"], batchSize: 3 }); // another worker
    const sizes: number[] = [];
    for (let round = 0; round < 3; round += 1) sizes.push((await claim(queries, { entrypoints: ["w"], batchSize: 4, worker, workerLimit: 5 })).length);
    expect(sizes).toEqual([4, 1, 0]);
  });

  it("claims nothing with a worker budget of 0, not even stale jobs (DEQ-17)", async () => {
    const queries = queriesFor(db());
    const [id] = await queries.enqueueMany([{ entrypoint: "z" }, { entrypoint: "z" }]);
    await claim(queries, { entrypoints: ["z"], batchSize: 1 });
    await ageHeartbeat(db(), id!, 3_600_000);
    expect(await claim(queries, { entrypoints: ["z"], workerLimit: 0 })).toEqual([]);
  });

  it("re-picks a stale job for another worker: new owner, fresh heartbeat, another picked row, attempts unchanged (DEQ-18)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("stale");
    const dead = randomUUID();
    const alive = randomUUID();
    const [first] = await claim(queries, { entrypoints: ["stale"], worker: dead });
    await ageHeartbeat(db(), id, 60_000);
    expect(await claim(queries, { entrypoints: ["stale"], heartbeatTimeout: 120_000 })).toEqual([]); // not stale enough
    const [again] = await claim(queries, { entrypoints: ["stale"], worker: alive, heartbeatTimeout: 30_000 });
    expect(again).toMatchObject({ id, queueManagerId: alive, status: "picked", attempts: 0 });
    expect(again!.heartbeat.getTime()).toBeGreaterThan(first!.heartbeat.getTime() - 60_000);
    expect(again!.heartbeat.getTime()).toBeGreaterThanOrEqual(first!.heartbeat.getTime());
    expect(await loggedStatuses(db(), id)).toEqual(["queued", "picked", "picked"]);
  });

  it("leaves stale jobs alone when asked to (includeStale: false), and re-picks them by default", async () => {
    const queries = queriesFor(db());
    const [stale, fresh] = await queries.enqueueMany([{ entrypoint: "st", priority: 5 }, { entrypoint: "st" }]);
    await claim(queries, { entrypoints: ["st"], batchSize: 1 });
    await ageHeartbeat(db(), stale!, 3_600_000);
    const skipping = await claim(queries, { entrypoints: ["st"], includeStale: false });
    expect(skipping.map((job) => job.id)).toEqual([fresh]);
    expect((await claim(queries, { entrypoints: ["st"] })).map((job) => job.id)).toEqual([stale]);
  });

  it("rejects a non-boolean includeStale before any SQL", async () => {
    const queries = queriesFor(db());
    const request = { batchSize: 1, entrypoints: [{ name: "x", concurrencyLimit: 0 }], queueManagerId: randomUUID(), workerLimit: null, heartbeatTimeout: 1_000, includeStale: "yes" as unknown as boolean };
    await expect(queries.dequeue(request)).rejects.toThrow(/includeStale.*boolean/);
  });

  it("returns timestamps equal, to the millisecond, to the stored ones", async () => {
    const queries = queriesFor(db());
    // Microsecond fractions that sit on and next to millisecond boundaries, where a binary
    // epoch value could round the wrong way.
    const stamps = ["2026-01-02 03:04:05.123000+00", "2026-01-02 03:04:05.999999+00", "2026-01-02 03:04:05.000001+00", "2026-01-02 03:04:05.998500+00", "1999-12-31 23:59:59.999000+00"];
    const ids = await queries.enqueueMany(stamps.map(() => ({ entrypoint: "ts" })));
    const n = sqlNames(db().settings);
    for (const [index, id] of ids.entries()) {
      await db().driver.execute({ text: `UPDATE ${n.queueTable} SET created = $2::timestamptz, execute_after = $2::timestamptz WHERE id = $1`, values: [id!, stamps[index]!] });
    }
    const claimed = await claim(queries, { entrypoints: ["ts"] });
    const expected = ["2026-01-02T03:04:05.123Z", "2026-01-02T03:04:05.999Z", "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05.998Z", "1999-12-31T23:59:59.999Z"];
    expect(claimed.map((job) => job.created.toISOString())).toEqual(expected);
    expect(claimed.map((job) => job.executeAfter.toISOString())).toEqual(expected);
    for (const job of claimed) {
      const read = await queries.queueJobById(job.id);
      expect(job.heartbeat.getTime()).toBe(read!.heartbeat.getTime());
      expect(job.updated.getTime()).toBe(read!.updated.getTime());
    }
  });

  it("does not change the session's synchronous_commit (the claim relaxes only its own commit)", async () => {
    const queries = queriesFor(db());
    await queries.enqueue("sync");
    const before = await db().driver.query({ text: "SHOW synchronous_commit" });
    expect(await claim(queries, { entrypoints: ["sync"] })).toHaveLength(1);
    const after = await db().driver.query({ text: "SHOW synchronous_commit" });
    expect(after).toEqual(before);
    expect(after[0]!.synchronous_commit).not.toBe("off");
  });

  it("re-picks a stale job even when its entrypoint's only slot is held by it (DEQ-19)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("limited");
    await claim(queries, { entrypoints: [{ name: "limited", concurrencyLimit: 1 }] });
    await ageHeartbeat(db(), id, 3_600_000);
    const jobs = await claim(queries, { entrypoints: [{ name: "limited", concurrencyLimit: 1 }] });
    expect(jobs.map((job) => job.id)).toEqual([id]);
  });

  it("lets a stale high-priority job beat fresh low-priority work (DEQ-20)", async () => {
    const queries = queriesFor(db());
    const stale = await queries.enqueue("mix", null, { priority: 10 });
    await claim(queries, { entrypoints: ["mix"] });
    await queries.enqueueMany([{ entrypoint: "mix" }, { entrypoint: "mix" }]);
    await ageHeartbeat(db(), stale, 3_600_000);
    expect((await claim(queries, { entrypoints: ["mix"], batchSize: 1 })).map((job) => job.id)).toEqual([stale]);
  });

  it("never re-picks jobs with a fresh heartbeat, nor held failed jobs (DEQ-21, DEQ-22)", async () => {
    const queries = queriesFor(db());
    const [running, held] = await queries.enqueueMany([{ entrypoint: "f" }, { entrypoint: "f" }]);
    const owner = randomUUID();
    await claim(queries, { entrypoints: ["f"], worker: owner });
    const traceback = { jobId: held!, timestamp: new Date(), exceptionType: "Error", exceptionMessage: "x", traceback: "", additionalContext: null };
    await queries.recordOutcomes(owner, [{ jobId: held!, outcome: { kind: "failed", traceback } }]);
    expect(await claim(queries, { entrypoints: ["f"] })).toEqual([]);
    expect((await queries.queueJobById(running!))!.queueManagerId).toBe(owner);
  });

  it("treats every picked job as stale with a negative heartbeat timeout (ERR-24)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("neg");
    await claim(queries, { entrypoints: ["neg"] });
    const other = randomUUID();
    expect(await claim(queries, { entrypoints: ["neg"], worker: other, heartbeatTimeout: -1000 })).toMatchObject([{ id, queueManagerId: other }]);
  });

  it("sends no notification (an UPDATE under a statement-level trigger) (SQL-11)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([{ entrypoint: "quiet" }, { entrypoint: "quiet" }]);
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      expect(await claim(queries, { entrypoints: ["quiet"] })).toHaveLength(1 + 1);
      expect(await claim(queries, { entrypoints: [{ name: "quiet", concurrencyLimit: 3 }] })).toEqual([]);
      expect(await capture.settle()).toEqual([]);
    } finally {
      await capture.close();
    }
  });

  it("leaves no trace when nothing is claimable", async () => {
    const queries = queriesFor(db());
    expect(await claim(queries, { entrypoints: ["none", { name: "limited", concurrencyLimit: 2 }] })).toEqual([]);
    expect(await logRows(db())).toEqual([]);
  });

  it("warmUp prepares connections without claiming, logging or notifying anything", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([{ entrypoint: "warm" }, { entrypoint: "warm" }, { entrypoint: "capped" }]);
    const queueBefore = await queueRows(db());
    const logBefore = await logRows(db());
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      const request = (entrypoints: { name: string; concurrencyLimit: number }[]) => ({
        batchSize: 100,
        entrypoints,
        queueManagerId: randomUUID(),
        workerLimit: null,
        heartbeatTimeout: 30_000,
      });
      // The lean claim (one unlimited entrypoint) and the general one with its advisory lock.
      await queries.warmUp(request([{ name: "warm", concurrencyLimit: 0 }]), 3);
      await queries.warmUp(request([{ name: "warm", concurrencyLimit: 0 }, { name: "capped", concurrencyLimit: 1 }]), 2);
      expect(await capture.settle()).toEqual([]);
    } finally {
      await capture.close();
    }
    expect(await queueRows(db())).toEqual(queueBefore);
    expect(await logRows(db())).toEqual(logBefore);
    // The connections it touched claim as usual afterwards.
    expect((await claim(queries, { entrypoints: ["warm", "capped"] })).map((job) => job.id).sort()).toEqual([...ids].sort());
  });

  it("warmUp refuses a bad request with the claim's own error, and does nothing for zero connections", async () => {
    const queries = queriesFor(db());
    const request = { batchSize: 10, entrypoints: [{ name: "warm", concurrencyLimit: 0 }], queueManagerId: randomUUID(), workerLimit: null, heartbeatTimeout: 30_000 };
    await expect(queries.warmUp({ ...request, batchSize: 0 }, 1)).rejects.toMatchObject({ constructor: InvalidArgumentError, setting: "batchSize" });
    await expect(queries.warmUp({ ...request, queueManagerId: "not-a-uuid" }, 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    await queries.warmUp(request, 0);
    expect(await logRows(db())).toEqual([]);
  });
});
