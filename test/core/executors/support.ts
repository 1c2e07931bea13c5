/**
 * Test doubles for executor tests: a job row, a context with controllable signals, a fake
 * clock that only moves when told, and a logger that records.
 */
import type { Context } from "../../../src/core/context.js";
import type { EntrypointExecutorParameters } from "../../../src/core/executors/abstract.js";
import type { Clock } from "../../../src/core/executors/clock.js";
import type { Logger } from "../../../src/domain/logger.js";
import type { Job } from "../../../src/domain/types.js";

/** A picked job as the runtime would hand it over. */
export function fakeJob(overrides: Partial<Job> = {}): Job {
  const now = new Date("2024-01-01T00:00:00Z");
  return {
    id: 42,
    priority: 0,
    created: now,
    updated: now,
    heartbeat: now,
    executeAfter: now,
    status: "picked",
    entrypoint: "test_entrypoint",
    payload: Buffer.from("hello"),
    headers: null,
    attempts: 0,
    dedupeKey: null,
    queueManagerId: "qm-1",
    ...overrides,
  };
}

/** Registration parameters around `func`. */
export function parametersFor(func: EntrypointExecutorParameters["func"]): EntrypointExecutorParameters {
  return { name: "test_entrypoint", func, concurrencyLimit: 0, onFailure: "delete" };
}

/** A context whose two signals the test controls. */
export interface FakeContext {
  readonly context: Context;
  /** Aborts `context.signal` (cancel / timeout / shutdownTimeout). */
  readonly job: AbortController;
  /** Aborts `context.shutdown` (graceful shutdown begins). */
  readonly shutdown: AbortController;
}

export function fakeContext(): FakeContext {
  const job = new AbortController();
  const shutdown = new AbortController();
  return { job, shutdown, context: { signal: job.signal, shutdown: shutdown.signal, resources: {}, queueManagerId: "qm-1" } };
}

interface Timer {
  readonly until: number;
  readonly ms: number;
  readonly resolve: () => void;
}

/**
 * A clock whose time moves only through `advanceToNextTimer()`. Every requested sleep is
 * recorded in `sleeps` (in request order).
 */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const timer: Timer = {
        until: this.time + ms,
        ms,
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Pending timers' durations. */
  get pending(): number[] {
    return this.timers.map((timer) => timer.ms);
  }

  /** Jump to the earliest pending timer and fire it; false when none is pending. */
  advanceToNextTimer(): boolean {
    if (this.timers.length === 0) return false;
    const next = this.timers.reduce((earliest, timer) => (timer.until < earliest.until ? timer : earliest));
    this.timers = this.timers.filter((timer) => timer !== next);
    this.time = Math.max(this.time, next.until);
    next.resolve();
    return true;
  }
}

/** Let every pending promise callback run (one macrotask turn drains the microtask queue). */
export function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Settle `work` by firing fake timers one at a time whenever nothing else can progress.
 * Fails (instead of hanging) when the work waits on something that is not a timer.
 */
export async function runWithClock<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const observed = work.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let step = 0; step < 100_000; step++) {
    await drain();
    if (settled) break;
    if (!clock.advanceToNextTimer()) throw new Error("runWithClock: the work is stuck with no timer pending");
  }
  await observed;
  return work;
}

/** One recorded log call. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly object: Record<string, unknown>;
  readonly message: string | undefined;
}

/** A logger that keeps every line. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const method =
    (level: LogLine["level"]) =>
    (object: object | string, message?: string): void => {
      if (typeof object === "string") lines.push({ level, object: {}, message: object });
      else lines.push({ level, object: object as Record<string, unknown>, message });
    };
  return { lines, logger: { debug: method("debug"), info: method("info"), warn: method("warn"), error: method("error") } };
}

/** A promise with its resolve/reject handles. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
