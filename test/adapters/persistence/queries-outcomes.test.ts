import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { DuplicateJobError } from "../../../src/domain/errors.js";
import type { TracebackRecord } from "../../../src/domain/types.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend, type TestDatabase } from "../../support/backends.js";
import { captureEvents, claim, logRows, loggedStatuses, queriesFor, queueRows, resetTables } from "./support.js";

function traceback(jobId: number, extra: Partial<TracebackRecord> = {}): TracebackRecord {
  return {
    jobId,
    timestamp: new Date("2030-01-02T03:04:05.678Z"),
    exceptionType: "TypeError",
    exceptionMessage: "bad thing",
    traceback: "TypeError: bad thing\n    at handler (file.ts:1:1)",
    additionalContext: { entrypoint: "e", queue_manager_id: "q" },
    ...extra,
  };
}

async function setHeartbeatBack(db: TestDatabase, ms: number): Promise<void> {
  await db.driver.execute({
    text: `UPDATE ${sqlNames(db.settings).queueTable} SET heartbeat = heartbeat - $1::double precision * INTERVAL '1 millisecond'`,
    values: [ms],
  });
}

describeEachBackend("Queries.recordOutcomes", (db) => {
  beforeEach(() => resetTables(db()));

  async function picked(count: number, entrypoint = "o") {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany(Array.from({ length: count }, (_, index) => ({ entrypoint, payload: `p${index}`, priority: index, dedupeKey: `${entrypoint}-${index}` })));
    const worker = randomUUID();
    await claim(queries, { entrypoints: [entrypoint], worker, batchSize: count });
    return { queries, ids, worker };
  }

  it("deletes successful, exception and canceled jobs and logs them, tracebacks in PgQueuer's JSON shape (LIFE-2, LIFE-6, LIFE-8, DOM-6)", async () => {
    const { queries, ids, worker } = await picked(4);
    await queries.recordOutcomes(worker, [
      { jobId: ids[0]!, outcome: { kind: "successful" } },
      { jobId: ids[1]!, outcome: { kind: "exception", traceback: traceback(ids[1]!) } },
      { jobId: ids[2]!, outcome: { kind: "canceled", traceback: null } },
      { jobId: ids[3]!, outcome: { kind: "canceled", traceback: traceback(ids[3]!, { exceptionType: "JobCancelledError" }) } },
    ]);
    expect(await queueRows(db())).toEqual([]);
    expect(await loggedStatuses(db(), ids[0]!)).toEqual(["queued", "picked", "successful"]);
    expect(await loggedStatuses(db(), ids[1]!)).toEqual(["queued", "picked", "exception"]);
    expect(await loggedStatuses(db(), ids[2]!)).toEqual(["queued", "picked", "canceled"]);
    const raw = (await logRows(db())).filter((row) => row.status !== "queued" && row.status !== "picked");
    expect(raw.find((row) => row.job_id === ids[0])!.traceback).toBeNull();
    expect(raw.find((row) => row.job_id === ids[2])!.traceback).toBeNull();
    expect(raw.find((row) => row.job_id === ids[1])!.traceback).toEqual({
      job_id: ids[1],
      timestamp: "2030-01-02T03:04:05.678Z",
      exception_type: "TypeError",
      exception_message: "bad thing",
      traceback: "TypeError: bad thing\n    at handler (file.ts:1:1)",
      additional_context: { entrypoint: "e", queue_manager_id: "q" },
    });
    const history = await queries.jobLogHistory(ids[1]!);
    expect(history.at(-1)!.traceback).toEqual(traceback(ids[1]!));
    const logged = raw.find((row) => row.job_id === ids[0])!;
    expect([logged.entrypoint, logged.priority]).toEqual(["o", 0]);
  });

  it("holds a failed job: row kept as failed, unowned, data preserved, failed row logged, dedupe key released (HOLD-2, HOLD-4)", async () => {
    const { queries, ids, worker } = await picked(1);
    const before = (await queueRows(db()))[0]!;
    await queries.recordOutcomes(worker, [{ jobId: ids[0]!, outcome: { kind: "failed", traceback: traceback(ids[0]!) } }]);
    const job = await queries.queueJobById(ids[0]!);
    expect(job).toMatchObject({ status: "failed", queueManagerId: null, attempts: 0, priority: 0, dedupeKey: "o-0" });
    expect(job!.payload!.toString()).toBe("p0");
    expect(job!.created.getTime()).toBe((before.created as Date).getTime());
    expect(job!.updated.getTime()).toBeGreaterThanOrEqual((before.updated as Date).getTime());
    expect(await loggedStatuses(db(), ids[0]!)).toEqual(["queued", "picked", "failed"]);
    expect((await queries.jobLogHistory(ids[0]!)).at(-1)!.traceback!.exceptionType).toBe("TypeError");
    expect(await queries.listFailedJobs()).toHaveLength(1);
    const newId = await queries.enqueue("o", null, { dedupeKey: "o-0" });
    expect(newId).not.toBe(ids[0]);
  });

  it("re-queues a retried job: same id, attempts + 1, eligible after the delay, queued row with traceback (RTY-1..RTY-4, RTY-6)", async () => {
    const { queries, ids, worker } = await picked(2);
    const context = { entrypoint: "o", queue_manager_id: worker, attempt: 0, retry_delay: "0:00:30", reason: "rate limited" };
    await queries.recordOutcomes(worker, [
      { jobId: ids[0]!, outcome: { kind: "retry", delay: 30_000, traceback: traceback(ids[0]!, { exceptionType: "RetryRequested", additionalContext: context }) } },
      { jobId: ids[1]!, outcome: { kind: "retry", delay: 0, traceback: traceback(ids[1]!, { exceptionType: "RetryRequested" }) } },
    ]);
    const delayed = await queries.queueJobById(ids[0]!);
    expect(delayed).toMatchObject({ status: "queued", attempts: 1, queueManagerId: null, dedupeKey: "o-0", priority: 0 });
    expect(delayed!.executeAfter.getTime() - delayed!.updated.getTime()).toBe(30_000);
    expect((await queries.queueSize()).filter((row) => row.status === "queued").reduce((sum, row) => sum + row.count, 0)).toBe(2);
    const history = await queries.jobLogHistory(ids[0]!);
    expect(history.map((entry) => entry.status)).toEqual(["queued", "picked", "queued"]);
    expect(history[2]!.traceback!.additionalContext).toEqual(context);
    // the undelayed one comes back at once, same id and payload, attempts visible to the handler
    const again = await claim(queries, { entrypoints: ["o"] });
    expect(again.map((job) => [job.id, job.attempts, job.payload!.toString()])).toEqual([[ids[1], 1, "p1"]]);
    // the dedupe key stays active while re-queued (ENQ-19)
    await expect(queries.enqueue("o", null, { dedupeKey: "o-0" })).rejects.toBeInstanceOf(DuplicateJobError);
  });

  it("releases a job back to the queue untouched, for another worker", async () => {
    const { queries, ids, worker } = await picked(1);
    const before = await queries.queueJobById(ids[0]!);
    await queries.recordOutcomes(worker, [{ jobId: ids[0]!, outcome: { kind: "released" } }]);
    const after = await queries.queueJobById(ids[0]!);
    expect(after).toMatchObject({ status: "queued", attempts: 0, queueManagerId: null });
    expect(after!.executeAfter.getTime()).toBe(before!.executeAfter.getTime());
    const history = await queries.jobLogHistory(ids[0]!);
    expect(history.map((entry) => [entry.status, entry.traceback])).toEqual([["queued", null], ["picked", null], ["queued", null]]);
    const other = randomUUID();
    expect(await claim(queries, { entrypoints: ["o"], worker: other })).toMatchObject([{ id: ids[0], queueManagerId: other }]);
  });

  it("writes a mixed batch in one call: held and deleted side by side (HOLD-5, RTY-7)", async () => {
    const { queries, ids, worker } = await picked(3);
    await queries.recordOutcomes(worker, [
      { jobId: ids[0]!, outcome: { kind: "failed", traceback: traceback(ids[0]!) } },
      { jobId: ids[1]!, outcome: { kind: "exception", traceback: traceback(ids[1]!) } },
      { jobId: ids[2]!, outcome: { kind: "retry", delay: 0, traceback: traceback(ids[2]!) } },
    ]);
    expect((await queueRows(db())).map((row) => [row.id, row.status])).toEqual([
      [ids[0], "failed"],
      [ids[2], "queued"],
    ]);
  });

  it("writes a 3,000-job mixed batch in one call, each job by its own outcome", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany(Array.from({ length: 3_000 }, () => ({ entrypoint: "big" })));
    const worker = randomUUID();
    expect(await claim(queries, { entrypoints: ["big"], worker, batchSize: 3_000 })).toHaveLength(3_000);
    const kinds = ["successful", "failed", "retry", "released", "exception", "canceled"] as const;
    await queries.recordOutcomes(
      worker,
      ids.map((jobId, index) => {
        const kind = kinds[index % kinds.length]!;
        switch (kind) {
          case "successful":
          case "released":
            return { jobId, outcome: { kind } };
          case "retry":
            return { jobId, outcome: { kind, delay: 60_000, traceback: traceback(jobId) } };
          default:
            return { jobId, outcome: { kind, traceback: traceback(jobId) } };
        }
      }),
    );
    const rows = await queueRows(db());
    const byId = new Map(rows.map((row) => [row.id as number, row]));
    ids.forEach((id, index) => {
      const kind = kinds[index % kinds.length]!;
      const row = byId.get(id);
      if (kind === "successful" || kind === "exception" || kind === "canceled") expect(row).toBeUndefined();
      else if (kind === "failed") expect(row).toMatchObject({ status: "failed", attempts: 0 });
      else if (kind === "retry") expect(row).toMatchObject({ status: "queued", attempts: 1 });
      else expect(row).toMatchObject({ status: "queued", attempts: 0 });
    });
    const terminal = (await logRows(db())).filter((row) => !["queued", "picked"].includes(row.status as string) || (row.status === "queued" && row.traceback !== null));
    expect(terminal).toHaveLength(2_500); // every outcome but `released` (no traceback) is distinguishable here
  });

  it("only the owner of a picked job changes it: a job re-picked by another worker is not completed by the old owner (LIFE-4)", async () => {
    const { queries, ids, worker: oldOwner } = await picked(1);
    await setHeartbeatBack(db(), 3_600_000);
    const newOwner = randomUUID();
    await claim(queries, { entrypoints: ["o"], worker: newOwner });
    await queries.recordOutcomes(oldOwner, [{ jobId: ids[0]!, outcome: { kind: "successful" } }]);
    await queries.recordOutcomes(oldOwner, [{ jobId: ids[0]!, outcome: { kind: "failed", traceback: traceback(ids[0]!) } }]);
    expect(await queries.queueJobById(ids[0]!)).toMatchObject({ status: "picked", queueManagerId: newOwner });
    expect(await loggedStatuses(db(), ids[0]!)).toEqual(["queued", "picked", "picked"]);
    await queries.recordOutcomes(newOwner, [{ jobId: ids[0]!, outcome: { kind: "successful" } }]);
    expect(await loggedStatuses(db(), ids[0]!)).toEqual(["queued", "picked", "picked", "successful"]);
  });

  it("writes nothing for a job canceled meanwhile, unknown ids, or jobs not picked (LIFE-4, RTY-8, ERR-32, CAN-5)", async () => {
    const { queries, ids, worker } = await picked(1);
    const queued = await queries.enqueue("not-picked");
    await queries.markJobAsCancelled([ids[0]!]);
    await queries.recordOutcomes(worker, [
      { jobId: ids[0]!, outcome: { kind: "canceled", traceback: null } },
      { jobId: 987_654_321, outcome: { kind: "retry", delay: 0, traceback: traceback(1) } },
      { jobId: queued, outcome: { kind: "successful" } },
    ]);
    expect(await loggedStatuses(db(), ids[0]!)).toEqual(["queued", "picked", "canceled"]);
    expect(await loggedStatuses(db(), 987_654_321)).toEqual([]);
    expect(await queries.queueJobById(queued)).toMatchObject({ status: "queued" });
  });

  it("stores tracebacks whose text PostgreSQL JSON cannot hold, with replacement characters", async () => {
    const { queries, ids, worker } = await picked(1);
    await queries.recordOutcomes(worker, [
      { jobId: ids[0]!, outcome: { kind: "exception", traceback: traceback(ids[0]!, { exceptionMessage: "nul\u0000 and lone \uD800 and pair 🌍" }) } },
    ]);
    const [entry] = await queries.exceptionLogs();
    expect(entry!.traceback!.exceptionMessage).toBe("nul\uFFFD and lone \uFFFD and pair 🌍");
  });

  it("emits one delete event per call, plus an update event when a job is queued again and eligible now (SQL-11, SQL-9)", async () => {
    const { queries, ids, worker } = await picked(5);
    const capture = await captureEvents(db());
    const operations = async () =>
      (await capture.settle()).map((event) => (event.type === "table_changed_event" ? `${event.operation}:${event.table}` : event.type));
    const table = db().settings.names.queueTable;
    try {
      await capture.settle();
      await queries.recordOutcomes(worker, [{ jobId: ids[0]!, outcome: { kind: "successful" } }]);
      expect(await operations()).toEqual([`delete:${table}`]);
      await queries.recordOutcomes(worker, [{ jobId: ids[1]!, outcome: { kind: "failed", traceback: traceback(ids[1]!) } }]);
      expect(await operations()).toEqual([`delete:${table}`]);
      await queries.recordOutcomes(worker, [{ jobId: ids[2]!, outcome: { kind: "retry", delay: 60_000, traceback: traceback(ids[2]!) } }]);
      expect(await operations()).toEqual([`delete:${table}`]);
      await queries.recordOutcomes(worker, [
        { jobId: ids[3]!, outcome: { kind: "retry", delay: 0, traceback: traceback(ids[3]!) } },
        { jobId: ids[4]!, outcome: { kind: "released" } },
      ]);
      const events = await capture.settle();
      expect(events.map((event) => event.type === "table_changed_event" && event.operation).sort()).toEqual(["delete", "update"]);
      const update = events.find((event) => event.type === "table_changed_event" && event.operation === "update")!;
      expect(update).toMatchObject({ channel: db().settings.names.channel, table });
      expect(Number.isNaN(update.sentAt.getTime())).toBe(false);
    } finally {
      await capture.close();
    }
  });
});

