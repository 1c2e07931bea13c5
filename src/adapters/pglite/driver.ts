/**
 * Driver for embedded PGlite (`@electric-sql/pglite`): PostgreSQL compiled to WASM, running in
 * this process. One connection; LISTEN/NOTIFY work within the instance.
 *
 * @module
 */
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Driver, ListenOptions, Row, Statement, Subscription } from "../../ports/driver.js";
import { OID, toBuffer, toDatabaseError, toSafeNumber } from "../driver-support.js";

type Queryable = Pick<PGlite, "query"> | Transaction;

const parsers = {
  [OID.int8]: (value: string) => toSafeNumber(value),
  [OID.bytea]: undefined,
};

/** A {@link Driver} over a PGlite instance (or one of its transactions). */
export class PGliteDriver implements Driver {
  readonly concurrent = false;
  readonly #db: PGlite;
  readonly #target: Queryable;
  readonly #ownsDb: boolean;

  /**
   * @param db the PGlite instance.
   * @param options.ownsDb close the instance in {@link close} (only for instances the library opened).
   */
  constructor(db: PGlite, options: { ownsDb?: boolean; target?: Queryable } = {}) {
    this.#db = db;
    this.#target = options.target ?? db;
    this.#ownsDb = options.ownsDb ?? false;
  }

  async query<R extends Row = Row>(statement: Statement): Promise<R[]> {
    try {
      const result = await this.#target.query<R>(statement.text, statement.values as unknown[] | undefined, {
        parsers: { [OID.int8]: parsers[OID.int8] },
      });
      return result.rows.map((row) => convertBytea(row, result.fields));
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async execute(statement: Statement): Promise<number> {
    try {
      const result = await this.#target.query(statement.text, statement.values as unknown[] | undefined);
      return result.affectedRows ?? 0;
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async listen(options: ListenOptions): Promise<Subscription> {
    try {
      const unsubscribe = await this.#db.listen(options.channel, options.onNotification);
      return { close: () => unsubscribe() };
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  async notify(options: { channel: string; payload: string }): Promise<void> {
    await this.query({ text: "SELECT pg_notify($1, $2)", values: [options.channel, options.payload] });
  }

  async transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T> {
    if (this.#target !== this.#db) return work(this); // already inside one: run in it
    return this.#db.transaction((tx) => work(new PGliteDriver(this.#db, { target: tx })));
  }

  async close(): Promise<void> {
    if (this.#ownsDb && !this.#db.closed) await this.#db.close();
  }
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
