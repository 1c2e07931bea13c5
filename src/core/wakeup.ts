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

  /**
   * Wait for a notification, `timeout` ms, or `signal`, whichever comes first. `timeout` may
   * still be on its way (the idle probe's answer): notifications end the wait meanwhile, the
   * timer starts when it arrives, and its rejection rejects the wait unless the wait already ended.
   */
  wait(timeout: number | Promise<number>, signal: AbortSignal): Promise<WakeReason> {
    if (typeof timeout !== "number") timeout.catch(() => undefined); // settled below, or moot
    if (signal.aborted) return Promise.resolve("aborted");
    if (this.#pending) return Promise.resolve("notified");
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const settle = (): void => {
        done = true;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#waiter = undefined;
      };
      const finish = (reason: WakeReason): void => {
        if (done) return;
        settle();
        resolve(reason);
      };
      const onAbort = (): void => finish("aborted");
      const arm = (ms: number): void => {
        if (!done) timer = setTimeout(() => finish("timeout"), Math.max(0, ms));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiter = finish;
      if (typeof timeout === "number") arm(timeout);
      else
        timeout.then(arm, (error: unknown) => {
          if (done) return;
          settle();
          reject(error);
        });
    });
  }
}
