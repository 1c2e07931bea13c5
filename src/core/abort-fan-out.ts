/**
 * One `abort` listener per signal, shared by many callbacks. Waits that take a caller's
 * AbortSignal (a `waitForAll` over a thousand jobs, or one signal passed to many waits) would
 * otherwise add a listener each, and Node.js warns of a possible leak past ten listeners on
 * one signal: a warning on the user's stderr for correct code.
 *
 * @module
 */

interface Subscribers {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

/** See the module documentation. */
export class AbortFanOut {
  readonly #subscribers = new WeakMap<AbortSignal, Subscribers>();

  /**
   * Call `callback` once when `signal` aborts. Returns the function that cancels this
   * subscription; the signal's shared listener is removed with its last subscription. The
   * signal must not be aborted yet (check first: an aborted signal fires no event).
   */
  subscribe(signal: AbortSignal, callback: () => void): () => void {
    let subscribers = this.#subscribers.get(signal);
    if (!subscribers) {
      const callbacks = new Set<() => void>();
      const listener = (): void => {
        this.#subscribers.delete(signal);
        for (const each of [...callbacks]) each();
      };
      subscribers = { callbacks, listener };
      this.#subscribers.set(signal, subscribers);
      signal.addEventListener("abort", listener, { once: true });
    }
    // A wrapper of our own, so the same callback subscribed twice is two subscriptions.
    const entry = (): void => callback();
    subscribers.callbacks.add(entry);
    return () => {
      const current = this.#subscribers.get(signal);
      if (!current?.callbacks.delete(entry) || current.callbacks.size > 0) return;
      this.#subscribers.delete(signal);
      signal.removeEventListener("abort", current.listener);
    };
  }
}
