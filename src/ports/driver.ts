/**
 * The `Driver` port: the narrow, SQL-level interface every database adapter implements
 * (`pg` Client and Pool, postgres.js, PGlite). Everything above it speaks SQL with `$n`
 * parameters through these five operations; nothing above it knows which driver runs.
 *
 * Value conventions every adapter guarantees (the conformance suite checks them):
 * - parameters are scalars ({@link SqlValue}); lists travel as JSON text (`$1::jsonb`),
 *   so no adapter has to agree with another on array encoding;
 * - `int8` columns come back as `number` (an {@link IdOutOfRangeError} beyond 2^53 - 1);
 * - `bytea` comes back as `Buffer`, `jsonb` parsed, `timestamptz` as `Date`;
 * - database failures are thrown as {@link DatabaseError} (with the SQLSTATE `code`).
 *
 * @module
 */

/** A value that can be sent as a query parameter. */
export type SqlValue = string | number | boolean | null | Date | Uint8Array;

/** One SQL statement with its parameters. */
export interface Statement {
  /** SQL text with `$1..$n` placeholders. */
  readonly text: string;
  readonly values?: readonly SqlValue[];
  /**
   * A stable name for the statement, letting adapters that support it prepare it once per
   * connection. Adapters may ignore it.
   */
  readonly name?: string;
}

/** A row as returned by the driver. */
export type Row = Record<string, unknown>;

/** Callbacks of one LISTEN subscription. */
export interface ListenOptions {
  readonly channel: string;
  /** Called with each notification payload, in arrival order. */
  readonly onNotification: (payload: string) => void;
  /**
   * Called after the listening connection was lost and LISTEN re-established: notifications
   * sent in between are gone, so the caller should catch up (e.g. poll once).
   */
  readonly onReconnect?: () => void;
  /** Called when the listening connection failed and could not (yet) be re-established. */
  readonly onError?: (error: Error) => void;
}

/** An active LISTEN subscription. */
export interface Subscription {
  /** Stop listening (UNLISTEN, releasing any dedicated connection). */
  close(): Promise<void>;
}

/** The database connection port. */
export interface Driver {
  /** Run a statement and return its rows. */
  query<R extends Row = Row>(statement: Statement): Promise<R[]>;
  /** Run a statement and return the number of rows it affected. */
  execute(statement: Statement): Promise<number>;
  /** Subscribe to a NOTIFY channel. */
  listen(options: ListenOptions): Promise<Subscription>;
  /** Send a notification (`SELECT pg_notify($1, $2)`). */
  notify(options: { readonly channel: string; readonly payload: string }): Promise<void>;
  /**
   * Run `work` in a transaction on one connection; commit when it resolves, roll back when it
   * throws. The `tx` driver passed in must be used for the statements of that transaction.
   */
  transaction<T>(work: (tx: Driver) => Promise<T>): Promise<T>;
  /**
   * Whether several statements can run at the same time (a pool). A single connection
   * serializes them; the runtime uses this to decide how much to pipeline.
   */
  readonly concurrent: boolean;
  /**
   * `false` when the database runs no autovacuum of its own, whatever its settings say
   * (embedded PGlite: one standalone backend, no autovacuum launcher); workers then vacuum
   * the queue tables themselves (`RunOptions.vacuumInterval`). Absent for servers, whose
   * autovacuum is the administrator's to configure (workers warn when it is off).
   */
  readonly vacuumsItself?: boolean;
  /** Release what the adapter opened itself (never the user's own client or pool). */
  close(): Promise<void>;
}
