import { beforeEach, expect, it } from "vitest";
import { ScheduleQueries } from "../../../src/adapters/persistence/schedule-queries.js";
import { InvalidArgumentError, SchemaError } from "../../../src/domain/errors.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { describeEachBackend } from "../../support/backends.js";
import { eventually, timetable } from "../../core/scheduler/helpers.js";

const HOUR = 3_600_000;
const later = (ms: number): Date => new Date(Date.now() + ms);

describeEachBackend("ScheduleQueries", (db, backend) => {
  let queries: ScheduleQueries;
  beforeEach(async () => {
    queries = new ScheduleQueries({ driver: db().driver, settings: db().settings });
    await queries.clearSchedules();
  });

  /** Register `entrypoint` with a next run one hour ago (due now). */
  async function registerDue(entrypoint: string, expression = "0 * * * *"): Promise<void> {
    await queries.registerSchedules({ timetables: [timetable(entrypoint, expression, [], -HOUR)], cleanOldEntrypoints: [] });
  }

  it("verifies that the schedules and log tables exist", async () => {
    await expect(queries.verifyScheduleStructure()).resolves.toBeUndefined();
  });

  it("reports the database clock", async () => {
    const before = Date.now();
    const now = await queries.currentTime();
    expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
  });

  it("inserts a queued row whose next run is the first fire time after the database's now", async () => {
    const fires = [later(-2 * HOUR), later(-HOUR), later(HOUR), later(2 * HOUR)];
    await queries.registerSchedules({ timetables: [timetable("report", "0 * * * *", fires)], cleanOldEntrypoints: [] });
    const [row, ...rest] = await queries.peekSchedules();
    expect(rest).toHaveLength(0);
    expect(row).toMatchObject({ entrypoint: "report", expression: "0 * * * *", status: "queued", lastRun: null });
    expect(row!.nextRun.getTime()).toBe(fires[2]!.getTime());
  });

  it("falls back to NOW() + fallbackDelay when every fire time is past", async () => {
    await queries.registerSchedules({ timetables: [timetable("skewed", "* * * * *", [later(-HOUR)], 5 * 60_000)], cleanOldEntrypoints: [] });
    const [row] = await queries.peekSchedules();
    const expected = Date.now() + 5 * 60_000;
    expect(Math.abs(row!.nextRun.getTime() - expected)).toBeLessThan(5_000);
  });

  it("keeps an existing row's state and id when registering again (ON CONFLICT DO NOTHING)", async () => {
    await registerDue("keep");
    const { schedules: [claimed] } = await queries.claimSchedules({ timetables: [timetable("keep", "0 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 });
    await queries.registerSchedules({ timetables: [timetable("keep", "0 * * * *", [later(-HOUR)], -HOUR)], cleanOldEntrypoints: [] });
    const rows = await queries.peekSchedules();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: claimed!.id, status: "picked", nextRun: claimed!.nextRun });
  });

  it("cleanOld deletes the entrypoint's other expressions only", async () => {
    const reg = (entrypoint: string, expression: string) => timetable(entrypoint, expression, [later(HOUR)]);
    await queries.registerSchedules({ timetables: [reg("task", "1 * * * *"), reg("task", "2 * * * *"), reg("other", "5 * * * *")], cleanOldEntrypoints: [] });
    const kept = (await queries.peekSchedules()).find((s) => s.expression === "2 * * * *")!;
    await queries.registerSchedules({ timetables: [reg("task", "2 * * * *"), reg("task", "3 * * * *")], cleanOldEntrypoints: ["task"] });
    const rows = await queries.peekSchedules();
    expect(rows.map((s) => `${s.entrypoint} ${s.expression}`).sort()).toEqual(["other 5 * * * *", "task 2 * * * *", "task 3 * * * *"]);
    expect(rows.find((s) => s.expression === "2 * * * *")!.id).toBe(kept.id);
  });

  it("assigns ids in registration order", async () => {
    const fire = [later(HOUR)];
    await queries.registerSchedules({ timetables: [timetable("b", "4 * * * *", fire), timetable("a", "3 * * * *", fire)], cleanOldEntrypoints: [] });
    const rows = (await queries.peekSchedules()).sort((x, y) => x.id - y.id);
    expect(rows.map((s) => s.entrypoint)).toEqual(["b", "a"]);
  });

  it("claims a due row once, advancing next_run at claim time", async () => {
    await registerDue("due");
    const next = later(HOUR);
    const request = { timetables: [timetable("due", "0 * * * *", [later(-HOUR), next])], heartbeatTimeout: 30_000 };
    const first = await queries.claimSchedules(request);
    expect(first.schedules).toHaveLength(1);
    expect(first.schedules[0]).toMatchObject({ entrypoint: "due", expression: "0 * * * *", status: "picked" });
    expect(first.schedules[0]!.nextRun.getTime()).toBe(next.getTime());
    expect(Math.abs(first.databaseTime.getTime() - Date.now())).toBeLessThan(5_000);
    const second = await queries.claimSchedules(request);
    expect(second.schedules).toEqual([]);
  });

  it("never claims a row that is not due, or not registered by the caller", async () => {
    await queries.registerSchedules({ timetables: [timetable("future", "0 * * * *", [later(HOUR)])], cleanOldEntrypoints: [] });
    await registerDue("someone-else");
    const claim = await queries.claimSchedules({ timetables: [timetable("future", "0 * * * *", [later(HOUR)]), timetable("someone-else", "1 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 });
    expect(claim.schedules).toEqual([]);
  });

  it("hands a due row to exactly one of several concurrent claimers", async () => {
    await registerDue("race");
    const request = { timetables: [timetable("race", "0 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 };
    const drivers = backend === "postgres" ? await Promise.all([1, 2, 3].map(() => db().openDriver())) : [db().driver];
    const claimers = [...drivers, ...drivers].map((driver) => new ScheduleQueries({ driver, settings: db().settings }));
    const results = await Promise.all(claimers.map((claimer) => claimer.claimSchedules(request)));
    expect(results.flatMap((r) => r.schedules)).toHaveLength(1);
  });

  it.skipIf(backend === "pglite")("skips a due row locked by another open transaction (PGlite has one connection: no concurrent transaction)", async () => {
    await registerDue("locked");
    const other = await db().openDriver();
    const table = sqlNames(db().settings).schedulesTable;
    const request = { timetables: [timetable("locked", "0 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 };
    await other.transaction(async (tx) => {
      await tx.query({ text: `SELECT id FROM ${table} WHERE entrypoint = $1 FOR UPDATE`, values: ["locked"] });
      expect((await queries.claimSchedules(request)).schedules).toEqual([]);
    });
    expect((await queries.claimSchedules(request)).schedules).toHaveLength(1);
  });

  it("re-claims a picked row whose heartbeat went stale (same id, newer heartbeat)", async () => {
    await registerDue("crashed");
    const tables = [timetable("crashed", "0 * * * *", [later(HOUR)])];
    const { schedules: [first] } = await queries.claimSchedules({ timetables: tables, heartbeatTimeout: 30_000 });
    expect((await queries.claimSchedules({ timetables: tables, heartbeatTimeout: 30_000 })).schedules).toEqual([]);
    const again = await eventually(async () => (await queries.claimSchedules({ timetables: tables, heartbeatTimeout: 50 })).schedules[0], { what: "stale re-claim" });
    expect(again.id).toBe(first!.id);
    expect(again.heartbeat.getTime()).toBeGreaterThan(first!.heartbeat.getTime());
  });

  it("heartbeats and releases only picked rows", async () => {
    await registerDue("beat");
    await queries.registerSchedules({ timetables: [timetable("idle", "0 * * * *", [later(HOUR)])], cleanOldEntrypoints: [] });
    const { schedules: [picked] } = await queries.claimSchedules({ timetables: [timetable("beat", "0 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 });
    const idle = (await queries.peekSchedules()).find((s) => s.entrypoint === "idle")!;
    const beaten = await eventually(async () => {
      await queries.updateScheduleHeartbeat([picked!.id, idle.id]);
      const row = (await queries.peekSchedules()).find((s) => s.id === picked!.id)!;
      return row.heartbeat.getTime() > picked!.heartbeat.getTime() && row;
    }, { what: "heartbeat to advance" });
    expect(beaten.updated.getTime()).toBe(beaten.heartbeat.getTime());
    expect((await queries.peekSchedules()).find((s) => s.id === idle.id)!.heartbeat).toEqual(idle.heartbeat);

    await queries.releaseSchedules([picked!.id, idle.id]);
    const rows = await queries.peekSchedules();
    expect(rows.find((s) => s.id === picked!.id)).toMatchObject({ status: "queued" });
    expect(rows.find((s) => s.id === picked!.id)!.lastRun).toBeInstanceOf(Date);
    expect(rows.find((s) => s.id === idle.id)!.lastRun).toBeNull();
  });

  it("lists schedules least recently run first, never-run last", async () => {
    await registerDue("ran");
    await queries.registerSchedules({ timetables: [timetable("never", "0 * * * *", [later(HOUR)])], cleanOldEntrypoints: [] });
    const { schedules: [ran] } = await queries.claimSchedules({ timetables: [timetable("ran", "0 * * * *", [later(HOUR)])], heartbeatTimeout: 30_000 });
    await queries.releaseSchedules([ran!.id]);
    expect((await queries.peekSchedules()).map((s) => s.entrypoint)).toEqual(["ran", "never"]);
  });

  it("deletes by ids or entrypoint names, and clears", async () => {
    const fire = [later(HOUR)];
    await queries.registerSchedules({ timetables: ["a", "b", "c", "d"].map((name) => timetable(name, "0 * * * *", fire)), cleanOldEntrypoints: [] });
    const byName = new Map((await queries.peekSchedules()).map((s) => [s.entrypoint, s.id]));
    expect(await queries.deleteSchedules({})).toBe(0);
    expect(await queries.deleteSchedules({ ids: [byName.get("a")!], entrypoints: ["b"] })).toBe(2);
    expect((await queries.peekSchedules()).map((s) => s.entrypoint).sort()).toEqual(["c", "d"]);
    expect(await queries.deleteSchedules({ entrypoints: ["nope"] })).toBe(0);
    await queries.clearSchedules();
    expect(await queries.peekSchedules()).toEqual([]);
  });

  it("rejects bad delete arguments before any SQL", async () => {
    await expect(queries.deleteSchedules({ ids: ["1" as unknown as number] })).rejects.toThrow(InvalidArgumentError);
    await expect(queries.deleteSchedules({ ids: [1.5] })).rejects.toThrow(/ids/);
    await expect(queries.deleteSchedules({ entrypoints: ["ok", "a\u0000"] })).rejects.toThrow(/entrypoints\[1\].*NUL/);
    await expect(queries.deleteSchedules({ entrypoints: [7 as unknown as string] })).rejects.toThrow(/entrypoints/);
  });
});

describeEachBackend("ScheduleQueries without the schema", (db) => {
  it("names the missing schedules table and the command to run", async () => {
    const queries = new ScheduleQueries({ driver: db().driver, settings: db().settings });
    const error = await queries.verifyScheduleStructure().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaError);
    expect(String(error)).toMatch(/pgqueuer_schedules table is missing; run 'pgq upgrade'/);
  });
}, { install: false });
