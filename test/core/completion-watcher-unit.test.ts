/**
 * CompletionWatcher mechanics against a fake driver and a fake status source, under fake
 * timers: debounce coalescing, the safety-net poll, abort, close semantics and bad inputs.
 * The database behaviour (both backends) is in completion-watcher.test.ts.
 */
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CompletionWatcher, type JobStatusReader } from "../../src/core/completion-watcher.js";
import { CompletionWatcherStateError, InvalidArgumentError } from "../../src/domain/errors.js";
import type { JobStatusEntry } from "../../src/domain/insights.js";
import type { JobId, JobStatus } from "../../src/domain/types.js";
import type { Driver, ListenOptions } from "../../src/ports/driver.js";

const TABLE_CHANGED = JSON.stringify({ channel: "ch", operation: "delete", sent_at: "2024-01-01T00:00:00Z", table: "pgqueuer", type: "table_changed_event" });

/** A driver whose only working method is listen(); the test delivers notifications by hand. */
function fakeDriver() {
  const state = { listen: undefined as ListenOptions | undefined, closed: 0 };
  const fail = (): never => {
    throw new Error("not used by the watcher");
  };
  const driver: Driver = {
    query: fail,
    execute: fail,
    notify: fail,
    transaction: fail,
    concurrent: false,
    close: async () => undefined,
    listen: async (options) => {
      state.listen = options;
      return { close: async () => void (state.closed += 1) };
    },
  };
  return {
    driver,
    state,
    notify: (payload = TABLE_CHANGED) => state.listen!.onNotification(payload),
  };
}

/** A status source backed by a map; records the ids of each query. */
function fakeQueries() {
  const statuses = new Map<JobId, JobStatus>();
  const calls: JobId[][] = [];
  let failNext = 0;
  const queries: JobStatusReader & { channel: string } = {
    channel: "ch",
    jobStatus: async (ids) => {
      calls.push([...ids]);
      if (failNext > 0) {
        failNext -= 1;
        throw new Error("database unavailable");
      }
      return ids.flatMap((id): JobStatusEntry[] => (statuses.has(id) ? [{ id, status: statuses.get(id)! }] : []));
    },
  };
  return { queries, statuses, calls, failNextQueries: (n: number) => void (failNext = n) };
}

