/**
 * Extension tables: state that this library's features beyond PgQueuer need (paused
 * entrypoints, stored job results). They live beside PgQueuer's tables and never alter them,
 * so Python PgQueuer keeps working on the same database. `install` and `upgrade` create them
 * (`IF NOT EXISTS`, so both are idempotent about them); `uninstall` drops them. A worker on a
 * database without them still runs; only the features that need them are unavailable.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { quoteIdent, sqlNames } from "../identifiers.js";

/** The extension tables, by settings key. */
export type ExtensionTableKey = "entrypointStateTable" | "resultsTable";

/** Every extension table key, in creation order. */
export const EXTENSION_TABLE_KEYS: readonly ExtensionTableKey[] = ["entrypointStateTable", "resultsTable"];

/**
 * `CREATE TABLE IF NOT EXISTS` for the extension tables and their index. Logged whatever the
 * durability: a pause must survive a crash, and results are what a caller waits for.
 */
export function buildExtensionStatements(settings: Settings): string[] {
  const n = sqlNames(settings);
  return [
    `CREATE TABLE IF NOT EXISTS ${n.entrypointStateTable} (
    entrypoint TEXT PRIMARY KEY,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    paused_at TIMESTAMP WITH TIME ZONE,
    updated TIMESTAMP WITH TIME ZONE DEFAULT NOW() NOT NULL
)`,
    `CREATE TABLE IF NOT EXISTS ${n.resultsTable} (
    job_id BIGINT PRIMARY KEY,
    entrypoint TEXT NOT NULL,
    status TEXT NOT NULL,
    result JSONB,
    created TIMESTAMP WITH TIME ZONE DEFAULT NOW() NOT NULL
)`,
    // The claim's pause filter probes this: only paused rows, so it stays tiny and index-only.
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${n.bare.entrypointStateTable}_paused`)} ON ${n.entrypointStateTable} (entrypoint) WHERE paused`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${n.bare.resultsTable}_created`)} ON ${n.resultsTable} (created)`,
  ];
}

/** `DROP TABLE IF EXISTS` for every extension table. */
export function buildDropExtensionStatements(settings: Settings): string[] {
  const n = sqlNames(settings);
  return [`DROP TABLE IF EXISTS ${n.resultsTable}`, `DROP TABLE IF EXISTS ${n.entrypointStateTable}`];
}
