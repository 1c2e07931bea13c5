/**
 * What both node-postgres drivers share: running one statement with the port's value
 * conventions, and the transaction protocol (BEGIN, work, COMMIT or ROLLBACK) on one client.
 *
 * @module
 */
import pg from "pg";
import { ConnectionError, DatabaseError } from "../../domain/errors.js";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { OID, toDatabaseError, toSafeNumber } from "../driver-support.js";

/** Anything that runs a query: a client, a pool client or a pool. */
export type Queryable = Pick<pg.ClientBase, "query">;

/** Opens a LISTEN subscription on behalf of a transaction driver. */
export type ListenFunction = (options: ListenOptions) => Promise<Subscription>;

/** A statement's outcome, the same whether pg returned one result or several. */
export interface StatementResult<R extends Row> {
  readonly rows: R[];
  readonly rowCount: number;
  readonly command: string;
}

const int8Parser = (value: string): number => toSafeNumber(value);

// Per-query type parsers, so the user's global `pg.types` settings are neither needed nor
// changed: int8 becomes a number (or IdOutOfRangeError), everything else as pg parses it
// (bytea -> Buffer, jsonb parsed, timestamptz -> Date).
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === OID.int8 ? int8Parser : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Run one statement; every failure comes out as a `DatabaseError` (or our own error). */
export async function runQuery<R extends Row>(target: Queryable, statement: Statement): Promise<StatementResult<R>> {
  let result: pg.QueryResult<R> | pg.QueryResult<R>[];
  try {
    result = (await target.query<R>({
      text: statement.text,
      values: statement.values as unknown[] | undefined,
      types: typeParsers,
      // Named statements are prepared once per connection by pg.
      ...(statement.name === undefined ? {} : { name: statement.name }),
    })) as pg.QueryResult<R> | pg.QueryResult<R>[];
  } catch (error) {
    throw toDatabaseError(error);
  }
  // Text without parameters goes through the simple protocol, where several statements in
  // one string yield one result each: report the last rows and the total affected count.
  const results = Array.isArray(result) ? result : [result];
  const last = results.at(-1);
  return {
    rows: last?.rows ?? [],
    rowCount: results.reduce((sum, each) => sum + (each.rowCount ?? 0), 0),
    command: last?.command ?? "",
  };
}

/**
 * The driver handed to transaction callbacks: every statement runs on the transaction's
 * client. A nested `transaction()` joins the running one.
 */
export class PgTransactionDriver implements Driver {
  readonly concurrent = false;
  readonly #client: Queryable;
  readonly #listen: ListenFunction;
  #failure: Error | undefined;

  constructor(client: Queryable, listen: ListenFunction) {
    this.#client = client;
    this.#listen = listen;
  }

  /** The first statement of this transaction that failed, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    return (await this.#run<R>(statement)).rows;
  }

  async execute(statement: Statement): Promise<number> {
    return (await this.#run(statement)).rowCount;
  }

  listen(options: ListenOptions): Promise<Subscription> {
    return this.#listen(options);
  }

  async notify(options: { readonly channel: string; readonly payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    return work(this);
  }

  async close(): Promise<void> {
    // The transaction's client belongs to the driver that opened the transaction.
  }

  async #run<R extends Row>(statement: Statement): Promise<StatementResult<R>> {
    try {
      return await runQuery<R>(this.#client, statement);
    } catch (error) {
      this.#failure ??= error as Error;
      throw error;
    }
  }
}

/** How a transaction ended, for the pool driver to decide whether its client is reusable. */
export type TransactionOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** Set when the client itself failed (a lost connection, or a ROLLBACK that failed). */
      readonly brokenClient?: Error | undefined;
    };

/**
 * BEGIN, run `work` with a transaction driver, then COMMIT; ROLLBACK when `work` throws.
 * A transaction in which a statement failed (and was not recovered with a savepoint) is
 * never reported as committed: PostgreSQL answers COMMIT with ROLLBACK there, and we throw
 * the first failed statement's error instead of resolving.
 */
export async function runTransaction<T>(
  client: Queryable,
  listen: ListenFunction,
  work: (tx: Driver) => Promise<T>,
): Promise<TransactionOutcome<T>> {
  try {
    await runQuery(client, { text: "BEGIN" });
  } catch (error) {
    return { ok: false, error, brokenClient: error instanceof ConnectionError ? error : undefined };
  }
  const tx = new PgTransactionDriver(client, listen);
  let value: T;
  try {
    value = await work(tx);
  } catch (error) {
    return { ok: false, error, brokenClient: await rollback(client) };
  }
  try {
    const commit = await runQuery(client, { text: "COMMIT" });
    if (commit.command === "ROLLBACK") {
      return { ok: false, error: tx.failure ?? new DatabaseError("the transaction was rolled back: a statement in it failed", { code: "25P02" }) };
    }
  } catch (error) {
    return { ok: false, error, brokenClient: (await rollback(client)) ?? (error instanceof ConnectionError ? error : undefined) };
  }
  return { ok: true, value };
}

/** Unwrap an outcome: the value, or throw its error. */
export function settle<T>(outcome: TransactionOutcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function rollback(client: Queryable): Promise<Error | undefined> {
  try {
    await runQuery(client, { text: "ROLLBACK" });
    return undefined;
  } catch (error) {
    // A client that cannot even roll back must not go back into a pool mid-transaction.
    return error as Error;
  }
}
