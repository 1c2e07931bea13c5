/**
 * Drivers for node-postgres (`pg`): {@link PgClientDriver} over one `pg.Client` and
 * {@link PgPoolDriver} over a `pg.Pool` (LISTEN on a dedicated connection that is
 * re-established when lost).
 *
 * @module
 */
import type pg from "pg";
import { ConnectionError, InvalidArgumentError } from "../../domain/errors.js";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { GuardedListener, quoteChannel, SubscriptionRegistry, toDatabaseError } from "../driver-support.js";
import { DedicatedListener } from "./dedicated-listener.js";
import { runQuery, runTransaction, settle, type Queryable } from "./statements.js";

/** Serializes transactions on one client so other statements do not slip into them. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/**
 * A {@link Driver} over one `pg.Client` (the user's: it is never closed, and it cannot be
 * reconnected by us). Statements are sent in order on the one connection; a transaction
 * holds the client until it ends, and statements sent through this driver meanwhile wait.
 *
 * Inside `transaction(work)`, use the `tx` driver: a statement sent through this driver from
 * within `work` would wait for the transaction to end, which waits for `work`.
 *
 * When the client's connection is lost, every subscription's `onError` receives a
 * {@link ConnectionError}; nothing is re-established (use a `pg.Pool` for that).
 */
export class PgClientDriver implements Driver {
  readonly concurrent = false;
  readonly #client: pg.ClientBase;
  readonly #mutex = new Mutex();
  readonly #subscriptions = new SubscriptionRegistry();
  /** LISTEN reference counts: the last subscription of a channel issues UNLISTEN. */
  readonly #channels = new Map<string, number>();
  #inTransaction = false;

  /** @param client a connected `pg.Client` (or a client checked out of a pool, kept by the caller). */
  constructor(client: pg.ClientBase) {
    this.#client = client;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await this.#guard(() => runQuery<R>(this.#client, statement))).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await this.#guard(() => runQuery(this.#client, statement))).rowCount;
  }

  listen(options: ListenOptions): Promise<Subscription> {
    return this.#subscribe(options, (text) => this.execute({ text }));
  }

  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#inTransaction = true;
      try {
        // LISTEN from inside the transaction runs on the same connection (it takes effect
        // at COMMIT); going through `execute` would wait for this very transaction.
        const listen = (options: ListenOptions): Promise<Subscription> =>
          this.#subscribe(options, (text) => runQuery(this.#client, { text }));
        return settle(await runTransaction(this.#client, listen, work));
      } finally {
        this.#inTransaction = false;
      }
    });
  }

  /** End this driver's subscriptions; the client itself belongs to the caller. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
  }

  /** Outside a transaction, wait for any running transaction on this client to finish first. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    return this.#inTransaction ? this.#mutex.run(work) : work();
  }

  async #subscribe(options: ListenOptions, run: (text: string) => Promise<unknown>): Promise<Subscription> {
    const listener = new GuardedListener(options);
    const channel = options.channel;
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === channel) listener.notification(message.payload ?? "");
    };
    const onLost = (error?: Error): void => {
      detach();
      listener.error(
        new ConnectionError(
          `the client's connection was lost${error ? ` (${error.message})` : ""}; PgClientDriver cannot reconnect a client it does not own, so LISTEN on '${channel}' has stopped: connect a new client, or use a pg.Pool`,
          { cause: error },
        ),
      );
    };
    const onEnd = (): void => onLost(undefined);
    const detach = (): void => {
      this.#client.off("notification", onNotification);
      this.#client.off("error", onLost);
      this.#client.off("end", onEnd);
    };
    this.#client.on("notification", onNotification);
    this.#client.on("error", onLost);
    this.#client.on("end", onEnd);

    const count = this.#channels.get(channel) ?? 0;
    this.#channels.set(channel, count + 1);
    if (count === 0) {
      try {
        await run(`LISTEN ${quoteChannel(channel)}`);
      } catch (error) {
        this.#release(channel);
        detach();
        listener.stop();
        throw error;
      }
    }
    return this.#subscriptions.track({
      close: async () => {
        listener.stop();
        detach();
        if (this.#release(channel)) {
          // A dead connection has nothing left to UNLISTEN.
          await this.execute({ text: `UNLISTEN ${quoteChannel(channel)}` }).catch(() => undefined);
        }
      },
    });
  }

  /** Drop one reference to `channel`; true when it was the last. */
  #release(channel: string): boolean {
    const count = (this.#channels.get(channel) ?? 1) - 1;
    if (count > 0) this.#channels.set(channel, count);
    else this.#channels.delete(channel);
    return count === 0;
  }
}

