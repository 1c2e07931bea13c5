/**
 * Time, made injectable: the retry and timeout executors read the time and wait through a
 * {@link Clock}, so tests can drive them with a fake clock instead of real waits.
 *
 * @module
 */

/** A source of time and waiting. Durations are milliseconds. */
export interface Clock {
  /** A monotonic "now" in milliseconds; only differences between two readings matter. */
  now(): number;
  /**
   * Resolve after `ms` milliseconds. Must reject with `signal.reason` as soon as `signal`
   * aborts (at once if it already has), and then release its timer.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The longest wait a Node.js timer can hold (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Wait `ms` on a real timer, abortable by `signal` (rejects with `signal.reason`).
 * The globals are read at call time, so test fake timers apply.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The real clock: `performance.now()` (monotonic, unaffected by wall-clock changes) and timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  sleep,
});
