import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { DatabaseError, DuplicateJobError, SchemaError } from "../../../src/domain/errors.js";
import type { QueueEvent } from "../../../src/domain/events.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend } from "../../support/backends.js";
import { captureEvents, claim, logRows, loggedStatuses, queriesFor, queueRows, resetTables } from "./support.js";

const describeEvents = (events: QueueEvent[]) =>
  events.map((event) => (event.type === "table_changed_event" ? event.operation : event.type === "cancellation_event" ? `cancel:${event.ids.join(",")}` : event.type)).sort();

const failure = (jobId: number) => ({ jobId, timestamp: new Date(), exceptionType: "Error", exceptionMessage: "m", traceback: "t", additionalContext: null });

describeEachBackend("Queries management", (db) => {
  beforeEach(() => resetTables(db()));

  it("cancels queued, picked and held jobs: deleted, one canceled row each, one cancellation event with every id (CAN-1, HOLD-14)", async () => {
    const queries = queriesFor(db());
    const [heldId, pickedId, queued] = await queries.enqueueMany([{ entrypoint: "c" }, { entrypoint: "c" }, { entrypoint: "c" }]);
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["c"], batchSize: 2, worker }); // the first two
    await queries.recordOutcomes(worker, [{ jobId: heldId!, outcome: { kind: "failed", traceback: failure(heldId!) } }]);
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      const removed = await queries.markJobAsCancelled([queued!, pickedId!, heldId!, 999_999]);
      expect(removed).toEqual([heldId, pickedId, queued]);
      expect(describeEvents(await capture.settle())).toEqual([`cancel:${queued},${pickedId},${heldId},999999`, "delete"]);
    } finally {
      await capture.close();
    }
    expect(await queueRows(db())).toEqual([]);
    for (const id of [queued!, pickedId!, heldId!]) expect((await loggedStatuses(db(), id)).filter((status) => status === "canceled")).toHaveLength(1);
    expect(await queries.jobStatus([queued!, pickedId!, heldId!])).toEqual([
      { id: heldId, status: "canceled" },
      { id: pickedId, status: "canceled" },
      { id: queued, status: "canceled" },
    ]);
  });

  it("never delivers a canceled queued job; history is queued then canceled (CAN-2, LIFE-16)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("c2");
    await queries.markJobAsCancelled([id]);
    expect(await claim(queries, { entrypoints: ["c2"] })).toEqual([]);
    expect((await queries.jobLogHistory(id)).map((entry) => entry.status)).toEqual(["queued", "canceled"]);
    expect(await queries.queueJobById(id)).toBeNull();
  });

  it("cancelling finished or unknown jobs writes nothing but still sends the event (CAN-3, ERR-32)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("done");
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["done"], worker });
    await queries.recordOutcomes(worker, [{ jobId: id, outcome: { kind: "successful" } }]);
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      expect(await queries.markJobAsCancelled([id])).toEqual([]);
      expect(describeEvents(await capture.settle())).toEqual([`cancel:${id}`, "delete"]);
    } finally {
      await capture.close();
    }
    expect(await loggedStatuses(db(), id)).toEqual(["queued", "picked", "successful"]);
  });

  it("requeues only held jobs: queued, eligible now, attempts reset, unowned, queued row logged, workers woken (HOLD-7, HOLD-8)", async () => {
    const queries = queriesFor(db());
    const [held, running] = await queries.enqueueMany([{ entrypoint: "r", dedupeKey: "rk" }, { entrypoint: "r" }]);
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["r"], batchSize: 1, worker });
    await queries.recordOutcomes(worker, [{ jobId: held!, outcome: { kind: "retry", delay: 0, traceback: failure(held!) } }]);
    await claim(queries, { entrypoints: ["r"], batchSize: 1, worker });
    await queries.recordOutcomes(worker, [{ jobId: held!, outcome: { kind: "retry", delay: 0, traceback: failure(held!) } }]);
    await claim(queries, { entrypoints: ["r"], batchSize: 2, worker });
    await queries.recordOutcomes(worker, [{ jobId: held!, outcome: { kind: "failed", traceback: failure(held!) } }]);
    expect((await queries.queueJobById(held!))!.attempts).toBe(2);

    const capture = await captureEvents(db());
    try {
      await capture.settle();
      expect(await queries.requeueJobs([running!, 777_777])).toEqual([]);
      expect(await capture.settle()).toEqual([]);
      expect(await queries.requeueJobs([held!, running!])).toEqual([held]);
      expect(describeEvents(await capture.settle())).toEqual(["update"]);
    } finally {
      await capture.close();
    }
    const job = await queries.queueJobById(held!);
    expect(job).toMatchObject({ status: "queued", attempts: 0, queueManagerId: null });
    expect(job!.executeAfter.getTime()).toBe(job!.updated.getTime());
    expect((await queries.jobLogHistory(held!)).at(-1)!.status).toBe("queued");
    expect(await queries.queueJobById(running!)).toMatchObject({ status: "picked" });
    expect(await queries.listFailedJobs()).toEqual([]);
    const [again] = await claim(queries, { entrypoints: ["r"] });
    expect(again).toMatchObject({ id: held, attempts: 0 });
    // the key is active again (HOLD-8 keeps the id and key)
    await expect(queries.enqueue("r", null, { dedupeKey: "rk" })).rejects.toBeInstanceOf(DuplicateJobError);
  });

  it("fails a requeue whose dedupe key was taken meanwhile with the raw unique violation, requeuing nothing (HOLD-12, ERR-31)", async () => {
    const queries = queriesFor(db());
    const [held, other] = await queries.enqueueMany([{ entrypoint: "r", dedupeKey: "taken" }, { entrypoint: "r" }]);
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["r"], worker });
    await queries.recordOutcomes(worker, [
      { jobId: held!, outcome: { kind: "failed", traceback: failure(held!) } },
      { jobId: other!, outcome: { kind: "failed", traceback: failure(other!) } },
    ]);
    await queries.enqueue("r", null, { dedupeKey: "taken" });
    const error = await queries.requeueJobs([held!, other!]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).not.toBeInstanceOf(DuplicateJobError);
    expect((error as DatabaseError).code).toBe("23505");
    expect((await queries.listFailedJobs()).map((job) => job.id).sort()).toEqual([held, other].sort());
  });

  it("clears entrypoints (any status) logging deleted, or truncates without log rows (LIFE-12, STAT-5)", async () => {
    const queries = queriesFor(db());
    const [a1, , b1] = await queries.enqueueMany([{ entrypoint: "a" }, { entrypoint: "a" }, { entrypoint: "b" }]);
    await claim(queries, { entrypoints: ["a"], batchSize: 1 });
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      await queries.clearQueue([]);
      expect(await queueRows(db())).toHaveLength(3);
      await queries.clearQueue("a");
      expect(describeEvents(await capture.settle())).toEqual(["delete", "delete"]);
      expect((await queueRows(db())).map((row) => row.id)).toEqual([b1]);
      expect((await loggedStatuses(db(), a1!)).at(-1)).toBe("deleted");
      const logCount = (await logRows(db())).length;
      await queries.clearQueue();
      expect(describeEvents(await capture.settle())).toEqual(["truncate"]);
      expect(await queueRows(db())).toEqual([]);
      expect(await logRows(db())).toHaveLength(logCount);
    } finally {
      await capture.close();
    }
    const deleted = (await queries.logStatistics()).filter((row) => row.status === "deleted");
    expect(deleted.reduce((sum, row) => sum + row.count, 0)).toBe(2);
  });

  it("clears the log and statistics by entrypoint or entirely (LIFE-13)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([{ entrypoint: "keep" }, { entrypoint: "drop" }]);
    await queries.aggregateLogs();
    await queries.clearQueueLog(["drop"]);
    await queries.clearStatisticsLog("drop");
    expect((await logRows(db())).map((row) => row.entrypoint)).toEqual(["keep"]);
    expect((await queries.logStatistics()).map((row) => row.entrypoint)).toEqual(["keep"]);
    await queries.clearQueueLog();
    await queries.clearStatisticsLog();
    expect(await logRows(db())).toEqual([]);
    expect(await queries.logStatistics()).toEqual([]);
  });

  it("sends a health_check_event carrying the id (SQL-13)", async () => {
    const queries = queriesFor(db());
    const capture = await captureEvents(db());
    const id = randomUUID();
    try {
      await queries.notifyHealthCheck(id);
      const events = await capture.settle();
      expect(events).toEqual([expect.objectContaining({ type: "health_check_event", id, channel: queries.channel })]);
    } finally {
      await capture.close();
    }
  });
});

