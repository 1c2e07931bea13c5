/**
 * Driver for postgres.js (`postgres`): {@link PostgresJsDriver} over the user's `sql`
 * instance. Statements run concurrently on its pool; LISTEN uses postgres.js's own listening
 * connection, which postgres.js re-establishes by itself.
 *
 * @module
 */
import type postgres from "postgres";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { GuardedListener, SubscriptionRegistry, toDatabaseError } from "../driver-support.js";
import { runStatement, type PostgresJsSql } from "./statements.js";

/** Options of {@link PostgresJsDriver}. */
export interface PostgresJsDriverOptions {
  /** End the `sql` instance in `close()` (only for instances the library created; default false). */
  readonly ownsSql?: boolean;
}

/** Statements, notify and nested transactions, shared by the root and transaction drivers. */
abstract class PostgresJsStatements implements Driver {
  abstract readonly concurrent: boolean;
  readonly #sql: PostgresJsSql;

  constructor(sql: PostgresJsSql) {
    this.#sql = sql;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await runStatement<R>(this.#sql, statement)).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await runStatement(this.#sql, statement)).rowCount;
  }

  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  abstract listen(options: ListenOptions): Promise<Subscription>;
  abstract transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;
}

/**
 * A {@link Driver} over a postgres.js `sql` instance (the user's: never ended by us unless
 * `ownsSql`).
 *
 * - Named statements (`Statement.name`) are prepared once per connection, unnamed ones are
 *   not (so they always get a plan for their actual values); an instance created with
 *   `prepare: false` (e.g. behind PgBouncer in transaction mode) prepares nothing.
 * - LISTEN goes through `sql.listen`: postgres.js keeps one listening connection and, when
 *   it is lost, reconnects and listens again by itself; every re-listen after the first calls
 *   `onReconnect`. postgres.js reports no failures of that connection, so `onError` only
 *   ever receives errors thrown by the subscriber's own callbacks.
 * - The instance must not transform results (`transform: postgres.camel` and the like): the
 *   library's SQL reads the columns by their real names.
 */
export class PostgresJsDriver extends PostgresJsStatements {
  readonly concurrent = true;
  readonly #sql: postgres.Sql;
  readonly #ownsSql: boolean;
  readonly #subscriptions = new SubscriptionRegistry();

  /**
   * @param sql the postgres.js instance.
   * @throws InvalidArgumentError (`transform`) when the instance transforms column names,
   *   values or rows.
   */
  constructor(sql: postgres.Sql, options: PostgresJsDriverOptions = {}) {
    const transform = (sql.options as Partial<postgres.Sql["options"]> | undefined)?.transform;
    if (transform?.column?.from || transform?.value?.from || transform?.row?.from) {
      throw new InvalidArgumentError(
        "transform",
        "the postgres.js instance transforms results (e.g. postgres.camel); pgqueuer reads columns by their database names, so pass an instance created without `transform`",
      );
    }
    super(sql);
    this.#sql = sql;
    this.#ownsSql = options.ownsSql ?? false;
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    const listener = new GuardedListener(options);
    let listens = 0;
    let meta: postgres.ListenMeta;
    try {
      meta = await this.#sql.listen(
        options.channel,
        (payload) => listener.notification(payload),
        () => {
          listens += 1;
          if (listens > 1) listener.reconnected();
        },
      );
    } catch (error) {
      // postgres.js keeps the callback registered and retries on its own; stop it delivering
      // to a subscription the caller was told had failed.
      listener.stop();
      throw toDatabaseError(error);
    }
    return this.#subscriptions.track({
      close: async () => {
        // After a reconnect, postgres.js's `unlisten` no longer finds the re-registered
        // callback, so stopping the listener is what guarantees no late deliveries.
        listener.stop();
        await meta.unlisten().catch(() => undefined);
      },
    });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    // The caller's own errors pass through untouched; only postgres.js's are mapped.
    let workError: { readonly error: unknown } | undefined;
    try {
      return (await this.#sql.begin(async (tx) => {
        try {
          return await work(new PostgresJsTransactionDriver(tx, this));
        } catch (error) {
          workError = { error };
          throw error;
        }
      })) as T;
    } catch (error) {
      if (workError !== undefined && workError.error === error) throw error;
      // Also the case where `work` swallowed a failed statement: postgres.js rolls back and
      // throws that statement's error instead of committing.
      throw toDatabaseError(error);
    }
  }

  /** End this driver's subscriptions, then the instance if this driver owns it. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    if (this.#ownsSql) await this.#sql.end();
  }
}

/** The driver handed to transaction callbacks: statements run on the transaction's connection. */
class PostgresJsTransactionDriver extends PostgresJsStatements {
  readonly concurrent = false;
  readonly #root: PostgresJsDriver;

  constructor(tx: postgres.TransactionSql, root: PostgresJsDriver) {
    super(tx);
    this.#root = root;
  }

  /** LISTEN lives on postgres.js's listening connection, outside any transaction. */
  listen(options: ListenOptions): Promise<Subscription> {
    return this.#root.listen(options);
  }

  /** Nested: join the running transaction. */
  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    // The transaction's connection belongs to the root instance.
  }
}
