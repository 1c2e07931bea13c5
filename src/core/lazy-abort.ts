/**
 * A job's abort signal, created on first use.
 *
 * Most handlers never read `context.signal`, yet an `AbortController` per job was the largest
 * single item in a busy worker's CPU profile (about 5% of a no-op drain). This holds the
 * abort state itself and builds the controller only when someone asks for the signal; a
 * signal asked for after the abort comes back already aborted, with the same reason.
 *
 * @module
 */

/** See the module documentation. */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** The signal (created now if nobody asked before). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether {@link abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to the first {@link abort}. */
  get reason(): unknown {
    return this.#reason;
  }

  /** Abort with `reason`; later calls change nothing (as with `AbortController`). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