describeEachBackend("Queries reads", (db) => {
  beforeEach(() => resetTables(db()));

  it("reports queue size per (entrypoint, priority, status) ordered by count first; empty queue gives [] (LIFE-15)", async () => {
    const queries = queriesFor(db());
    expect(await queries.queueSize()).toEqual([]);
    await queries.enqueueMany([{ entrypoint: "b" }, { entrypoint: "b" }, { entrypoint: "a", priority: 1 }, { entrypoint: "a" }, { entrypoint: "a" }, { entrypoint: "a" }]);
    await claim(queries, { entrypoints: ["b"], batchSize: 1 });
    expect(await queries.queueSize()).toEqual([
      { count: 1, entrypoint: "a", priority: 1, status: "queued" },
      { count: 1, entrypoint: "b", priority: 0, status: "queued" },
      { count: 1, entrypoint: "b", priority: 0, status: "picked" },
      { count: 3, entrypoint: "a", priority: 0, status: "queued" },
    ]);
  });

  it("reports each job's latest logged status and omits jobs without log rows (LIFE-11)", async () => {
    const queries = queriesFor(db());
    const [a, b] = await queries.enqueueMany([{ entrypoint: "s" }, { entrypoint: "s" }]);
    await claim(queries, { entrypoints: ["s"], batchSize: 1 });
    expect(await queries.jobStatus([b!, a!, 31_337])).toEqual([
      { id: a, status: "picked" },
      { id: b, status: "queued" },
    ]);
  });

  it("returns every log row, including rows written by hand (LIFE-10)", async () => {
    const queries = queriesFor(db());
    const id = await queries.enqueue("l");
    const n = sqlNames(db().settings);
    await db().driver.execute({
      text: `INSERT INTO ${n.queueTableLog} (job_id, status, priority, entrypoint, traceback) VALUES (42, 'exception', 7, 'by-hand', $1::jsonb)`,
      values: [JSON.stringify({ job_id: 42, timestamp: "2024-05-06T07:08:09.123456+00:00", exception_type: "ValueError", exception_message: "py", traceback: "Traceback...", additional_context: null })],
    });
    const log = await queries.queueLog();
    expect(log.map((entry) => [entry.jobId, entry.status, entry.entrypoint, entry.aggregated])).toEqual([
      [id, "queued", "l", false],
      [42, "exception", "by-hand", false],
    ]);
    expect(log[1]!.traceback).toEqual({
      jobId: 42,
      timestamp: new Date("2024-05-06T07:08:09.123Z"),
      exceptionType: "ValueError",
      exceptionMessage: "py",
      traceback: "Traceback...",
      additionalContext: null,
    });
  });

  it("lists held jobs by creation time, newest first by default, with a limit (LIFE-17)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([{ entrypoint: "h" }, { entrypoint: "h" }, { entrypoint: "h" }]);
    const n = sqlNames(db().settings);
    await db().driver.execute({ text: `UPDATE ${n.queueTable} SET created = created - (id * INTERVAL '1 minute')` }); // higher id = older
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["h"], worker });
    await queries.recordOutcomes(worker, ids.map((jobId) => ({ jobId, outcome: { kind: "failed" as const, traceback: failure(jobId) } })));
    expect((await queries.listFailedJobs()).map((job) => job.id)).toEqual(ids);
    expect((await queries.listFailedJobs({ order: "ASC" })).map((job) => job.id)).toEqual([...ids].reverse());
    expect((await queries.listFailedJobs({ limit: 2 })).map((job) => job.id)).toEqual(ids.slice(0, 2));
  });

  it("browses the queue by priority then id, filtered and paged (LIFE-18)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([
      { entrypoint: "x", priority: 1 },
      { entrypoint: "y", priority: 5 },
      { entrypoint: "x", priority: 5 },
      { entrypoint: "y" },
    ]);
    await claim(queries, { entrypoints: ["y"], batchSize: 1 });
    expect((await queries.browseQueue()).map((job) => job.id)).toEqual([ids[1], ids[2], ids[0], ids[3]]);
    expect((await queries.browseQueue({ limit: 2, offset: 1 })).map((job) => job.id)).toEqual([ids[2], ids[0]]);
    expect((await queries.browseQueue({ statuses: ["picked"] })).map((job) => job.id)).toEqual([ids[1]]);
    expect((await queries.browseQueue({ entrypoints: ["x"], statuses: ["queued", "failed"] })).map((job) => job.id)).toEqual([ids[2], ids[0]]);
    expect(await queries.browseQueue({ entrypoints: [] })).toEqual([]);
  });
});

describeEachBackend(
  "Queries.verifyStructure without an installed schema",
  (db) => {
    it("throws a SchemaError naming what to run (ERR-12), and passes once installed", async () => {
      const queries = queriesFor(db());
      const error = await queries.verifyStructure().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).message).toContain("pgq install");
      const { buildInstallStatements } = await import("../../../src/sql/schema.js");
      for (const text of buildInstallStatements(db().settings, { createSchema: false })) await db().driver.execute({ text });
      await expect(queries.verifyStructure()).resolves.toBeUndefined();
    });
  },
  { install: false },
);