/** Pools whose new connections already get {@link ignoreLateError}. */
const guardedPools = new WeakSet<pg.Pool>();

/** Swallows a connection error that reaches no other listener (see {@link guardPoolClients}). */
function ignoreLateError(): void {}

/**
 * Give every connection the pool opens from now on a permanent 'error' listener. pg emits a
 * connection's failure as an 'error' event, and an event with no listener kills the process.
 * pg-pool listens while a connection is idle and `pool.query` while its statement runs, but
 * during a server restart we saw a pooled connection that had just run a `pool.query` receive
 * the server's "terminating connection" message with neither listening, and the worker died
 * (test/chaos/postgres-restart.test.ts, about one run in three). The failure still reaches the
 * statement that was running, and pg-pool still drops the dead connection on release.
 */
function guardPoolClients(pool: pg.Pool): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  pool.on("connect", (client) => client.on("error", ignoreLateError));
}

/** Options of {@link PgPoolDriver}. */
export interface PgPoolDriverOptions {
  /** End the pool in `close()` (only for pools the library created; default false). */
  readonly ownsPool?: boolean;
  /** Milliseconds before re-establishing a lost LISTEN connection, doubling up to 5 s (default 100). */
  readonly reconnectDelay?: number;
}

/**
 * A {@link Driver} over a `pg.Pool`: statements run concurrently on pooled connections, a
 * transaction holds one connection, and each LISTEN subscription holds one connection of
 * its own, re-established (with `onReconnect`) when it is lost. The pool therefore needs
 * room for at least two connections.
 */
export class PgPoolDriver implements Driver {
  readonly concurrent = true;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #reconnectDelay: number;
  readonly #subscriptions = new SubscriptionRegistry();

  /**
   * @param pool the pool (the caller's, unless `ownsPool`).
   * @throws InvalidArgumentError (`max`) when the pool allows fewer than 2 connections:
   *   LISTEN would hold the only one and every other statement would wait forever.
   */
  constructor(pool: pg.Pool, options: PgPoolDriverOptions = {}) {
    const max = pool.options?.max;
    if (typeof max === "number" && max < 2) {
      throw new InvalidArgumentError(
        "max",
        `the pool's max size must be at least 2 (got ${max}): a LISTEN subscription holds one connection for as long as it lives, and the other statements need another`,
      );
    }
    const reconnectDelay = options.reconnectDelay ?? 100;
    if (!Number.isFinite(reconnectDelay) || reconnectDelay < 0) {
      throw new InvalidArgumentError("reconnectDelay", `must be a non-negative number of milliseconds, got ${reconnectDelay}`);
    }
    this.#pool = pool;
    guardPoolClients(pool);
    this.#ownsPool = options.ownsPool ?? false;
    this.#reconnectDelay = reconnectDelay;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await runQuery<R>(this.#pool, statement)).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await runQuery(this.#pool, statement)).rowCount;
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    const listener = new DedicatedListener(this.#pool, options, this.#reconnectDelay);
    await listener.start();
    return this.#subscriptions.track({ close: () => listener.close() });
  }

  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
    // A checked-out client has no error listener: if its connection dies between two
    // statements, pg would raise an uncaught 'error'. The next statement reports it instead.
    let lost: Error | undefined;
    const onError = (error: Error): void => {
      lost ??= error;
    };
    client.on("error", onError);
    let broken: Error | undefined;
    try {
      const outcome = await runTransaction(client as Queryable, (listenOptions) => this.listen(listenOptions), work);
      if (!outcome.ok) broken = outcome.brokenClient;
      return settle(outcome);
    } finally {
      client.off("error", onError);
      // Releasing with an error destroys the connection instead of pooling it mid-transaction.
      client.release(lost ?? broken);
    }
  }

  /** End this driver's subscriptions, then the pool if this driver owns it. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    if (this.#ownsPool) await this.#pool.end();
  }
}