describeEachBackend("Queries.updateHeartbeat and probeWork", (db) => {
  beforeEach(() => resetTables(db()));

  it("refreshes only the caller's picked jobs, silently (DEQ-27, HB-4)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([{ entrypoint: "h" }, { entrypoint: "h" }, { entrypoint: "h" }]);
    const mine = randomUUID();
    await claim(queries, { entrypoints: ["h"], worker: mine, batchSize: 2 });
    await claim(queries, { entrypoints: ["h"], batchSize: 1 });
    await setHeartbeatBack(db(), 600_000);
    const before = await queueRows(db());
    const capture = await captureEvents(db());
    try {
      await capture.settle();
      await queries.updateHeartbeat(mine, [ids[0]!, ids[1]!, ids[2]!, 424_242]);
      expect(await capture.settle()).toEqual([]);
    } finally {
      await capture.close();
    }
    const after = await queueRows(db());
    const moved = after.map((row, index) => (row.heartbeat as Date).getTime() - (before[index]!.heartbeat as Date).getTime());
    expect(moved[0]).toBeGreaterThanOrEqual(600_000);
    expect(moved[1]).toBeGreaterThanOrEqual(600_000);
    expect(moved[2]).toBe(0);
  });

  it("reports eligible work and the nearest deferred job, per entrypoint (DEQ-24..DEQ-26)", async () => {
    const queries = queriesFor(db());
    expect(await queries.probeWork(["p"])).toEqual({ eligible: false, nextEligibleIn: null });
    await queries.enqueueMany([
      { entrypoint: "p", executeAfter: 300_000 },
      { entrypoint: "p", executeAfter: 30_000 },
      { entrypoint: "p", executeAfter: 120_000 },
      { entrypoint: "other" },
    ]);
    const deferred = await queries.probeWork(["p"]);
    expect(deferred.eligible).toBe(false);
    expect(deferred.nextEligibleIn).toBeGreaterThan(25_000);
    expect(deferred.nextEligibleIn).toBeLessThanOrEqual(30_000);
    expect(await queries.probeWork(["other"])).toEqual({ eligible: true, nextEligibleIn: null });
    const both = await queries.probeWork(["p", "other"]);
    expect(both.eligible).toBe(true);
    expect(both.nextEligibleIn).toBeGreaterThan(25_000);
    await claim(queries, { entrypoints: ["other"] });
    expect(await queries.probeWork(["other"])).toEqual({ eligible: false, nextEligibleIn: null });
  });
});

