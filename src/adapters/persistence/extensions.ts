/**
 * Helpers for the features that need this library's extension tables (paused entrypoints,
 * job results): detecting the tables once, and turning "table does not exist" into a
 * {@link SchemaError} that says what to run.
 *
 * @module
 */
import { DatabaseError, SchemaError } from "../../domain/errors.js";
import type { Settings } from "../../domain/settings.js";

/** SQLSTATE undefined_table. */
const UNDEFINED_TABLE = "42P01";

/**
 * Run `operation`; when it fails because the extension table `table` is missing (a database
 * installed by Python PgQueuer, or by an older version of this library), throw a SchemaError
 * naming the table and `pgq upgrade`. Other errors propagate unchanged.
 */
export async function withExtensionTable<T>(settings: Settings, table: "entrypointStateTable" | "resultsTable", feature: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof DatabaseError && error.code === UNDEFINED_TABLE) {
      throw missingExtensionError(settings, table, feature, error);
    }
    throw error;
  }
}

/** The SchemaError for a missing extension table. */
export function missingExtensionError(settings: Settings, table: "entrypointStateTable" | "resultsTable", feature: string, cause?: unknown): SchemaError {
  return new SchemaError(
    `${feature} needs the table '${settings.names[table]}', which this database does not have (it was installed by PgQueuer or an older version); run 'pgq upgrade' (or queries.upgrade()) to add it without touching PgQueuer's tables`,
    cause === undefined ? undefined : { cause },
  );
}
