/**
 * The broadcaster behind server-sent events, with a fake driver and fake timers: LISTEN only
 * while someone subscribes, bursts debounced into one push, relevant events only, a reconnect
 * treated as a change, and close.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/domain/logger.js";
import type { Driver, ListenOptions } from "../../src/ports/driver.js";
import { QueueChangeBroadcaster } from "../../src/web/live-updates.js";

function fakeDriver(): { driver: Driver; listeners: ListenOptions[]; closed: number } {
  const state = { listeners: [] as ListenOptions[], closed: 0 };
  const driver = {
    listen: async (options: ListenOptions) => {
      state.listeners.push(options);
      return {
        close: async () => {
          state.closed += 1;
        },
      };
    },
  } as unknown as Driver;
  return {
    driver,
    get listeners() {
      return state.listeners;
    },
    get closed() {
      return state.closed;
    },
  };
}

const tableChanged = JSON.stringify({ type: "table_changed_event", channel: "ch", operation: "insert", sent_at: new Date().toISOString(), table: "pgqueuer" });
const cancellation = JSON.stringify({ type: "cancellation_event", channel: "ch", ids: [1], sent_at: new Date().toISOString() });
const healthCheck = JSON.stringify({ type: "health_check_event", channel: "ch", id: "x", sent_at: new Date().toISOString() });

describe("QueueChangeBroadcaster", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("collapses a burst into one push per debounce period, to every subscriber", async () => {
    const fake = fakeDriver();
    const broadcaster = new QueueChangeBroadcaster({ driver: fake.driver, channel: "ch", debounce: 250, logger: silentLogger });
    const first = vi.fn();
    const second = vi.fn();
    await broadcaster.subscribe(first);
    await broadcaster.subscribe(second);
    expect(fake.listeners).toHaveLength(1); // one LISTEN for every subscriber
    const notify = fake.listeners[0]!.onNotification;
    for (let index = 0; index < 50; index += 1) notify(tableChanged);
    notify(cancellation);
    expect(first).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(249);
    expect(first).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    notify(tableChanged);
    await vi.advanceTimersByTimeAsync(250);
    expect(first).toHaveBeenCalledTimes(2);
  });

  it("ignores health checks and foreign payloads, and treats a reconnect as a change", async () => {
    const fake = fakeDriver();
    const broadcaster = new QueueChangeBroadcaster({ driver: fake.driver, channel: "ch", logger: silentLogger });
    const listener = vi.fn();
    await broadcaster.subscribe(listener);
    fake.listeners[0]!.onNotification(healthCheck);
    fake.listeners[0]!.onNotification("not json");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(listener).not.toHaveBeenCalled();
    fake.listeners[0]!.onReconnect?.();
    await vi.advanceTimersByTimeAsync(250);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("stops listening when the last subscriber leaves, listens again for the next, and refuses after close", async () => {
    const fake = fakeDriver();
    const broadcaster = new QueueChangeBroadcaster({ driver: fake.driver, channel: "ch", logger: silentLogger });
    const leave = await broadcaster.subscribe(() => undefined);
    leave();
    await vi.waitFor(() => expect(fake.closed).toBe(1));
    expect(broadcaster.size).toBe(0);
    await broadcaster.subscribe(() => undefined);
    expect(fake.listeners).toHaveLength(2);
    await broadcaster.close();
    expect(fake.closed).toBe(2);
    await expect(broadcaster.subscribe(() => undefined)).rejects.toThrow(/closed/);
  });

  it("a failed LISTEN rejects the subscription and is retried by the next", async () => {
    let attempts = 0;
    const driver = {
      listen: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("no connection");
        return { close: async () => undefined };
      },
    } as unknown as Driver;
    const broadcaster = new QueueChangeBroadcaster({ driver, channel: "ch", logger: silentLogger });
    await expect(broadcaster.subscribe(() => undefined)).rejects.toThrow("no connection");
    expect(broadcaster.size).toBe(0);
    await broadcaster.subscribe(() => undefined);
    expect(attempts).toBe(2);
    await broadcaster.close();
  });
});
