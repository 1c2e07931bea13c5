/**
 * The child side of the IPC channel: send messages to the orchestrator, and wait for the
 * signals it sends.
 *
 * @module
 */
import type { ChildMessage, ParentSignal } from "../protocol.js";

/** Signals received from the orchestrator, awaited by type. */
export class Inbox {
  readonly #received: ParentSignal["type"][] = [];
  readonly #waiters = new Map<ParentSignal["type"], () => void>();

  constructor() {
    process.on("message", (message: ParentSignal | { readonly kind: string }) => {
      if (!("type" in message)) return; // the task itself, handled by child.ts
      const waiter = this.#waiters.get(message.type);
      if (waiter) {
        this.#waiters.delete(message.type);
        waiter();
      } else {
        this.#received.push(message.type);
      }
    });
  }

  /** Resolves when `type` arrives (or already arrived). */
  next(type: ParentSignal["type"]): Promise<void> {
    const index = this.#received.indexOf(type);
    if (index >= 0) {
      this.#received.splice(index, 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.set(type, resolve));
  }

  /** Send a message to the orchestrator; resolves once it left this process. */
  send(message: ChildMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!process.send) {
        reject(new Error("bench/child.ts must be started by bench/run.ts (no IPC channel)"));
        return;
      }
      process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
    });
  }
}

/** A promise with its resolve function outside. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Sleep (used only to pace producers and to poll the database between measurements). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
