import { describe, expect, it } from "vitest";
import {
  AbstractScheduleExecutor,
  buildScheduleExecutor,
  ScheduleExecutor,
  type ScheduleContext,
  type ScheduleExecutorParameters,
} from "../../../src/core/scheduler/executors.js";
import { CronExpressionError, InvalidExecutorFactoryError, PgQueuerError } from "../../../src/domain/errors.js";
import type { Schedule } from "../../../src/domain/types.js";

const schedule: Schedule = {
  id: 7,
  expression: "* * * * * */3",
  entrypoint: "tick",
  heartbeat: new Date(0),
  created: new Date(0),
  updated: new Date(0),
  nextRun: new Date(0),
  lastRun: null,
  status: "picked",
};

function parameters(overrides: Partial<ScheduleExecutorParameters> = {}): ScheduleExecutorParameters {
  return { entrypoint: "tick", expression: "* * * * * */3", func: async () => undefined, cleanOld: false, ...overrides };
}

const context: ScheduleContext = { resources: { shared: true }, signal: new AbortController().signal };

describe("schedule executors", () => {
  it("the default executor calls the handler with (schedule, context) and returns its result", async () => {
    const calls: unknown[][] = [];
    const executor = new ScheduleExecutor(parameters({ func: (...args) => (calls.push(args), "done") }));
    await expect(executor.execute(schedule, context)).resolves.toBe("done");
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe(schedule);
    expect(calls[0]![1]).toBe(context);
  });

  it("a throwing handler rejects execute (the scheduler logs it)", async () => {
    const executor = new ScheduleExecutor(parameters({ func: () => { throw new Error("boom"); } }));
    await expect(executor.execute(schedule, context)).rejects.toThrow("boom");
  });

  it("getNext / nextIn follow the expression, seconds last (SCH-2)", () => {
    const executor = new ScheduleExecutor(parameters());
    const now = new Date("2024-01-01T00:00:01Z");
    expect(executor.getNext(now).toISOString()).toBe("2024-01-01T00:00:03.000Z");
    expect(executor.nextIn(now)).toBe(2_000);
    const minutes = new ScheduleExecutor(parameters({ expression: "*/3 * * * * *" }));
    expect(minutes.nextIn(now)).toBe(1_000);
  });

  it("getNext defaults to the current time", () => {
    const executor = new ScheduleExecutor(parameters({ expression: "* * * * * *" }));
    const before = Date.now();
    const next = executor.getNext().getTime();
    expect(next).toBeGreaterThan(before);
    expect(next).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it("refuses an invalid expression at construction", () => {
    expect(() => new ScheduleExecutor(parameters({ expression: "61 * * * *" }))).toThrow(CronExpressionError);
  });

  describe("buildScheduleExecutor (same rules as entrypoint executors)", () => {
    class Routing extends AbstractScheduleExecutor {
      readonly seen: Schedule[] = [];
      async execute(received: Schedule): Promise<void> {
        this.seen.push(received);
      }
    }

    it("builds the default executor without a factory", () => {
      expect(buildScheduleExecutor(parameters(), undefined)).toBeInstanceOf(ScheduleExecutor);
    });

    it("accepts the executor class itself", async () => {
      const executor = buildScheduleExecutor(parameters(), Routing);
      expect(executor).toBeInstanceOf(Routing);
      expect(executor.parameters.entrypoint).toBe("tick");
      await executor.execute(schedule, context);
      expect((executor as Routing).seen).toEqual([schedule]);
    });

    it("accepts a factory function, passing the parameters", () => {
      let received: ScheduleExecutorParameters | undefined;
      const executor = buildScheduleExecutor(parameters({ cleanOld: true }), (p: ScheduleExecutorParameters) => ((received = p), new Routing(p)));
      expect(executor).toBeInstanceOf(Routing);
      expect(received).toMatchObject({ entrypoint: "tick", expression: "* * * * * */3", cleanOld: true });
    });

    it.each([
      ["a string", "ScheduleExecutor", /must be a schedule executor class or a function/],
      ["an unrelated class", class NotAnExecutor {}, /does not extend AbstractScheduleExecutor/],
      ["a function returning junk", () => ({ nope: true }), /not a schedule executor/],
    ])("rejects %s, naming the schedule", (_label, factory, message) => {
      const attempt = (): unknown => buildScheduleExecutor(parameters(), factory);
      expect(attempt).toThrow(InvalidExecutorFactoryError);
      expect(attempt).toThrow(message);
      expect(attempt).toThrow(/'tick'/);
      expect(attempt).toThrow(TypeError);
      try {
        attempt();
      } catch (error) {
        expect(error).toBeInstanceOf(PgQueuerError);
      }
    });

    it("lets other errors thrown by a factory through", () => {
      expect(() => buildScheduleExecutor(parameters(), () => { throw new RangeError("nope"); })).toThrow(RangeError);
    });
  });
});
