import { beforeEach, describe, expect, it } from "vitest";
import { ScheduleQueries } from "../../../src/adapters/persistence/schedule-queries.js";
import { AbstractScheduleExecutor, type ScheduleContext } from "../../../src/core/scheduler/executors.js";
import { SchedulerManager, type SchedulerManagerOptions } from "../../../src/core/scheduler/scheduler-manager.js";
import { CronExpressionError, InvalidArgumentError, InvalidExecutorFactoryError, PgQueuerError, RegistrationError } from "../../../src/domain/errors.js";
import type { Logger } from "../../../src/domain/logger.js";
import type { Schedule } from "../../../src/domain/types.js";
import type { ScheduleRepository } from "../../../src/ports/schedule-repository.js";
import { describeEachBackend } from "../../support/backends.js";
import { deferred, eventually, timetable, within } from "./helpers.js";

const HOUR = 3_600_000;
const noop = async (): Promise<void> => undefined;

/** A repository that fails the test if the scheduler touches it. */
const untouchable: ScheduleRepository = new Proxy({} as ScheduleRepository, {
  get: (_target, name) => () => {
    throw new Error(`repository.${String(name)} must not be called`);
  },
});

/** A logger that keeps what it is told. */
function recordingLogger(): Logger & { lines: { level: string; object: Record<string, unknown>; message: string | undefined }[] } {
  const lines: { level: string; object: Record<string, unknown>; message: string | undefined }[] = [];
  const at = (level: string) => (object: object | string, message?: string) => {
    if (typeof object === "string") lines.push({ level, object: {}, message: object });
    else lines.push({ level, object: object as Record<string, unknown>, message });
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Run `manager` in the background; `stop()` aborts it and waits for run() to settle. */
function start(manager: SchedulerManager<any>): { run: Promise<void>; controller: AbortController; stop: () => Promise<void> } {
  const controller = new AbortController();
  const run = manager.run({ signal: controller.signal });
  run.catch(() => undefined);
  return { run, controller, stop: async () => (controller.abort(), run) };
}

describe("SchedulerManager registration", () => {
  const manager = (options: Partial<SchedulerManagerOptions> = {}) => new SchedulerManager({ repository: untouchable, ...options });

  it("registers one entrypoint under several expressions, storing the normalized expression", () => {
    const scheduler = manager();
    scheduler.schedule("report", "@hourly", noop);
    scheduler.schedule("report", "*/5  *  * * *", noop, { cleanOld: true });
    expect(scheduler.registrations.map(({ entrypoint, expression, cleanOld }) => ({ entrypoint, expression, cleanOld }))).toEqual([
      { entrypoint: "report", expression: "0 * * * *", cleanOld: false },
      { entrypoint: "report", expression: "*/5 * * * *", cleanOld: true },
    ]);
  });

  it("rejects a duplicate (entrypoint, normalized expression) pair", () => {
    const scheduler = manager();
    scheduler.schedule("report", "0 * * * *", noop);
    expect(() => scheduler.schedule("report", "@HOURLY", noop)).toThrow(RegistrationError);
    expect(() => scheduler.schedule("report", "@hourly", noop)).toThrow(/\("report", "0 \* \* \* \*"\) is already registered/);
    expect(() => scheduler.schedule("other", "@hourly", noop)).not.toThrow();
  });

  it("rejects invalid expressions at registration, naming the expression and field", () => {
    const scheduler = manager();
    expect(() => scheduler.schedule("x", "61 * * * *", noop)).toThrow(CronExpressionError);
    expect(() => scheduler.schedule("x", "61 * * * *", noop)).toThrow(/"61 \* \* \* \*".*minute field/);
    expect(() => scheduler.schedule("x", "0 0 12 * * MON", noop)).toThrow(/second field/);
    expect(() => scheduler.schedule("x", "bla * * * *", noop)).toThrow(/minute field/);
    expect(() => scheduler.schedule("x", "* * * *", noop)).toThrow(/got 4/);
    expect(scheduler.registrations).toEqual([]);
  });

  it.each([
    ["an empty entrypoint", () => manager().schedule("", "* * * * *", noop), /entrypoint/],
    ["a handler that is not a function", () => manager().schedule("x", "* * * * *", "nope" as never), /handler/],
    ["an unknown option", () => manager().schedule("x", "* * * * *", noop, { clean_old: true } as never), /clean_old: is not a schedule option/],
    ["a non-boolean cleanOld", () => manager().schedule("x", "* * * * *", noop, { cleanOld: "yes" as never }), /cleanOld/],
  ])("rejects %s", (_label, attempt, message) => {
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(message);
  });

  it("rejects a bad executorFactory, naming the schedule", () => {
    expect(() => manager().schedule("x", "* * * * *", noop, { executorFactory: 5 as never })).toThrow(InvalidExecutorFactoryError);
  });

  it.each([["heartbeatTimeout", 0], ["heartbeatTimeout", -1], ["heartbeatInterval", Number.NaN], ["heartbeatInterval", "1s"]])("rejects %s = %j", (name, value) => {
    expect(() => manager({ [name]: value })).toThrow(new RegExp(`^${name}:`));
  });

  it("resources default to an empty object; a given object is kept as is (SCH-22, RES-4)", () => {
    expect(manager().resources).toEqual({});
    const resources = { db: {} };
    expect(manager({ resources }).resources).toBe(resources);
  });

  it("with nothing registered, run touches no table and returns when aborted", async () => {
    const { stop, run } = start(manager());
    let settled = false;
    void run.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await within(stop(), 1_000, "run to return after abort");
  });

  it("returns at once when the signal is already aborted", async () => {
    const scheduler = manager();
    scheduler.schedule("x", "* * * * *", noop);
    await expect(scheduler.run({ signal: AbortSignal.abort() })).resolves.toBeUndefined();
  });
});

describeEachBackend("SchedulerManager", (db) => {
  let queries: ScheduleQueries;
  beforeEach(async () => {
    queries = new ScheduleQueries({ driver: db().driver, settings: db().settings });
    await queries.clearSchedules();
  });
  const scheduler = <R extends Record<string, unknown>>(options: Partial<SchedulerManagerOptions<R>> = {}) =>
    new SchedulerManager<R>({ repository: queries, ...options });
  const row = async (entrypoint: string): Promise<Schedule | undefined> => (await queries.peekSchedules()).find((s) => s.entrypoint === entrypoint);

  it("runs every tick of a seconds schedule once, with the row and the shared resources", async () => {
    const resources = { counter: 0 };
    const manager = scheduler({ resources });
    const seen: { schedule: Schedule; context: ScheduleContext<typeof resources> }[] = [];
    const third = deferred();
    manager.schedule("every_second", "* * * * * *", async (schedule, context) => {
      context.resources.counter += 1;
      seen.push({ schedule, context });
      if (seen.length === 3) third.resolve();
    });
    const running = start(manager);
    try {
      await within(third.promise, 10_000, "three ticks");
    } finally {
      await running.stop();
    }
    const nextRuns = seen.map((s) => s.schedule.nextRun.getTime());
    expect(nextRuns[1]! - nextRuns[0]!).toBe(1_000);
    expect(nextRuns[2]! - nextRuns[1]!).toBe(1_000);
    expect(seen[0]!.schedule).toMatchObject({ entrypoint: "every_second", expression: "* * * * * *", status: "picked" });
    expect(seen[0]!.context.resources).toBe(resources);
    expect(resources.counter).toBeGreaterThanOrEqual(3);
    expect(seen[0]!.context.signal.aborted).toBe(true); // aborted at shutdown
    const stored = await row("every_second");
    expect(stored).toMatchObject({ status: "queued" });
    expect(stored!.lastRun).toBeInstanceOf(Date);
  });

  it("keeps going after a handler throws, logging the error and releasing the row (SCH-15, ERR-11)", async () => {
    const logger = recordingLogger();
    const manager = scheduler({ logger });
    const calls: number[] = [];
    const second = deferred();
    manager.schedule("flaky", "* * * * * *", (schedule) => {
      calls.push(schedule.id);
      if (calls.length === 1) throw new Error("first tick fails");
      second.resolve();
    });
    const running = start(manager);
    try {
      await within(second.promise, 10_000, "the tick after the failing one");
    } finally {
      await running.stop();
    }
    const failure = logger.lines.find((line) => line.level === "error");
    expect(failure?.object).toMatchObject({ scheduleId: calls[0], entrypoint: "flaky", expression: "* * * * * *" });
    expect(String(failure?.object.err)).toMatch(/first tick fails/);
    expect((await row("flaky"))!.lastRun).toBeInstanceOf(Date);
  });

  it("runs missed ticks once on start, with no backfill (the missed-tick policy)", async () => {
    // A yearly schedule whose row says it was due five hours ago: several ticks were "missed".
    await queries.registerSchedules({ timetables: [timetable("yearly", "0 0 1 1 *", [], -5 * HOUR)], cleanOldEntrypoints: [] });
    const manager = scheduler();
    const calls: Schedule[] = [];
    const ran = deferred();
    manager.schedule("yearly", "@yearly", async (schedule) => {
      calls.push(schedule);
      ran.resolve();
    });
    const running = start(manager);
    try {
      await within(ran.promise, 10_000, "the catch-up run");
      const released = await eventually(async () => ((await row("yearly"))?.status === "queued" ? row("yearly") : undefined), { what: "release" });
      const newYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));
      expect(released!.nextRun.getTime()).toBe(newYear.getTime());
      expect(released!.lastRun).toBeInstanceOf(Date);
      // Nothing else is due: another claimer gets nothing.
      const claim = await queries.claimSchedules({ timetables: [timetable("yearly", "0 0 1 1 *", [newYear])], heartbeatTimeout: 30_000 });
      expect(claim.schedules).toEqual([]);
    } finally {
      await running.stop();
    }
    expect(calls).toHaveLength(1);
  });

  it("claims a row left picked by a dead worker once its heartbeat is stale (SCH-13)", async () => {
    await queries.registerSchedules({ timetables: [timetable("orphan", "0 0 1 1 *", [], -HOUR)], cleanOldEntrypoints: [] });
    const { schedules: [orphaned] } = await queries.claimSchedules({ timetables: [timetable("orphan", "0 0 1 1 *", [new Date(Date.now() + HOUR)])], heartbeatTimeout: 30_000 });
    expect(orphaned).toBeDefined();
    const manager = scheduler({ heartbeatTimeout: 300 });
    const rescued = deferred<Schedule>();
    manager.schedule("orphan", "@yearly", async (schedule) => rescued.resolve(schedule));
    const running = start(manager);
    try {
      const schedule = await within(rescued.promise, 10_000, "the stale row to be re-claimed");
      expect(schedule.id).toBe(orphaned!.id);
      expect(schedule.heartbeat.getTime()).toBeGreaterThan(orphaned!.heartbeat.getTime() + 300);
    } finally {
      await running.stop();
    }
  });

  it("refreshes the heartbeat of a running schedule (SCH-17)", async () => {
    const manager = scheduler({ heartbeatInterval: 50 });
    const started = deferred<Schedule>();
    const finish = deferred();
    manager.schedule("slow", "* * * * * *", async (schedule) => {
      started.resolve(schedule);
      await finish.promise;
    });
    const running = start(manager);
    try {
      const schedule = await within(started.promise, 10_000, "the tick to start");
      await eventually(async () => ((await row("slow"))!.heartbeat.getTime() > schedule.heartbeat.getTime() ? true : undefined), { what: "the heartbeat to advance" });
    } finally {
      finish.resolve();
      await running.stop();
    }
  });

  it("never overlaps a schedule with itself; ticks missed while it ran collapse into one catch-up run", async () => {
    const manager = scheduler();
    let active = 0;
    let maxActive = 0;
    const runs: Schedule[] = [];
    const firstStarted = deferred();
    const releaseFirst = deferred();
    const secondRan = deferred();
    manager.schedule("long", "* * * * * *", async (schedule) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      runs.push(schedule);
      if (runs.length === 1) {
        firstStarted.resolve();
        await releaseFirst.promise;
      } else if (runs.length === 2) secondRan.resolve();
      active -= 1;
    });
    const running = start(manager);
    try {
      await within(firstStarted.promise, 10_000, "the first tick");
      // Let at least two further ticks pass on the database clock while the first run holds the row.
      const first = runs[0]!;
      await eventually(async () => ((await queries.currentTime()).getTime() > first.nextRun.getTime() + 1_200 ? true : undefined), { what: "two ticks to pass" });
      releaseFirst.resolve();
      await within(secondRan.promise, 5_000, "the catch-up run");
    } finally {
      releaseFirst.resolve();
      await running.stop();
    }
    expect(maxActive).toBe(1);
    expect(runs[1]!.id).toBe(runs[0]!.id);
    expect(runs[1]!.nextRun.getTime() - runs[0]!.nextRun.getTime()).toBeGreaterThanOrEqual(2_000);
  });

  it("shutdown aborts the handlers' signal and waits for them before resolving", async () => {
    const manager = scheduler();
    const started = deferred();
    let finished = false;
    manager.schedule("until_shutdown", "* * * * * *", async (_schedule, context) => {
      started.resolve();
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      await Promise.resolve();
      finished = true;
    });
    const running = start(manager);
    await within(started.promise, 10_000, "the tick to start");
    await running.stop();
    expect(finished).toBe(true);
    expect(await row("until_shutdown")).toMatchObject({ status: "queued" });
  });

  it("passes a custom executor the schedule and context", async () => {
    const seen = deferred<[Schedule, ScheduleContext]>();
    class Recording extends AbstractScheduleExecutor {
      async execute(schedule: Schedule, context: ScheduleContext): Promise<void> {
        seen.resolve([schedule, context]);
      }
    }
    const resources = { mailer: "m" };
    const manager = scheduler({ resources });
    const executor = manager.schedule("custom", "* * * * * *", noop, { executorFactory: Recording });
    expect(executor).toBeInstanceOf(Recording);
    const running = start(manager);
    try {
      const [schedule, context] = await within(seen.promise, 10_000, "the custom executor");
      expect(schedule.entrypoint).toBe("custom");
      expect(context.resources).toBe(resources);
    } finally {
      await running.stop();
    }
  });

  it("cleanOld removes the entrypoint's other expressions on start (SCH-9, SCH-10)", async () => {
    const expressions = async () => (await queries.peekSchedules()).filter((s) => s.entrypoint === "sm_task").sort((a, b) => a.id - b.id).map((s) => s.expression);
    /** Start a worker with these registrations, wait until `expected` is stored, stop it. */
    const session = async (registrations: [string, boolean][], expected: string[]) => {
      const manager = scheduler();
      for (const [expression, cleanOld] of registrations) manager.schedule("sm_task", expression, noop, { cleanOld });
      const running = start(manager);
      try {
        await eventually(async () => JSON.stringify(await expressions()) === JSON.stringify(expected), { what: `rows ${expected.join(", ")}` });
      } finally {
        await running.stop();
      }
    };
    await session([["1 * * * *", false]], ["1 * * * *"]);
    await session([["2 * * * *", false]], ["1 * * * *", "2 * * * *"]);
    await session([["3 * * * *", true]], ["3 * * * *"]);
    const kept = (await queries.peekSchedules()).find((s) => s.expression === "3 * * * *")!;
    await session([["3 * * * *", true], ["4 * * * *", true]], ["3 * * * *", "4 * * * *"]);
    // The still-registered row is kept (with its state), not deleted and re-created.
    expect((await queries.peekSchedules()).find((s) => s.expression === "3 * * * *")!.id).toBe(kept.id);
  });

  it("two schedulers on one database run each tick once (SCH-14)", async () => {
    const ticks: { tick: number; worker: string }[] = [];
    const enough = deferred();
    const managers = ["a", "b"].map((worker) => {
      const manager = scheduler();
      manager.schedule("shared", "* * * * * *", async (schedule) => {
        ticks.push({ tick: schedule.nextRun.getTime() - 1_000, worker });
        if (new Set(ticks.map((t) => t.tick)).size >= 4) enough.resolve();
      });
      return start(manager);
    });
    try {
      await within(enough.promise, 15_000, "four ticks");
    } finally {
      await Promise.all(managers.map((m) => m.stop()));
    }
    const values = ticks.map((t) => t.tick);
    expect(new Set(values).size).toBe(values.length);
    const sorted = [...values].sort((x, y) => x - y);
    expect(sorted.every((tick, i) => i === 0 || tick - sorted[i - 1]! === 1_000)).toBe(true);
  });

  it.each([["ahead", 30_000], ["behind", -30_000]])("aligns to the database clock when the worker's clock is %s by 30 s", async (_label, skew) => {
    const manager = scheduler({ clock: () => Date.now() + skew });
    const runs: Schedule[] = [];
    const third = deferred();
    manager.schedule("skewed", "* * * * * *", async (schedule) => {
      runs.push(schedule);
      if (runs.length === 3) third.resolve();
    });
    const running = start(manager);
    try {
      await within(third.promise, 10_000, "three consecutive ticks");
    } finally {
      await running.stop();
    }
    expect(runs[1]!.nextRun.getTime() - runs[0]!.nextRun.getTime()).toBe(1_000);
    expect(runs[2]!.nextRun.getTime() - runs[1]!.nextRun.getTime()).toBe(1_000);
    expect(Math.abs(runs[0]!.nextRun.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it("refuses registration while running, and a second concurrent run", async () => {
    const manager = scheduler();
    manager.schedule("busy", "@yearly", noop);
    const running = start(manager);
    try {
      await eventually(async () => (await row("busy")) !== undefined, { what: "registration" });
      expect(() => manager.schedule("late", "@hourly", noop)).toThrow(RegistrationError);
      await expect(manager.run()).rejects.toThrow(PgQueuerError);
    } finally {
      await running.stop();
    }
  });
});

describeEachBackend("SchedulerManager without the schema", (db) => {
  it("fails run() with a SchemaError naming the schedules table", async () => {
    const manager = new SchedulerManager({ repository: new ScheduleQueries({ driver: db().driver, settings: db().settings }) });
    manager.schedule("x", "* * * * *", noop);
    await expect(manager.run({ signal: new AbortController().signal })).rejects.toThrow(/pgqueuer_schedules table is missing/);
  });
}, { install: false });
