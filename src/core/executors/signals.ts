/**
 * Abort-signal plumbing shared by the wrapping executors: a child signal that follows its
 * parents, a race that stops waiting for work whose signal aborted, and a context copy that
 * carries the child signal.
 *
 * @module
 */
import type { Context, Resources } from "../context.js";

const ignore = (): void => undefined;

/**
 * An `AbortController` that also aborts when any parent signal aborts (with the parent's
 * reason). Call {@link ChildAbortController.dispose} when done: it unhooks the listeners,
 * so a long-lived parent (the job's signal, across many attempts) does not collect them.
 */
export class ChildAbortController {
  private readonly controller = new AbortController();
  private readonly unlinks: (() => void)[] = [];

  constructor(parents: readonly AbortSignal[]) {
    for (const parent of parents) {
      if (parent.aborted) {
        this.controller.abort(parent.reason);
        return;
      }
      const onAbort = (): void => this.abort(parent.reason);
      parent.addEventListener("abort", onAbort, { once: true });
      this.unlinks.push(() => parent.removeEventListener("abort", onAbort));
    }
  }

  /** The child signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Abort the child (no-op when already aborted); the first reason wins. */
  abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    this.dispose();
  }

  /** Stop following the parents. */
  dispose(): void {
    for (const unlink of this.unlinks.splice(0)) unlink();
  }
}

/**
 * Call `run` and turn a synchronous throw into a rejection, so one code path handles both
 * (a user's executor or handler need not be `async`).
 */
export function invoke<T>(run: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(run()));
}

/**
 * Settle like `work`, unless `signal` aborts first: then reject with `signal.reason` at once.
 * The abandoned promise's later rejection is swallowed (it has nobody left to tell), which is
 * what lets an executor stop waiting for a handler that ignores its signal.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(ignore);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The job's context with another `signal`. Everything else (resources, shutdown, and any
 * field the runtime adds) is inherited from the original through the prototype chain, so
 * nothing is lost even if the runtime's context carries getters.
 */
export function contextWithSignal<R extends Resources>(context: Context<R>, signal: AbortSignal): Context<R> {
  return Object.create(context, { signal: { value: signal, enumerable: true } }) as Context<R>;
}
