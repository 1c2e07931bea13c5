/**
 * Small helpers for scheduler tests: wait for database state with a deadline (never a fixed
 * sleep), and promises resolved from outside.
 */
import type { ScheduleTimetable } from "../../../src/ports/schedule-repository.js";

/** Poll `probe` until it returns a value that is not undefined/false, or fail after `timeout` ms. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: { timeout?: number; interval?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeout ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? "condition"}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 25));
  }
}

/** A promise with its resolve function. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** Make a {@link Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Reject when `promise` has not settled within `timeout` ms (so a missing event fails fast and clearly). */
export async function within<T>(promise: Promise<T>, timeout: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)), timeout);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A timetable by hand. */
export function timetable(entrypoint: string, expression: string, fireTimes: readonly Date[], fallbackDelay = 60_000): ScheduleTimetable {
  return { entrypoint, expression, fireTimes, fallbackDelay };
}