describeEachBackend("Queries.aggregateLogs", (db, backend) => {
  beforeEach(() => resetTables(db()));

  it("folds every log row into per-second statistics and flags them aggregated (STAT-1, STAT-3)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany(Array.from({ length: 6 }, () => ({ entrypoint: "agg", priority: 2 })));
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["agg"], worker });
    await queries.recordOutcomes(worker, ids.map((jobId) => ({ jobId, outcome: { kind: "successful" as const } })));
    expect(await queries.unaggregatedLogCount()).toBe(18);
    await queries.aggregateLogs();
    expect(await queries.unaggregatedLogCount()).toBe(0);
    const stats = await queries.logStatistics();
    const byStatus = new Map<string, number>();
    for (const row of stats) byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + row.count);
    expect(Object.fromEntries(byStatus)).toEqual({ queued: 6, picked: 6, successful: 6 });
    expect(stats.every((row) => row.entrypoint === "agg" && row.priority === 2 && row.created.getMilliseconds() === 0)).toBe(true);
    // folding again adds nothing, and log rows are kept (LIFE-14)
    await queries.aggregateLogs();
    expect((await queries.logStatistics()).reduce((sum, row) => sum + row.count, 0)).toBe(18);
    expect(await logRows(db())).toHaveLength(18);
  });

  it.skipIf(backend === "pglite")("does nothing while another session holds the statistics advisory lock (STAT-4) [PostgreSQL only: PGlite has one session, and advisory locks are re-entrant within a session]", async () => {
    const queries = queriesFor(db());
    await queries.enqueue("locked");
    const other = await db().openDriver();
    const key = db().settings.schema === null ? db().settings.names.statisticsTable : `${db().settings.schema}.${db().settings.names.statisticsTable}`;
    await other.transaction(async (tx) => {
      await tx.query({ text: "SELECT pg_advisory_xact_lock(hashtext($1))", values: [key] });
      await queries.aggregateLogs();
      expect(await queries.unaggregatedLogCount()).toBe(1);
    });
    await queries.aggregateLogs();
    expect(await queries.unaggregatedLogCount()).toBe(0);
  });
});
