/**
 * What every adapter shares: value conversions to the port's conventions and the mapping of
 * driver errors to typed errors.
 *
 * @module
 */
import { coerceError, ConnectionError, DatabaseError, IdOutOfRangeError, PgQueuerError } from "../domain/errors.js";
import type { ListenOptions, Subscription } from "../ports/driver.js";

/** PostgreSQL type OIDs the adapters convert. */
export const OID = { int8: 20, bytea: 17 } as const;

/** Convert an int8 value (string, bigint or number) to a safe JavaScript number. */
export function toSafeNumber(value: string | bigint | number): number {
  const asNumber = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(asNumber)) throw new IdOutOfRangeError(String(value));
  return asNumber;
}

/** View a Uint8Array as a Buffer without copying. */
export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** SQLSTATE classes that mean the connection itself is gone. */
function isConnectionCode(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03");
}

const CONNECTION_MESSAGES = /(Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|Client has encountered a connection error|connection is closed|Connection ended|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED|write after end|ETIMEDOUT|not queryable)/i;

/** Map anything a driver throws to a {@link DatabaseError} (or keep our own errors). */
export function toDatabaseError(error: unknown): Error {
  if (error instanceof PgQueuerError) return error as Error;
  if (!(error instanceof Error)) return new DatabaseError(String(error), { cause: error });
  const details = error as Error & { code?: unknown; detail?: unknown; constraint?: unknown; constraint_name?: unknown };
  const code = typeof details.code === "string" ? details.code : undefined;
  const detail = typeof details.detail === "string" ? details.detail : undefined;
  const constraintValue = details.constraint ?? details.constraint_name;
  const constraint = typeof constraintValue === "string" ? constraintValue : undefined;
  const sqlState = code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (isConnectionCode(sqlState) || (sqlState === undefined && CONNECTION_MESSAGES.test(`${code ?? ""} ${error.message}`))) {
    return new ConnectionError(error.message, { code: sqlState, detail, constraint, cause: error });
  }
  return new DatabaseError(error.message, { code: sqlState, detail, constraint, cause: error });
}

/** Double-quote a channel for LISTEN/UNLISTEN (channels are validated identifiers). */
export function quoteChannel(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}

/**
 * Wrap a subscriber's callbacks so that nothing they throw reaches the driver's socket
 * handling (where it would crash the process or stall the connection): a throwing
 * `onNotification` is reported to `onError` and later notifications are still delivered
 * (CATALOGUE DRV-8). After `stop()` every callback is ignored, so a driver that cannot
 * remove a callback right away (postgres.js after a reconnect) never delivers to a closed
 * subscription.
 */
export class GuardedListener {
  #stopped = false;
  constructor(private readonly options: ListenOptions) {}

  /** The subscribed channel. */
  get channel(): string {
    return this.options.channel;
  }

  /** Whether {@link stop} was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Ignore every later callback. */
  stop(): void {
    this.#stopped = true;
  }

  /** Deliver one notification payload. */
  notification(payload: string): void {
    if (this.#stopped) return;
    try {
      this.options.onNotification(payload);
    } catch (error) {
      this.error(coerceError(error));
    }
  }

  /** Tell the subscriber LISTEN was re-established (it may have missed notifications). */
  reconnected(): void {
    if (this.#stopped) return;
    try {
      this.options.onReconnect?.();
    } catch (error) {
      this.error(coerceError(error));
    }
  }

  /** Report a failure of the listening connection or of a callback. */
  error(error: Error): void {
    if (this.#stopped) return;
    try {
      this.options.onError?.(error);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

/**
 * The subscriptions a driver opened, so that `close()` can end them: a LISTEN that outlives
 * its driver would hold a connection (and keep a pool from ending) forever.
 */
export class SubscriptionRegistry {
  readonly #open = new Set<Subscription>();

  /** Track `subscription`; its `close()` removes it again (and is safe to call twice). */
  track(subscription: Subscription): Subscription {
    let closing: Promise<void> | undefined;
    const tracked: Subscription = {
      close: () => {
        closing ??= subscription.close().finally(() => this.#open.delete(tracked));
        return closing;
      },
    };
    this.#open.add(tracked);
    return tracked;
  }

  /** Close every open subscription (errors are ignored: the driver is going away). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((subscription) => subscription.close().catch(() => undefined)));
  }
}
