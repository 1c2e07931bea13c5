/**
 * A latch the worker loop waits on. `notify()` may come at any moment — before, during or
 * after a fetch — and is never lost: it stays pending until the loop calls `clear()` right
 * before its next fetch. This closes the race between "the queue looked empty" and "a job
 * was enqueued just then".
 *
 * @module
 */

/** Why {@link Wakeup.wait} returned. */
export type WakeReason = "notified" | "timeout" | "aborted";

/** See the module documentation. */
export class Wakeup {
  #pending = false;
  #waiter: ((reason: WakeReason) => void) | undefined;

  /** Wake the loop now, or make its next wait return at once. */
  notify(): void {
    this.#pending = true;
    this.#waiter?.("notified");
  }

  /** Forget earlier notifications: the fetch about to run will see their work. */
  clear(): void {
    this.#pending = false;
  }

  /** Wait for a notification, `timeout` ms, or `signal`, whichever comes first. */
  wait(timeout: number, signal: AbortSignal): Promise<WakeReason> {
    if (signal.aborted) return Promise.resolve("aborted");
    if (this.#pending) return Promise.resolve("notified");
    return new Promise((resolve) => {
      const finish = (reason: WakeReason): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#waiter = undefined;
        resolve(reason);
      };
      const onAbort = (): void => finish("aborted");
      const timer = setTimeout(() => finish("timeout"), Math.max(0, timeout));
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiter = finish;
    });
  }
}
