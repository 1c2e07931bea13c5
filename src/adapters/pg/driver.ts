/**
 * Drivers for node-postgres (`pg`): {@link PgClientDriver} over one `pg.Client` and
 * {@link PgPoolDriver} over a `pg.Pool` (LISTEN on a dedicated connection that is
 * re-established when lost).
 *
 * @module
 */
import pg from "pg";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { OID, quoteChannel, toDatabaseError, toSafeNumber } from "../driver-support.js";

type Queryable = Pick<pg.ClientBase, "query">;

const int8Parser = (value: string): number => toSafeNumber(value);
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === OID.int8 ? int8Parser : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

async function runQuery<R extends Row>(target: Queryable, statement: Statement): Promise<pg.QueryResult<R>> {
  try {
    return await target.query<R>({
      text: statement.text,
      values: statement.values as unknown[] | undefined,
      types: typeParsers,
      // Named statements are prepared once per connection by pg.
      ...(statement.name === undefined ? {} : { name: statement.name }),
    });
  } catch (error) {
    throw toDatabaseError(error);
  }
}

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

/** A {@link Driver} over one `pg.Client` (the user's; it is never closed by us). */
export class PgClientDriver implements Driver {
  readonly concurrent = false;
  readonly #client: pg.ClientBase;
  readonly #mutex = new Mutex();
  #inTransaction = false;

  constructor(client: pg.ClientBase) {
    this.#client = client;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await this.#guard(() => runQuery<R>(this.#client, statement))).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await this.#guard(() => runQuery(this.#client, statement))).rowCount ?? 0;
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === options.channel) options.onNotification(message.payload ?? "");
    };
    const onError = (error: Error): void => options.onError?.(toDatabaseError(error));
    this.#client.on("notification", onNotification);
    this.#client.on("error", onError);
    await this.execute({ text: `LISTEN ${quoteChannel(options.channel)}` });
    return {
      close: async () => {
        this.#client.off("notification", onNotification);
        this.#client.off("error", onError);
        await this.execute({ text: `UNLISTEN ${quoteChannel(options.channel)}` }).catch(() => undefined);
      },
    };
  }

  async notify(options: { channel: string; payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#inTransaction = true;
      const tx = new TransactionDriver(this.#client);
      try {
        return await inTransaction(this.#client, () => work(tx));
      } finally {
        this.#inTransaction = false;
      }
    });
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }

  /** Outside a transaction, wait for any running transaction on this client to finish first. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    return this.#inTransaction ? this.#mutex.run(work) : work();
  }
}

/** A {@link Driver} over a `pg.Pool`; statements run concurrently on pooled connections. */
export class PgPoolDriver implements Driver {
  readonly concurrent = true;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  /** Delay before re-establishing a lost LISTEN connection (doubles up to 5 s). */
  readonly #reconnectDelay: number;

  constructor(pool: pg.Pool, options: { ownsPool?: boolean; reconnectDelay?: number } = {}) {
    this.#pool = pool;
    this.#ownsPool = options.ownsPool ?? false;
    this.#reconnectDelay = options.reconnectDelay ?? 100;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await runQuery<R>(this.#pool, statement)).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await runQuery(this.#pool, statement)).rowCount ?? 0;
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    const listener = new DedicatedListener(this.#pool, options, this.#reconnectDelay);
    await listener.start();
    return { close: () => listener.close() };
  }

  async notify(options: { channel: string; payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toDatabaseError(error);
    }
    let broken: Error | undefined;
    try {
      return await inTransaction(client, () => work(new TransactionDriver(client)));
    } catch (error) {
      if (error instanceof Error && error.name === "ConnectionError") broken = error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }
}

/** The driver handed to transaction callbacks: every statement on the transaction's client. */
class TransactionDriver implements Driver {
  readonly concurrent = false;
  readonly #client: pg.ClientBase;
  constructor(client: pg.ClientBase) {
    this.#client = client;
  }
  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await runQuery<R>(this.#client, statement)).rows;
  }
  async execute(statement: Statement): Promise<number> {
    return (await runQuery(this.#client, statement)).rowCount ?? 0;
  }
  async listen(): Promise<Subscription> {
    throw new Error("LISTEN is not available inside a transaction");
  }
  async notify(options: { channel: string; payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }
  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return work(this); // nested: join the running transaction
  }
  async close(): Promise<void> {}
}

async function inTransaction<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
  await runQuery(client, { text: "BEGIN" });
  try {
    const result = await work();
    await runQuery(client, { text: "COMMIT" });
    return result;
  } catch (error) {
    await runQuery(client, { text: "ROLLBACK" }).catch(() => undefined);
    throw error;
  }
}

/**
 * LISTEN on a connection taken from the pool for as long as the subscription lives. When that
 * connection dies, take another, LISTEN again and tell the subscriber (`onReconnect`) so it
 * can catch up on what it missed.
 */
class DedicatedListener {
  #client: pg.PoolClient | undefined;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ListenOptions,
    private readonly baseDelay: number,
  ) {}

  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      await client.query(`UNLISTEN ${quoteChannel(this.options.channel)}`).catch(() => undefined);
      client.release();
    }
  }

  async #connect(): Promise<void> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw toDatabaseError(error);
    });
    const onNotification = (message: pg.Notification): void => {
      if (message.channel === this.options.channel) this.options.onNotification(message.payload ?? "");
    };
    const onLost = (error?: Error): void => {
      client.off("notification", onNotification);
      client.off("error", onLost);
      client.off("end", onLost);
      if (this.#client !== client) return;
      this.#client = undefined;
      client.release(error ?? new Error("listener connection ended"));
      if (this.#closed) return;
      this.options.onError?.(toDatabaseError(error ?? new Error("listener connection ended")));
      this.#scheduleReconnect(this.baseDelay);
    };
    client.on("notification", onNotification);
    client.on("error", onLost);
    client.on("end", onLost);
    try {
      await client.query(`LISTEN ${quoteChannel(this.options.channel)}`);
    } catch (error) {
      client.off("notification", onNotification);
      client.off("error", onLost);
      client.off("end", onLost);
      client.release(error instanceof Error ? error : undefined);
      throw toDatabaseError(error);
    }
    this.#client = client;
  }

  #scheduleReconnect(delay: number): void {
    this.#retryTimer = setTimeout(() => {
      if (this.#closed) return;
      this.#connect().then(
        () => this.options.onReconnect?.(),
        (error: unknown) => {
          this.options.onError?.(toDatabaseError(error));
          this.#scheduleReconnect(Math.min(delay * 2, 5_000));
        },
      );
    }, delay);
    this.#retryTimer.unref();
  }
}
