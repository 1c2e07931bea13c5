/**
 * What every adapter shares: value conversions to the port's conventions and the mapping of
 * driver errors to typed errors.
 *
 * @module
 */
import { ConnectionError, DatabaseError, IdOutOfRangeError, PgQueuerError } from "../domain/errors.js";

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
