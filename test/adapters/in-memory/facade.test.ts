/**
 * `PgQueuer.inMemory()`: the facade on the in-memory store (MEM-1, MEM-2, MEM-9), its schedule
 * storage (with PostgreSQL's claim semantics, not MEM-15's), and the guard that InMemoryQueries
 * overrides every public operation of Queries, so none falls through to SQL.
 */
import { describe, expect, it } from "vitest";
import { InMemoryDriver } from "../../../src/adapters/in-memory/driver.js";
import { InMemoryQueries } from "../../../src/adapters/in-memory/queries.js";
import { InMemoryScheduleQueries } from "../../../src/adapters/in-memory/schedule-queries.js";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { QueueReads } from "../../../src/adapters/persistence/queue-reads.js";
import { ScheduleQueries } from "../../../src/adapters/persistence/schedule-queries.js";
import { InMemoryDriverError, InvalidArgumentError } from "../../../src/domain/errors.js";
import { resolveSettings } from "../../../src/domain/settings.js";
import { PgQueuer } from "../../../src/pgqueuer.js";

/** Public members every backend must implement itself; `schema` is the documented exception. */
const INHERITED_ON_PURPOSE = new Set(["constructor", "schema", "channel"]);

function publicMembers(prototype: object): string[] {
  return Object.getOwnPropertyNames(prototype).filter((name) => !INHERITED_ON_PURPOSE.has(name));
}

describe("PgQueuer.inMemory()", () => {
  it("drains 10 000 jobs exactly once through the facade (MEM-8, MEM-9)", async () => {
    const pgq = PgQueuer.inMemory();
    const seen = new Set<number>();
    let duplicates = 0;
    pgq.entrypoint("bulk", async (job) => {
      if (seen.has(job.id)) duplicates += 1;
      seen.add(job.id);
    });
    const ids = await pgq.queries.enqueueMany(Array.from({ length: 10_000 }, (_, index) => ({ entrypoint: "bulk", payload: String(index) })));
    await pgq.run({ mode: "drain", batchSize: 50 });
    expect(seen.size).toBe(10_000);
    expect(duplicates).toBe(0);
    expect(ids[0]).toBe(1);
    expect(await pgq.queries.queueSize()).toEqual([]);
    const totals = await pgq.queries.throughputSummary();
    expect(totals).toEqual([
      { entrypoint: "bulk", status: "queued", totalCount: 10_000 },
      { entrypoint: "bulk", status: "picked", totalCount: 10_000 },
      { entrypoint: "bulk", status: "successful", totalCount: 10_000 },
    ]);
    await pgq.close();
  }, 60_000);

  it("builds the in-memory queries on an InMemoryDriver, whichever way it is constructed (MEM-1)", async () => {
    const direct = new PgQueuer(new InMemoryDriver());
    expect(direct.queries).toBeInstanceOf(InMemoryQueries);
    expect(direct.scheduleQueries).toBeInstanceOf(InMemoryScheduleQueries);
    const factory = PgQueuer.inMemory({ settings: { prefix: "unit_" } });
    expect(factory.queries).toBeInstanceOf(Queries);
    expect(factory.settings.names.queueTable).toBe("unit_pgqueuer");
    await expect(factory.driver.query({ text: "SELECT 1" })).rejects.toThrow(InMemoryDriverError);
  });

  it("keeps nothing after close(), and one instance never sees another's jobs (MEM-18)", async () => {
    const first = PgQueuer.inMemory();
    const second = PgQueuer.inMemory();
    await first.queries.enqueue("kept?");
    expect(await second.queries.queueSize()).toEqual([]);
    await first.close();
    expect(await first.queries.queueSize()).toEqual([]);
    expect(await first.queries.queueLog()).toEqual([]);
  });

  it("treats install and upgrade as no-ops, uninstall as clearing, verify as complete (MEM-2)", async () => {
    const pgq = PgQueuer.inMemory();
    await pgq.queries.enqueue("s");
    await pgq.queries.install();
    await pgq.queries.upgrade();
    await pgq.queries.verifyStructure();
    expect(await pgq.queries.queueSize()).toHaveLength(1);
    expect((await pgq.queries.verify()).ok).toBe(true);
    const info = await pgq.queries.schemaInfo();
    expect(info.map((table) => [table.tableName, table.estimatedRows])).toEqual([
      ["pgqueuer", 1],
      ["pgqueuer_log", 1],
      ["pgqueuer_schedules", 0],
      ["pgqueuer_statistics", 0],
    ]);
    await pgq.queries.uninstall();
    expect(await pgq.queries.queueSize()).toEqual([]);
    // The schema manager is SQL by nature: it fails typed instead of pretending.
    await expect(pgq.queries.schema.verifyStructure()).rejects.toThrow(InMemoryDriverError);
  });

  it("validates input exactly like Queries, naming the field (no state change)", async () => {
    const pgq = PgQueuer.inMemory();
    await expect(pgq.queries.enqueue("", null)).rejects.toMatchObject({ setting: "entrypoint" });
    await expect(pgq.queries.enqueueMany([{ entrypoint: "x", priority: 1.5 }])).rejects.toMatchObject({ setting: "jobs[0].priority" });
    await expect(pgq.queries.markJobAsCancelled([0])).rejects.toThrow(InvalidArgumentError);
    await expect(pgq.queries.logStatistics({ limit: -1 })).rejects.toMatchObject({ setting: "limit" });
    expect(await pgq.queries.queueLog()).toEqual([]);
  });

  it("pauses an entrypoint for every worker until resumed; resume wakes workers", async () => {
    const pgq = PgQueuer.inMemory();
    const events: string[] = [];
    await pgq.driver.listen({ channel: pgq.queries.channel, onNotification: (payload) => events.push(payload) });
    const id = await pgq.queries.enqueue("paused");
    await pgq.queries.pauseEntrypoint(["paused", "paused"]);
    expect((await pgq.queries.listPausedEntrypoints()).map((row) => row.entrypoint)).toEqual(["paused"]);
    const request = { batchSize: 5, entrypoints: [{ name: "paused", concurrencyLimit: 0 }], queueManagerId: "00000000-0000-4000-8000-000000000001", workerLimit: null, heartbeatTimeout: 30_000 };
    expect(await pgq.queries.dequeue(request)).toEqual([]);
    expect(await pgq.queries.probeWork(["paused"])).toEqual({ eligible: false, nextEligibleIn: null });
    events.length = 0;
    expect(await pgq.queries.resumeEntrypoint("paused")).toEqual(["paused"]);
    expect(events.map((payload) => JSON.parse(payload) as { operation: string })).toMatchObject([{ operation: "update" }]);
    expect(await pgq.queries.resumeEntrypoint("paused")).toEqual([]);
    expect((await pgq.queries.dequeue(request)).map((job) => job.id)).toEqual([id]);
    await expect(pgq.queries.pauseEntrypoint([])).rejects.toMatchObject({ setting: "entrypoint" });
  });

  it("overrides every public operation of Queries and ScheduleQueries, so none reaches SQL", () => {
    const missing = [Queries.prototype, QueueReads.prototype]
      .flatMap(publicMembers)
      .filter((name) => !Object.prototype.hasOwnProperty.call(InMemoryQueries.prototype, name));
    // A new Queries method must get an in-memory implementation (src/adapters/in-memory/queries.ts).
    expect(missing, `Queries methods without an in-memory implementation: ${missing.join(", ")}`).toEqual([]);
    const missingSchedules = publicMembers(ScheduleQueries.prototype).filter((name) => !Object.prototype.hasOwnProperty.call(InMemoryScheduleQueries.prototype, name));
    expect(missingSchedules).toEqual([]);
  });
});

