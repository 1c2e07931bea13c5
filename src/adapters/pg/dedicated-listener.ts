/**
 * LISTEN for a `pg.Pool`: one connection is taken from the pool for as long as the
 * subscription lives. When that connection dies, the listener takes another, issues LISTEN
 * again and calls `onReconnect`, so the subscriber can catch up on what it missed.
 *
 * States:
 *
 *     start() ──> listening ──(connection lost)──> waiting ──(timer)──> connecting
 *                    ^                                 ^                   │
 *                    └───────── LISTEN succeeded ──────┼── failed (backoff)┘
 *     close() from any state ──> closed (the connection, if any, is UNLISTENed and released)
 *
 * @module
 */
import type pg from "pg";
import { ConnectionError } from "../../domain/errors.js";
import type { ListenOptions } from "../../ports/driver.js";
import { GuardedListener, quoteChannel, toDatabaseError } from "../driver-support.js";

/** Longest wait between two attempts to re-establish a lost LISTEN connection. */
const MAX_RECONNECT_DELAY = 5_000;

/** One LISTEN subscription on a connection of its own, re-established when lost. */
export class DedicatedListener {
  readonly #pool: pg.Pool;
  readonly #listener: GuardedListener;
  readonly #baseDelay: number;
  #client: pg.PoolClient | undefined;
  #detach: (() => void) | undefined;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #reconnecting: Promise<void> | undefined;

  /**
   * @param pool where connections come from.
   * @param options the subscriber's callbacks.
   * @param baseDelay milliseconds before the first reconnection attempt (doubling up to 5 s).
   */
  constructor(pool: pg.Pool, options: ListenOptions, baseDelay: number) {
    this.#pool = pool;
    this.#listener = new GuardedListener(options);
    this.#baseDelay = baseDelay;
  }

  /** Take a connection and LISTEN; throws when that fails (nothing is retried then). */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Stop listening and give the connection back to the pool. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listener.stop();
    clearTimeout(this.#retryTimer);
    // A reconnection in flight sees `#closed` and gives its connection back itself.
    await this.#reconnecting?.catch(ignore);
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    this.#detach?.();
    try {
      await client.query(`UNLISTEN ${quoteChannel(this.#listener.channel)}`);
      client.release();
    } catch (error) {
      // The connection is unusable (or still listening): do not hand it to someone else.
      client.release(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #connect(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === this.#listener.channel) this.#listener.notification(message.payload ?? "");
    };
    const onLost = (error?: Error): void => this.#lost(client, error);
    const onEnd = (): void => this.#lost(client, undefined);
    client.on("notification", onNotification);
    client.on("error", onLost);
    client.on("end", onEnd);
    const detach = (): void => {
      client.off("notification", onNotification);
      client.off("error", onLost);
      client.off("end", onEnd);
      // pg emits 'error' on a checked-out client with no listener as an uncaught exception;
      // a dead connection may still report late errors, so keep swallowing them. Once per
      // connection: a pooled connection serves many LISTEN cycles, and a listener per cycle
      // piled up (Node warned of a leak past ten).
      if (!client.listeners("error").includes(ignore)) client.on("error", ignore);
    };
    try {
      await client.query(`LISTEN ${quoteChannel(this.#listener.channel)}`);
    } catch (error) {
      detach();
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw toDatabaseError(error);
    }
    if (this.#closed) {
      // close() ran while we were connecting: undo instead of leaking a listening connection.
      detach();
      await client.query(`UNLISTEN ${quoteChannel(this.#listener.channel)}`).then(
        () => client.release(),
        (error: unknown) => client.release(error instanceof Error ? error : new Error(String(error))),
      );
      return;
    }
    this.#client = client;
    this.#detach = detach;
  }

  #lost(client: pg.PoolClient, error: Error | undefined): void {
    if (this.#client !== client) return;
    this.#detach?.();
    this.#client = undefined;
    this.#detach = undefined;
    const cause = error ?? new ConnectionError("the listening connection ended", {});
    client.release(cause);
    if (this.#closed) return;
    this.#listener.error(toDatabaseError(cause));
    this.#scheduleReconnect(this.#baseDelay);
  }

  #scheduleReconnect(delay: number): void {
    this.#retryTimer = setTimeout(() => {
      if (this.#closed) return;
      this.#reconnecting = this.#connect().then(
        () => {
          if (!this.#closed) this.#listener.reconnected();
        },
        (error: unknown) => {
          if (this.#closed) return;
          this.#listener.error(toDatabaseError(error));
          this.#scheduleReconnect(Math.min(delay * 2, MAX_RECONNECT_DELAY));
        },
      );
    }, delay);
    // The subscriber's own work keeps the process alive; a pending retry alone should not.
    this.#retryTimer.unref();
  }
}

function ignore(): void {}
