import { describe, expect, it } from "vitest";
import { ScheduleHeartbeat } from "../../../src/core/scheduler/schedule-heartbeat.js";
import { silentLogger, type Logger } from "../../../src/domain/logger.js";
import { deferred, within } from "./helpers.js";

/** A repository that records every heartbeat call and lets the test await the n-th one. */
function recordingRepository(fail = false) {
  const calls: number[][] = [];
  const waiters = new Map<number, () => void>();
  return {
    calls,
    nth(n: number): Promise<void> {
      if (calls.length >= n) return Promise.resolve();
      const wait = deferred();
      waiters.set(n, wait.resolve);
      return wait.promise;
    },
    async updateScheduleHeartbeat(ids: readonly number[]): Promise<void> {
      calls.push([...ids]);
      waiters.get(calls.length)?.();
      if (fail) throw new Error("database gone");
    },
  };
}

describe("ScheduleHeartbeat", () => {
  it("sends nothing while no schedule runs", async () => {
    const repository = recordingRepository();
    const heartbeat = new ScheduleHeartbeat({ repository, interval: 1_000, logger: silentLogger });
    await heartbeat.beat();
    heartbeat.add(1);
    heartbeat.delete(1);
    await heartbeat.beat();
    expect(repository.calls).toEqual([]);
  });

  it("sends ONE call covering every running schedule", async () => {
    const repository = recordingRepository();
    const heartbeat = new ScheduleHeartbeat({ repository, interval: 1_000, logger: silentLogger });
    heartbeat.add(3);
    heartbeat.add(9);
    heartbeat.add(3);
    await heartbeat.beat();
    expect(repository.calls).toEqual([[3, 9]]);
  });

  it("beats periodically once started, and stops when told", async () => {
    const repository = recordingRepository();
    const heartbeat = new ScheduleHeartbeat({ repository, interval: 10, logger: silentLogger });
    heartbeat.add(5);
    heartbeat.start();
    try {
      await within(repository.nth(3), 5_000, "three heartbeats");
    } finally {
      await heartbeat.stop();
    }
    const count = repository.calls.length;
    await heartbeat.beat(); // a manual beat still works after stop; the loop does not
    expect(repository.calls.length).toBe(count + 1);
    expect(repository.calls.every((ids) => ids.length === 1 && ids[0] === 5)).toBe(true);
  });

  it("logs a failing heartbeat and keeps going", async () => {
    const repository = recordingRepository(true);
    const warnings: unknown[] = [];
    const logger: Logger = { ...silentLogger, warn: (object: unknown) => void warnings.push(object) };
    const heartbeat = new ScheduleHeartbeat({ repository, interval: 10, logger });
    heartbeat.add(1);
    heartbeat.start();
    try {
      await within(repository.nth(2), 5_000, "a heartbeat after the failing one");
    } finally {
      await heartbeat.stop();
    }
    expect(warnings[0]).toMatchObject({ scheduleIds: [1] });
  });
});
