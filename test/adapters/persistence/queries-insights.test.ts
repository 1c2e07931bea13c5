import { randomUUID } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import type { JobStatus } from "../../../src/domain/types.js";
import type { Driver } from "../../../src/ports/driver.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend, type TestDatabase } from "../../support/backends.js";
import { claim, queriesFor, resetTables } from "./support.js";

/**
 * Insert log rows at `agoMs` milliseconds in the past (durations and windows need controlled
 * times), all in one transaction so they share one NOW().
 */
async function logAt(db: TestDatabase, rows: readonly [jobId: number, status: JobStatus, agoMs: number, entrypoint?: string][]): Promise<void> {
  await db.driver.transaction(async (tx) => {
    for (const [jobId, status, agoMs, entrypoint = "d"] of rows) await insertLog(tx, db, jobId, status, agoMs, entrypoint);
  });
}

async function insertLog(tx: Driver, db: TestDatabase, jobId: number, status: JobStatus, agoMs: number, entrypoint: string): Promise<void> {
  await tx.execute({
    text: `INSERT INTO ${sqlNames(db.settings).queueTableLog} (job_id, status, priority, entrypoint, created)
           VALUES ($1, $2, 0, $3, NOW() - $4::double precision * INTERVAL '1 millisecond')`,
    values: [jobId, status, entrypoint, agoMs],
  });
}

async function runToSuccess(db: TestDatabase, entrypoint: string, count: number): Promise<number[]> {
  const queries = queriesFor(db);
  const ids = await queries.enqueueMany(Array.from({ length: count }, () => ({ entrypoint })));
  const worker = randomUUID();
  await claim(queries, { entrypoints: [entrypoint], worker, batchSize: count });
  await queries.recordOutcomes(worker, ids.map((jobId) => ({ jobId, outcome: { kind: "successful" as const } })));
  return ids;
}

