/**
 * The worker loop's latch: a notification is never lost, and a wait whose timeout is still
 * being computed (the idle probe's round trip) already ends on a notification.
 */
import { describe, expect, it, vi } from "vitest";
import { Wakeup } from "../../src/core/wakeup.js";

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("Wakeup", () => {
  it("a notification sent before the wait is kept until clear()", async () => {
    const wakeup = new Wakeup();
    wakeup.notify();
    await expect(wakeup.wait(60_000, new AbortController().signal)).resolves.toBe("notified");
    wakeup.clear();
    const controller = new AbortController();
    const waiting = wakeup.wait(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe("aborted");
  });

  it("ends on a notification while the timeout is still pending, and ignores the late timeout", async () => {
    const wakeup = new Wakeup();
    const timeout = deferred<number>();
    const waiting = wakeup.wait(timeout.promise, new AbortController().signal);
    wakeup.notify();
    await expect(waiting).resolves.toBe("notified");
    timeout.resolve(0); // arrives after the wait ended: arms nothing
    timeout.reject(new Error("ignored"));
  });

  it("arms the timer only when the pending timeout arrives", async () => {
    vi.useFakeTimers();
    try {
      const wakeup = new Wakeup();
      const timeout = deferred<number>();
      let reason: string | undefined;
      void wakeup.wait(timeout.promise, new AbortController().signal).then((value) => (reason = value));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(reason).toBeUndefined(); // no timeout known yet
      timeout.resolve(50);
      await vi.advanceTimersByTimeAsync(49);
      expect(reason).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(reason).toBe("timeout");
    } finally {
      vi.useRealTimers();
    }
  });

  it("rejects when the pending timeout fails before anything else ends the wait", async () => {
    const wakeup = new Wakeup();
    const timeout = deferred<number>();
    const waiting = wakeup.wait(timeout.promise, new AbortController().signal);
    timeout.reject(new Error("probe failed"));
    await expect(waiting).rejects.toThrow("probe failed");
    // The failed wait left no waiter behind: a later notification is kept for the next wait.
    wakeup.notify();
    await expect(wakeup.wait(60_000, new AbortController().signal)).resolves.toBe("notified");
  });
});
