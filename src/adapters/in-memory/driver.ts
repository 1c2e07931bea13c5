/**
 * `InMemoryDriver`: the {@link Driver} of `PgQueuer.inMemory()`. It carries the
 * {@link InMemoryStore} and delivers LISTEN/NOTIFY within the process; it runs no SQL, so
 * `query` and `execute` throw {@link InMemoryDriverError} (CATALOGUE MEM-3).
 *
 * @module
 */
import { InMemoryDriverError } from "../../domain/errors.js";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { InMemoryStore, type InMemoryStoreOptions } from "./store.js";

/** Options of {@link InMemoryDriver}. */
export interface InMemoryDriverOptions extends InMemoryStoreOptions {
  /** Share an existing store (several drivers on one in-memory "database"); a new one by default. */
  readonly store?: InMemoryStore;
}

/** In-process notifications and the store; no SQL. */
export class InMemoryDriver implements Driver {
  /** The tables this driver's queries read and write. */
  readonly store: InMemoryStore;
  /** One caller at a time, like a single connection. */
  readonly concurrent = false;
  readonly #listeners = new Map<string, Set<ListenOptions>>();

  constructor(options: InMemoryDriverOptions = {}) {
    this.store = options.store ?? new InMemoryStore(options);
  }

  /** Always throws: the in-memory driver runs no SQL. */
  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    throw new InMemoryDriverError(`query ${summarize(statement)}`);
  }

  /** Always throws: the in-memory driver runs no SQL. */
  async execute(statement: Statement): Promise<number> {
    throw new InMemoryDriverError(`execute ${summarize(statement)}`);
  }

  /** Register `options.onNotification` for the channel until the subscription is closed. */
  async listen(options: ListenOptions): Promise<Subscription> {
    const listeners = this.#listeners.get(options.channel) ?? new Set<ListenOptions>();
    this.#listeners.set(options.channel, listeners);
    // A distinct object per subscription, so the same callbacks may subscribe twice.
    const entry: ListenOptions = { ...options };
    listeners.add(entry);
    return {
      close: async () => {
        listeners.delete(entry);
      },
    };
  }

  /**
   * Deliver `payload` to every listener of the channel, in subscription order. Queries call it
   * after their change is complete, the in-memory equivalent of "delivered at commit". A
   * listener that throws is reported to its own `onError` and does not stop the others.
   */
  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    this.deliver(options.channel, options.payload);
  }

  /** Synchronous {@link notify}, for the queries. */
  deliver(channel: string, payload: string): void {
    for (const listener of [...(this.#listeners.get(channel) ?? [])]) {
      try {
        listener.onNotification(payload);
      } catch (error) {
        listener.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /**
   * Run `work` with this driver. There is no rollback (CATALOGUE MEM-18): each in-memory
   * operation is atomic on its own, but a failing callback does not undo earlier ones.
   */
  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return work(this);
  }

  /** Empty the store and drop every listener: nothing survives `close()`. */
  async close(): Promise<void> {
    this.store.clear();
    this.#listeners.clear();
  }
}

function summarize(statement: Statement | undefined): string {
  const text = typeof statement?.text === "string" ? statement.text.trim().split(/\s+/).slice(0, 3).join(" ") : "";
  return text === "" ? "(no statement)" : JSON.stringify(text);
}