describeEachBackend("Queries statistics and insights", (db) => {
  beforeEach(() => resetTables(db()));

  it("aggregates before reading statistics, honouring limit and window (STAT-2, STAT-15)", async () => {
    const queries = queriesFor(db());
    await runToSuccess(db(), "st", 4);
    for (const options of [{}, { limit: null, last: null }, { last: 300_000 }, { limit: 10 }]) {
      const rows = await queries.logStatistics(options);
      expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(12);
    }
    expect(await queries.logStatistics({ limit: 1 })).toHaveLength(1);
    const n = sqlNames(db().settings);
    await db().driver.execute({ text: `UPDATE ${n.statisticsTable} SET created = created - INTERVAL '1 hour'` });
    expect(await queries.logStatistics({ last: 60_000 })).toEqual([]);
  });

  it("sums throughput per (entrypoint, status), folding the log first (STAT-6, STAT-7)", async () => {
    const queries = queriesFor(db());
    await runToSuccess(db(), "a", 3);
    await runToSuccess(db(), "b", 1);
    expect(await queries.unaggregatedLogCount()).toBe(12);
    const summary = await queries.throughputSummary();
    expect(await queries.unaggregatedLogCount()).toBe(0);
    expect(summary).toEqual([
      { entrypoint: "a", status: "queued", totalCount: 3 },
      { entrypoint: "a", status: "picked", totalCount: 3 },
      { entrypoint: "a", status: "successful", totalCount: 3 },
      { entrypoint: "b", status: "queued", totalCount: 1 },
      { entrypoint: "b", status: "picked", totalCount: 1 },
      { entrypoint: "b", status: "successful", totalCount: 1 },
    ]);
    expect(await queries.throughputSummary({ last: 60_000 })).toEqual(summary);
  });

  it("buckets throughput per minute (STAT-8)", async () => {
    const queries = queriesFor(db());
    await runToSuccess(db(), "t", 2);
    const buckets = await queries.throughputTimeseries({ last: 600_000 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(6);
    for (const bucket of buckets) {
      expect(bucket.bucket.getUTCSeconds()).toBe(0);
      expect(bucket.bucket.getUTCMilliseconds()).toBe(0);
      expect(bucket.entrypoint).toBe("t");
    }
  });

  it("reports queue age per entrypoint with queued jobs (STAT-9)", async () => {
    const queries = queriesFor(db());
    expect(await queries.queueAge()).toEqual([]);
    await queries.enqueueMany([{ entrypoint: "b" }, { entrypoint: "a" }, { entrypoint: "a" }]);
    const n = sqlNames(db().settings);
    await db().driver.execute({ text: `UPDATE ${n.queueTable} SET created = NOW() - INTERVAL '10 minutes' WHERE id = (SELECT min(id) FROM ${n.queueTable} WHERE entrypoint = 'a')` });
    const ages = await queries.queueAge();
    expect(ages.map((age) => [age.entrypoint, age.queuedCount])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(ages[0]!.oldestAge).toBeGreaterThanOrEqual(600_000);
    expect(ages[0]!.oldestAge).toBeLessThan(660_000);
    expect(ages[0]!.averageAge).toBeGreaterThanOrEqual(300_000);
    expect(ages[0]!.averageAge).toBeLessThan(ages[0]!.oldestAge);
  });

  it("computes pick-to-finish percentiles exactly, and excludes pairs older than the window (STAT-10)", async () => {
    const queries = queriesFor(db());
    // durations 1, 2, 3, 4 s, all finished a minute ago
    await logAt(
      db(),
      [1, 2, 3, 4].flatMap((seconds, index) => [
        [100 + index, "picked", 60_000 + seconds * 1000],
        [100 + index, index === 3 ? "exception" : "successful", 60_000],
      ] as const),
    );
    const [stats] = await queries.jobDurationPercentiles({ last: 3_600_000 });
    expect(stats!.entrypoint).toBe("d");
    expect(stats!.completed).toBe(4);
    expect(stats!.p50).toBeCloseTo(2500, 6);
    expect(stats!.p95).toBeCloseTo(3850, 6);
    expect(stats!.p99).toBeCloseTo(3970, 6);
    expect(stats!.max).toBeCloseTo(4000, 6);
    // a one-hour job from 2-3 hours ago: outside a 1 h window, inside a 4 h window
    await logAt(db(), [
      [200, "picked", 3 * 3_600_000, "old"],
      [200, "successful", 2 * 3_600_000, "old"],
    ]);
    expect((await queries.jobDurationPercentiles({ last: 3_600_000 })).map((row) => row.entrypoint)).toEqual(["d"]);
    const wide = await queries.jobDurationPercentiles({ last: 4 * 3_600_000 });
    expect(wide.map((row) => row.entrypoint)).toEqual(["old", "d"]);
    expect(wide[0]!.p50).toBeCloseTo(3_600_000, 3);
  });

  it("lists active workers and stale jobs (STAT-11, STAT-12)", async () => {
    const queries = queriesFor(db());
    await queries.enqueueMany([{ entrypoint: "w1" }, { entrypoint: "w2" }, { entrypoint: "w2" }]);
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["w1", "w2"], worker });
    const [active] = await queries.activeWorkers();
    expect(active).toMatchObject({ queueManagerId: worker, activeJobs: 3, entrypoints: ["w1", "w2"] });
    expect(active!.oldestHeartbeat.getTime()).toBeLessThanOrEqual(active!.newestHeartbeat.getTime());
    expect(await queries.staleJobs()).toEqual([]);
    const stale = await queries.staleJobs({ threshold: -1000, limit: 2 });
    expect(stale).toHaveLength(2);
    expect(stale[0]).toMatchObject({ status: "picked", queueManagerId: worker });
    expect(stale[0]!.sinceHeartbeat).toBeGreaterThanOrEqual(0);
  });

  it("lists exception log rows newest first, with tracebacks (STAT-13)", async () => {
    const queries = queriesFor(db());
    const ids = await queries.enqueueMany([{ entrypoint: "x" }, { entrypoint: "x" }]);
    const worker = randomUUID();
    await claim(queries, { entrypoints: ["x"], worker });
    for (const jobId of ids) {
      const traceback = { jobId, timestamp: new Date(), exceptionType: "Error", exceptionMessage: `m${jobId}`, traceback: "t", additionalContext: null };
      await queries.recordOutcomes(worker, [{ jobId, outcome: { kind: "exception", traceback } }]);
    }
    const logs = await queries.exceptionLogs();
    expect(logs.map((entry) => entry.jobId)).toEqual([...ids].reverse());
    expect(logs[0]!.traceback!.exceptionMessage).toBe(`m${ids[1]}`);
    expect(await queries.exceptionLogs({ limit: 1 })).toHaveLength(1);
  });

  it("describes the four tables of the configured schema (STAT-14)", async () => {
    const queries = queriesFor(db());
    const info = await queries.schemaInfo();
    const names = db().settings.names;
    expect(info.map((table) => table.tableName)).toEqual([names.queueTable, names.queueTableLog, names.schedulesTable, names.statisticsTable].sort());
    for (const table of info) {
      expect(table.persistence).toBe("LOGGED");
      expect(table.estimatedRows).toBeGreaterThanOrEqual(0);
      expect(table.totalBytes).toBeGreaterThan(0);
      expect(table.totalSize).toMatch(/\d+ (bytes|kB|MB)/);
    }
  });
});