/** Observe a promise's state without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe("CompletionWatcher (fake driver, fake timers)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function open(options: { refreshInterval?: number | null; debounce?: number } = {}) {
    const db = fakeDriver();
    const source = fakeQueries();
    const watcher = await CompletionWatcher.open({ driver: db.driver, queries: source.queries, refreshInterval: null, debounce: 50, ...options });
    return { db, source, watcher };
  }

  it("coalesces a burst of triggers within one debounce window into one query (10 → 1)", async () => {
    const { db, source, watcher } = await open();
    const wait = track(watcher.waitFor(1));
    for (let i = 0; i < 10; i += 1) db.notify();
    await vi.advanceTimersByTimeAsync(49);
    expect(source.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.calls).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(500);
    expect(source.calls).toHaveLength(1);
    expect(wait.settled).toBe(false);
    await watcher.close({ signal: AbortSignal.abort() });
  });

  it("runs triggers in separate windows separately (2 → 2)", async () => {
    const { db, source, watcher } = await open();
    void watcher.waitFor(1).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(50);
    db.notify();
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls).toEqual([[1], [1]]);
    await watcher.close({ signal: AbortSignal.abort() });
  });

  it("asks for the status of all pending ids in ONE query and resolves only the terminal ones", async () => {
    const { db, source, watcher } = await open();
    const statuses: JobStatus[] = ["queued", "picked", "successful", "exception", "canceled", "deleted", "failed"];
    statuses.forEach((status, index) => source.statuses.set(index + 1, status));
    const waits = statuses.map((_, index) => track(watcher.waitFor(index + 1)));
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls).toEqual([[1, 2, 3, 4, 5, 6, 7]]);
    expect(waits.map((wait) => wait.value ?? null)).toEqual([null, null, "successful", "exception", "canceled", "deleted", null]);
    expect(watcher.pending).toBe(3);
    // The next check asks only for the ids still pending.
    source.statuses.set(7, "canceled");
    db.notify();
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls[1]).toEqual([1, 2, 7]);
    expect(waits[6]!.value).toBe("canceled");
    await watcher.close({ signal: AbortSignal.abort() });
  });

  it("resolves every waiter of the same id together (CMP-5)", async () => {
    const { source, watcher } = await open();
    source.statuses.set(5, "successful");
    const results = Promise.all([watcher.waitFor(5), watcher.waitFor(5), watcher.waitFor(5)]);
    await vi.advanceTimersByTimeAsync(50);
    await expect(results).resolves.toEqual(["successful", "successful", "successful"]);
    expect(source.calls).toEqual([[5]]);
    await watcher.close();
  });

  it("runs exactly one more check when triggered while a check is in flight", async () => {
    const db = fakeDriver();
    let release!: () => void;
    const calls: JobId[][] = [];
    const queries: JobStatusReader = {
      channel: "ch",
      jobStatus: async (ids) => {
        calls.push([...ids]);
        if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return [];
      },
    };
    const watcher = await CompletionWatcher.open({ driver: db.driver, queries, refreshInterval: null, debounce: 10 });
    void watcher.waitFor(1).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toHaveLength(1);
    for (let i = 0; i < 5; i += 1) db.notify();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(1); // still in flight
    release();
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(2);
    await watcher.close({ signal: AbortSignal.abort() });
  });

  it("polls every refreshInterval when no notification comes (the safety net)", async () => {
    const { source, watcher } = await open({ refreshInterval: 1_000 });
    const wait = track(watcher.waitFor(9));
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls).toHaveLength(1);
    source.statuses.set(9, "exception"); // finished, but its notification was lost
    await vi.advanceTimersByTimeAsync(1_000 + 50);
    expect(source.calls).toHaveLength(2);
    expect(wait.value).toBe("exception");
    await watcher.close();
  });

  it("never polls with refreshInterval null; notifications alone drive it", async () => {
    const { db, source, watcher } = await open({ refreshInterval: null });
    const wait = track(watcher.waitFor(9));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(source.calls).toHaveLength(1);
    source.statuses.set(9, "successful");
    db.notify();
    await vi.advanceTimersByTimeAsync(50);
    expect(wait.value).toBe("successful");
    await watcher.close();
  });

  it("ignores other notification types and unparsable payloads, and checks after a listener reconnect", async () => {
    const { db, source, watcher } = await open();
    void watcher.waitFor(3).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(50);
    db.notify(JSON.stringify({ channel: "ch", sent_at: "2024-01-01T00:00:00Z", type: "cancellation_event", ids: [3] }));
    db.notify(JSON.stringify({ channel: "ch", sent_at: "2024-01-01T00:00:00Z", type: "health_check_event", id: "x" }));
    db.notify("not json");
    await vi.advanceTimersByTimeAsync(200);
    expect(source.calls).toHaveLength(1);
    db.state.listen!.onReconnect!();
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls).toHaveLength(2);
    await watcher.close({ signal: AbortSignal.abort() });
  });

  it("retries a failed status query after a delay, without losing waiters", async () => {
    const { source, watcher } = await open();
    source.statuses.set(4, "successful");
    source.failNextQueries(1);
    const wait = track(watcher.waitFor(4));
    await vi.advanceTimersByTimeAsync(50);
    expect(source.calls).toHaveLength(1);
    expect(wait.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.calls).toHaveLength(2);
    expect(wait.value).toBe("successful");
    await watcher.close();
  });

  it("an aborted signal rejects that waiter only", async () => {
    const { source, watcher } = await open();
    const controller = new AbortController();
    const aborted = track(watcher.waitFor(8, { signal: controller.signal }));
    const kept = track(watcher.waitFor(8));
    const reason = new Error("user gave up");
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(aborted.error).toBe(reason);
    expect(kept.settled).toBe(false);
    expect(watcher.pending).toBe(1);
    source.statuses.set(8, "deleted");
    await vi.advanceTimersByTimeAsync(50);
    expect(kept.value).toBe("deleted");
    // An already-aborted signal rejects at once, without registering a waiter.
    await expect(watcher.waitFor(8, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(watcher.pending).toBe(0);
    await watcher.close();
  });

  it("many waits on one signal share one abort listener (no leak warning), which goes when they settle", async () => {
    const { source, watcher } = await open();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const ids = Array.from({ length: 50 }, (_, index) => 100 + index);
      const waits = ids.map((id) => track(watcher.waitFor(id, { signal: controller.signal })));
      const all = track(watcher.waitForAll(ids.map((id) => id + 100)));
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      for (const id of ids) source.statuses.set(id, "successful");
      for (const id of ids) source.statuses.set(id + 100, "deleted");
      await vi.advanceTimersByTimeAsync(50);
      expect(waits.map((wait) => wait.value)).toEqual(ids.map(() => "successful"));
      expect(all.value).toEqual(ids.map(() => "deleted"));
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      // Aborting the shared signal still rejects every wait on it.
      const reason = new Error("user gave up");
      const late = [track(watcher.waitFor(500, { signal: controller.signal })), track(watcher.waitFor(501, { signal: controller.signal }))];
      controller.abort(reason);
      await vi.advanceTimersByTimeAsync(0);
      expect(late.map((wait) => wait.error)).toEqual([reason, reason]);
      expect(watcher.pending).toBe(0);
      await new Promise((resolve) => process.nextTick(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((warning) => warning.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
    await watcher.close();
  });

  it("waitForAll returns statuses in input order; waitForAny the first to finish, dropping the rest", async () => {
    const { db, source, watcher } = await open();
    source.statuses.set(1, "exception");
    source.statuses.set(2, "successful");
    const all = watcher.waitForAll([2, 1]);
    await vi.advanceTimersByTimeAsync(50);
    await expect(all).resolves.toEqual(["successful", "exception"]);

    source.statuses.set(11, "queued");
    source.statuses.set(12, "queued");
    const any = track(watcher.waitForAny([11, 12]));
    await vi.advanceTimersByTimeAsync(50);
    expect(any.settled).toBe(false);
    source.statuses.set(12, "canceled");
    db.notify();
    await vi.advanceTimersByTimeAsync(50);
    expect(any.value).toEqual({ jobId: 12, status: "canceled" });
    expect(watcher.pending).toBe(0); // the wait for 11 was dropped
    await watcher.close();
  });

  it("waitForAll rejects when one wait is aborted, and leaves no wait behind", async () => {
    const { watcher } = await open();
    const controller = new AbortController();
    const all = track(watcher.waitForAll([1, 2, 3], { signal: controller.signal }));
    controller.abort(new Error("stop"));
    await vi.advanceTimersByTimeAsync(0);
    expect((all.error as Error).message).toBe("stop");
    expect(watcher.pending).toBe(0);
    await watcher.close();
  });

  it("close() runs a final check and waits for pending waiters (CMP-6); close({ signal }) rejects the rest", async () => {
    const { db, source, watcher } = await open();
    const first = track(watcher.waitFor(1));
    const second = track(watcher.waitFor(2));
    const controller = new AbortController();
    const closing = track(watcher.close({ signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(0);
    expect(source.calls).toEqual([[1, 2]]); // the final check ran at once, not after the debounce
    expect(closing.settled).toBe(false);
    await expect(watcher.waitFor(3)).rejects.toBeInstanceOf(CompletionWatcherStateError);
    source.statuses.set(1, "successful");
    db.notify(); // still listening while closing
    await vi.advanceTimersByTimeAsync(50);
    expect(first.value).toBe("successful");
    expect(closing.settled).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(closing.settled).toBe(true);
    expect(second.error).toBeInstanceOf(CompletionWatcherStateError);
    expect(db.state.closed).toBe(1);
    expect(watcher.close()).toBe(watcher.close()); // idempotent
  });

  it("await using closes the watcher and its subscription", async () => {
    const db = fakeDriver();
    const source = fakeQueries();
    {
      await using watcher = await CompletionWatcher.open({ driver: db.driver, queries: source.queries });
      expect(watcher.channel).toBe("ch");
    }
    expect(db.state.closed).toBe(1);
  });

  it("rejects waits before start() and after close(), with CompletionWatcherStateError", async () => {
    const db = fakeDriver();
    const source = fakeQueries();
    const watcher = new CompletionWatcher({ driver: db.driver, queries: source.queries });
    await expect(watcher.waitFor(1)).rejects.toThrow(/start\(\)/);
    await watcher.start();
    await watcher.close();
    await expect(watcher.waitFor(1)).rejects.toBeInstanceOf(CompletionWatcherStateError);
    await expect(watcher.start()).rejects.toBeInstanceOf(CompletionWatcherStateError);
  });

  it("rejects bad job ids with InvalidArgumentError naming jobId (e.g. a null from onConflict skip)", async () => {
    const { source, watcher } = await open();
    for (const bad of [null, undefined, 0, -1, 1.5, Number.NaN, "1", 2 ** 53]) {
      const error = await watcher.waitFor(bad as unknown as number).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).setting).toBe("jobId");
    }
    await expect(watcher.waitForAll([1, null as unknown as number])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(watcher.waitForAll("1" as unknown as number[])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(watcher.waitForAny([])).rejects.toBeInstanceOf(InvalidArgumentError);
    await vi.advanceTimersByTimeAsync(100);
    expect(watcher.pending).toBe(0);
    expect(source.calls).toHaveLength(0);
    await watcher.close();
  });

  it("rejects bad options before listening, naming the option", () => {
    const db = fakeDriver();
    const { queries } = fakeQueries();
    const cases: [Record<string, unknown>, string][] = [
      [{ refreshInterval: 0 }, "refreshInterval"],
      [{ refreshInterval: -5 }, "refreshInterval"],
      [{ refreshInterval: Number.POSITIVE_INFINITY }, "refreshInterval"],
      [{ refreshInterval: "5000" }, "refreshInterval"],
      [{ debounce: -1 }, "debounce"],
      [{ debounce: Number.NaN }, "debounce"],
      [{ queries: {} }, "queries"],
      [{ driver: {} }, "driver"],
      [{ queries: { jobStatus: queries.jobStatus } }, "channel"],
      [{ channel: "" }, "channel"],
    ];
    for (const [override, setting] of cases) {
      let caught: unknown;
      try {
        new CompletionWatcher({ driver: db.driver, queries, ...override } as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(override)).toBeInstanceOf(InvalidArgumentError);
      expect((caught as InvalidArgumentError).setting).toBe(setting);
    }
    expect(db.state.listen).toBeUndefined();
  });
});
