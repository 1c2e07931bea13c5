/**
 * Live updates: one LISTEN on the queue's channel, debounced, fanned out to every open
 * server-sent-events stream (CATALOGUE WEB-26, WEB-27).
 *
 * A burst of notifications (a batch enqueue, a drain) becomes ONE `queue-change` event per
 * debounce period: the first notification starts the timer, later ones ride along. The event
 * only says "something changed"; each page then re-fetches the fragments it shows, so a slow
 * or reconnecting browser never needs the notifications it missed.
 *
 * @module
 */
import type { ServerResponse } from "node:http";
import { coerceError } from "../domain/errors.js";
import { parseEvent } from "../domain/events.js";
import type { Logger } from "../domain/logger.js";
import type { Driver, Subscription } from "../ports/driver.js";

/** Options of {@link QueueChangeBroadcaster}. */
export interface BroadcasterOptions {
  readonly driver: Driver;
  readonly channel: string;
  /** Milliseconds a burst is collected before one push (default 250). */
  readonly debounce?: number;
  readonly logger: Logger;
}

/** Fans debounced queue changes out to subscribers; LISTENs only while someone subscribes. */
export class QueueChangeBroadcaster {
  readonly #options: BroadcasterOptions;
  readonly #debounce: number;
  readonly #subscribers = new Set<() => void>();
  #subscription: Promise<Subscription> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: BroadcasterOptions) {
    this.#options = options;
    this.#debounce = options.debounce ?? 250;
  }

  /** Subscribers right now. */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * Call `listener` after each debounced change. Resolves once LISTEN is active, so a change
   * committed after it resolves is never missed. Resolves to the unsubscribe function.
   */
  async subscribe(listener: () => void): Promise<() => void> {
    if (this.#closed) throw new Error("the dashboard is closed");
    this.#subscribers.add(listener);
    try {
      await this.#listen();
    } catch (error) {
      this.#subscribers.delete(listener);
      throw error;
    }
    return () => {
      this.#subscribers.delete(listener);
      if (this.#subscribers.size === 0) void this.#unlisten();
    };
  }

  /** Stop listening and drop every subscriber. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    await this.#unlisten();
  }

  #listen(): Promise<Subscription> {
    this.#subscription ??= this.#options.driver
      .listen({
        channel: this.#options.channel,
        onNotification: (payload) => {
          const event = parseEvent(payload);
          if (event?.type === "table_changed_event" || event?.type === "cancellation_event") this.#schedule();
        },
        // Notifications sent while the connection was down are lost: tell pages to re-read.
        onReconnect: () => this.#schedule(),
        onError: (error) => this.#options.logger.warn({ err: error }, "dashboard: LISTEN connection failed"),
      })
      .catch((error: unknown) => {
        this.#subscription = undefined;
        throw coerceError(error);
      });
    return this.#subscription;
  }

  async #unlisten(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#subscription;
    this.#subscription = undefined;
    if (pending === undefined) return;
    try {
      await (await pending).close();
    } catch (error) {
      this.#options.logger.debug({ err: coerceError(error) }, "dashboard: closing LISTEN failed");
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      for (const listener of [...this.#subscribers]) listener();
    }, this.#debounce);
    this.#timer.unref?.();
  }
}

/** Options of {@link streamEvents}. */
export interface EventStreamOptions {
  readonly broadcaster: QueueChangeBroadcaster;
  /** Milliseconds of silence before a keep-alive comment (default 15 000). */
  readonly keepAlive?: number;
  /** Extra response headers (security headers). */
  readonly headers: Record<string, string>;
  /** Registry of open streams, so the dashboard can end them on close. */
  readonly open: Set<ServerResponse>;
}

/**
 * Serve one `text/event-stream`: `retry: 3000`, then `event: queue-change` per debounced change
 * and `: keepalive` after silence. The headers go out only after LISTEN is active, so the
 * browser's `open` event means "changes from now on will arrive". A client that cannot keep up
 * (the socket buffer is full) skips events: the next one makes it re-read anyway.
 */
export async function streamEvents(response: ServerResponse, options: EventStreamOptions): Promise<void> {
  const keepAlive = options.keepAlive ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const armKeepAlive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      response.write(": keepalive\n\n");
      armKeepAlive();
    }, keepAlive);
    timer.unref?.();
  };
  const unsubscribe = await options.broadcaster.subscribe(() => {
    if (response.writableNeedDrain) return;
    response.write(`event: queue-change\ndata: {}\n\n`);
    armKeepAlive();
  });
  const finish = (): void => {
    clearTimeout(timer);
    unsubscribe();
    options.open.delete(response);
  };
  if (response.destroyed) {
    finish();
    return;
  }
  response.on("close", finish);
  options.open.add(response);
  response.writeHead(200, {
    ...options.headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    connection: "keep-alive",
  });
  response.flushHeaders();
  response.write("retry: 3000\n\n");
  armKeepAlive();
}
