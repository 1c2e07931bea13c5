/**
 * Driver for embedded PGlite (`@electric-sql/pglite`): PostgreSQL compiled to WASM, running in
 * this process. One connection; LISTEN/NOTIFY work within the instance.
 *
 * @module
 */
import type { PGlite, Results, Transaction } from "@electric-sql/pglite";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { GuardedListener, OID, quoteChannel, SubscriptionRegistry, toBuffer, toDatabaseError, toSafeNumber } from "../driver-support.js";

type Queryable = Pick<PGlite, "query"> | Transaction;

/** int8 becomes a number (or IdOutOfRangeError) instead of PGlite's number-or-bigint. */
const parsers = { [OID.int8]: (value: string) => toSafeNumber(value) };

/** Options of {@link PGliteDriver}. */
export interface PGliteDriverOptions {
  /** Close the instance in `close()` (only for instances the library opened; default false). */
  readonly ownsDb?: boolean;
}

/** Statements and notify, shared by the instance driver and the transaction driver. */
abstract class PGliteStatements implements Driver {
  readonly concurrent = false;
  /** One standalone backend: PGlite starts no autovacuum worker (checked: `pg_stat_activity`, `n_dead_tup`). */
  readonly vacuumsItself = false;
  readonly #target: Queryable;
  #failure: Error | undefined;

  constructor(target: Queryable) {
    this.#target = target;
  }

  /** The first statement that failed through this driver, if any. */
  protected get failure(): Error | undefined {
    return this.#failure;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    const result = await this.#run<R>(statement);
    return result.rows.map((row) => convertBytea(row, result.fields));
  }

  async execute(statement: Statement): Promise<number> {
    const result = await this.#run(statement);
    // The command tag's count (as pg and postgres.js report it), not PGlite's running total.
    return result.rowCount ?? result.affectedRows ?? 0;
  }

  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  abstract listen(options: ListenOptions): Promise<Subscription>;
  abstract transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T>;
  abstract close(): Promise<void>;

  async #run<R extends Row>(statement: Statement): Promise<Results<R>> {
    try {
      return await this.#target.query<R>(statement.text, statement.values as unknown[] | undefined, { parsers });
    } catch (error) {
      const mapped = toDatabaseError(error);
      this.#failure ??= mapped;
      throw mapped;
    }
  }
}

/**
 * A {@link Driver} over a PGlite instance (the user's: never closed unless `ownsDb`).
 *
 * Inside `transaction(work)`, use the `tx` driver: PGlite runs one transaction at a time and
 * makes every other statement wait for it, including ones sent through this driver from
 * within `work`.
 */
export class PGliteDriver extends PGliteStatements {
  readonly #db: PGlite;
  readonly #ownsDb: boolean;
  readonly #subscriptions = new SubscriptionRegistry();

  /** @param db the PGlite instance. */
  constructor(db: PGlite, options: PGliteDriverOptions = {}) {
    super(db);
    this.#db = db;
    this.#ownsDb = options.ownsDb ?? false;
  }

  /**
   * A driver over one of `db`'s open transactions: the `tx` of your own
   * `db.transaction(async (tx) => ...)`. Pass it as `connection` to enqueue a job that commits
   * or rolls back with the rest of that transaction.
   */
  static forTransaction(db: PGlite, tx: Transaction): Driver {
    return new PGliteTransactionDriver(db, tx, (subscription) => subscription);
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    return this.#subscriptions.track(await subscribe(this.#db, options, undefined));
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    let driver: PGliteTransactionDriver | undefined;
    let workError: { readonly error: unknown } | undefined;
    try {
      return await this.#db.transaction(async (tx) => {
        driver = new PGliteTransactionDriver(this.#db, tx, (subscription) => this.#subscriptions.track(subscription));
        try {
          return await work(driver);
        } catch (error) {
          workError = { error };
          throw error;
        }
      });
    } catch (error) {
      if (workError !== undefined && workError.error === error) throw error;
      // `work` resolved but PostgreSQL turned COMMIT into ROLLBACK: a statement failed and
      // was swallowed. Report that statement, as the other drivers do.
      throw driver?.firstFailure ?? toDatabaseError(error);
    }
  }

  /** End this driver's subscriptions, then the instance if this driver owns it. */
  async close(): Promise<void> {
    await this.#subscriptions.closeAll();
    if (this.#ownsDb && !this.#db.closed) await this.#db.close();
  }
}

/** The driver handed to transaction callbacks; a nested `transaction()` joins the running one. */
class PGliteTransactionDriver extends PGliteStatements {
  readonly #db: PGlite;
  readonly #tx: Transaction;
  readonly #track: (subscription: Subscription) => Subscription;

  constructor(db: PGlite, tx: Transaction, track: (subscription: Subscription) => Subscription) {
    super(tx);
    this.#db = db;
    this.#tx = tx;
    this.#track = track;
  }

  get firstFailure(): Error | undefined {
    return this.failure;
  }

  /** LISTEN through the transaction (it takes effect at COMMIT, like PostgreSQL's). */
  async listen(options: ListenOptions): Promise<Subscription> {
    return this.#track(await subscribe(this.#db, options, this.#tx));
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    // The transaction belongs to the instance driver.
  }
}

async function subscribe(db: PGlite, options: ListenOptions, tx: Transaction | undefined): Promise<Subscription> {
  const listener = new GuardedListener(options);
  let unsubscribe: () => Promise<void>;
  try {
    // PGlite pastes the channel into LISTEN as given: quote it so a mixed-case channel is
    // not folded to lower case (pg_notify is case-sensitive).
    unsubscribe = await db.listen(quoteChannel(options.channel), (payload) => listener.notification(payload), tx);
  } catch (error) {
    listener.stop();
    throw toDatabaseError(error);
  }
  return {
    close: async () => {
      listener.stop();
      if (!db.closed) await unsubscribe().catch(() => undefined);
    },
  };
}

function convertBytea<R extends Row>(row: R, fields: readonly { name: string; dataTypeID: number }[]): R {
  for (const field of fields) {
    if (field.dataTypeID === OID.bytea) {
      const value = row[field.name];
      if (value instanceof Uint8Array) (row as Row)[field.name] = toBuffer(value);
    }
  }
  return row;
}
