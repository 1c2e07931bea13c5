/**
 * A buffer that hands its items to a sink in batches: when it holds `maxSize` items, or when
 * `interval` ms have passed since the first unflushed item arrived. Used for job outcomes and
 * heartbeats so that many jobs cost one round trip (CATALOGUE BUF-1..BUF-7).
 *
 * A failing sink puts the batch back (in order, ahead of newer items) and the next flush
 * retries it; `close()` makes a bounded number of final attempts.
 *
 * @module
 */
import { coerceError } from "../domain/errors.js";

/** Options of {@link BatchBuffer}. */
export interface BatchBufferOptions<T> {
  /** Flush as soon as this many items are waiting (>= 1). */
  readonly maxSize: number;
  /** Flush at most this long (ms) after the first waiting item arrived. */
  readonly interval: number;
  /** Writes one batch; throwing keeps the batch for the next attempt. */
  readonly sink: (items: T[]) => Promise<void>;
  /** Told about each failed flush (the batch is kept and retried). */
  readonly onError?: (error: Error, items: readonly T[]) => void;
  /** Flush attempts made by `close()` before giving up (default 5). */
  readonly closeAttempts?: number;
}

/** See the module documentation. */
export class BatchBuffer<T> {
  readonly #options: BatchBufferOptions<T>;
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The flush in progress; flushes never overlap, so batches are written in order. */
  #flushing: Promise<void> | undefined;
  #closed = false;
  /** Consecutive failures, to back off the retry timer. */
  #failures = 0;
  /** The armed timer is the immediate one of an `add(item, true)`. */
  #soon = false;

  constructor(options: BatchBufferOptions<T>) {
    this.#options = options;
  }

  /** Number of items not yet written. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * Add an item; may start a flush. `soon`: this item should not wait for the interval; it is
   * written on the next turn of the event loop, together with whatever else arrived by then.
   */
  add(item: T, soon = false): void {
    if (this.#closed) throw new Error("BatchBuffer is closed");
    this.#items.push(item);
    // After a failure, wait for the backed-off retry timer instead of hammering the sink.
    if (this.#failures > 0) return;
    if (this.#items.length >= this.#options.maxSize) {
      void this.flush();
    } else if (soon) {
      if (!this.#soon) this.#arm(0);
      this.#soon = true;
    } else if (this.#timer === undefined) {
      this.#arm(this.#options.interval);
    }
  }

  /**
   * Write everything waiting now. Resolves when those items were written (or the attempt
   * failed and they were put back). Concurrent callers share the flush in progress and then
   * flush again if items are still waiting.
   */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#items.length === 0) return;
    this.#flushing = this.#writeBatch();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Flush what is left, trying up to `closeAttempts` times; then refuse new items. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    const attempts = this.#options.closeAttempts ?? 5;
    for (let attempt = 0; attempt < attempts && (this.#items.length > 0 || this.#flushing); attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(this.#options.interval * 2 ** attempt, 1_000)));
      await this.flush();
    }
    this.#disarm();
  }

  async #writeBatch(): Promise<void> {
    this.#disarm();
    const batch = this.#items;
    this.#items = [];
    try {
      await this.#options.sink(batch);
      this.#failures = 0;
    } catch (error) {
      this.#failures += 1;
      this.#items = batch.concat(this.#items);
      this.#options.onError?.(coerceError(error), batch);
    }
    if (this.#items.length > 0 && !this.#closed) {
      // Retry failed items (backing off) or pick up what arrived meanwhile.
      const delay = this.#failures > 0 ? Math.min(this.#options.interval * 2 ** this.#failures, 5_000) : this.#options.interval;
      if (this.#items.length >= this.#options.maxSize && this.#failures === 0) queueMicrotask(() => void this.flush());
      // An item added with `soon` during this write keeps its immediate timer (unless retrying).
      else if (this.#failures > 0 || !this.#soon) this.#arm(delay);
    }
  }

  #arm(delay: number): void {
    this.#disarm();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#soon = false;
      void this.flush();
    }, delay);
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#soon = false;
  }
}
