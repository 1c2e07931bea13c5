/**
 * Process signals for the long-running commands (`run`, `listen`, `dashboard`): SIGINT and
 * SIGTERM start a graceful stop; the same signal again means "stop now".
 *
 * @module
 */

/** The signals that stop a long-running command. */
export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** One of {@link SHUTDOWN_SIGNALS}. */
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** The conventional exit code after a signal: 128 + its number (SIGINT 2 → 130, SIGTERM 15 → 143). */
export function signalExitCode(signal: ShutdownSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** A source of process signals (the process itself, or a test double). */
export interface SignalSource {
  on(signal: ShutdownSignal, listener: () => void): unknown;
  off(signal: ShutdownSignal, listener: () => void): unknown;
}

/**
 * Call `onFirst` on the first SIGINT/SIGTERM and `onRepeat` on every later one. Returns a
 * function that removes the handlers (so the default behaviour comes back after the command).
 */
export function handleShutdownSignals(
  handlers: { readonly onFirst: (signal: ShutdownSignal) => void; readonly onRepeat?: (signal: ShutdownSignal) => void },
  source: SignalSource = process,
): () => void {
  let received = false;
  const listeners = SHUTDOWN_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (!received) {
        received = true;
        handlers.onFirst(signal);
      } else {
        handlers.onRepeat?.(signal);
      }
    };
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}

/**
 * An AbortSignal aborted by the first SIGINT/SIGTERM (its reason is the signal's name); a
 * second signal exits the process at once with 130/143. `dispose()` removes the handlers.
 */
export function shutdownSignal(source: SignalSource = process, exit: (code: number) => void = (code) => process.exit(code)): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = handleShutdownSignals(
    {
      onFirst: (name) => controller.abort(name),
      onRepeat: (name) => exit(signalExitCode(name)),
    },
    source,
  );
  return { signal: controller.signal, dispose };
}

/** Resolve when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** Wait `ms`, or less when `signal` aborts first. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