describe("InMemoryScheduleQueries", () => {
  function schedules(): { repository: InMemoryScheduleQueries; advance(ms: number): void } {
    let now = Date.UTC(2030, 0, 1, 0, 0, 0);
    const driver = new InMemoryDriver({ now: () => now });
    return { repository: new InMemoryScheduleQueries({ driver, settings: resolveSettings({}, {}) }), advance: (ms) => (now += ms) };
  }
  const at = (minutes: number): Date => new Date(Date.UTC(2030, 0, 1, 0, minutes, 0));
  const timetable = { entrypoint: "tick", expression: "* * * * *", fireTimes: [at(0), at(1), at(2), at(3)], fallbackDelay: 60_000 };

  it("registers once, claims when due advancing next_run, and does not claim again until released or stale (SCH, not MEM-15)", async () => {
    const { repository, advance } = schedules();
    await repository.registerSchedules({ timetables: [timetable], cleanOldEntrypoints: [] });
    await repository.registerSchedules({ timetables: [timetable], cleanOldEntrypoints: [] });
    expect((await repository.peekSchedules()).map((row) => [row.id, row.nextRun.toISOString()])).toEqual([[1, at(1).toISOString()]]);
    expect((await repository.claimSchedules({ timetables: [timetable], heartbeatTimeout: 30_000 })).schedules).toEqual([]);
    advance(60_000);
    const claim = await repository.claimSchedules({ timetables: [timetable], heartbeatTimeout: 30_000 });
    expect(claim.schedules).toMatchObject([{ id: 1, status: "picked", nextRun: at(2) }]);
    expect(claim.databaseTime).toEqual(at(1));
    expect((await repository.claimSchedules({ timetables: [timetable], heartbeatTimeout: 30_000 })).schedules).toEqual([]);
    await repository.releaseSchedules([1]);
    const [released] = await repository.peekSchedules();
    expect(released).toMatchObject({ status: "queued", lastRun: at(1) });
    // A picked row whose heartbeat went stale is claimable again.
    advance(60_000);
    await repository.claimSchedules({ timetables: [timetable], heartbeatTimeout: 30_000 });
    advance(30_001);
    expect((await repository.claimSchedules({ timetables: [timetable], heartbeatTimeout: 30_000 })).schedules.map((row) => row.id)).toEqual([1]);
  });

  it("cleans old expressions of cleanOld entrypoints, deletes by id or entrypoint, clears", async () => {
    const { repository } = schedules();
    const other = { ...timetable, expression: "*/5 * * * *" };
    await repository.registerSchedules({ timetables: [timetable, other, { ...timetable, entrypoint: "tock" }], cleanOldEntrypoints: [] });
    await repository.registerSchedules({ timetables: [timetable], cleanOldEntrypoints: ["tick"] });
    expect((await repository.peekSchedules()).map((row) => `${row.entrypoint} ${row.expression}`)).toEqual(["tick * * * * *", "tock * * * * *"]);
    expect(await repository.deleteSchedules({ entrypoints: ["tock"] })).toBe(1);
    await expect(repository.deleteSchedules({ ids: [1.5] })).rejects.toThrow(InvalidArgumentError);
    await repository.clearSchedules();
    expect(await repository.peekSchedules()).toEqual([]);
  });
});
