/**
 * Waiting helpers for tests: await an event, or poll database state until a deadline. Never
 * a fixed sleep.
 */

/** Poll `check` until it returns a truthy value, or fail after `timeout` ms with `message`. */
export async function waitUntil<T>(check: () => Promise<T> | T, options: { timeout?: number; interval?: number; message?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeout ?? 15_000);
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out: ${options.message ?? "condition not met"} (last value: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, options.interval ?? 20));
  }
}

/** A promise with its resolve function exposed, for awaiting events from handlers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Race a promise against a deadline, failing with `message`. */
export async function within<T>(promise: Promise<T>, timeout: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms: ${message}`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
