/**
 * Schema DDL, PgQueuer 1.x compatible (CATALOGUE §3, Appendix A): install, uninstall, upgrade,
 * durability, autovacuum, the optional SQL enqueue function, and the catalog queries that
 * verify it. Statements are returned as lists, each one complete and without its `;`;
 * {@link renderScript} joins them for `pgq sql` and `psql -v ON_ERROR_STOP=1`.
 *
 * The builders live in `./schema/*`, one module per concern; this module is their single
 * entry point.
 *
 * @module
 */
export { buildInstallStatements, buildLogTable, buildQueueTable, buildSchedulesTable, buildStatisticsTable, unloggedTables, type InstallOptions } from "./schema/install.js";
export { buildTriggerFunction, buildTriggerStatement } from "./schema/trigger.js";
export { buildUninstallStatements } from "./schema/uninstall.js";
export { buildDropExtensionStatements, buildExtensionStatements, EXTENSION_TABLE_KEYS, type ExtensionTableKey } from "./schema/extension.js";
export { buildUpgradeStatements, buildWidenIdStatements } from "./schema/upgrade.js";
export { APPEND_TABLE_AUTOVACUUM, buildAutovacuumStatements, buildDurabilityStatements, HOT_TABLE_AUTOVACUUM } from "./schema/maintenance.js";
export {
  buildCreateEnqueueFunction,
  buildDropEnqueueFunction,
  ENQUEUE_FUNCTION_ARGUMENTS,
  enqueueFunctionBareName,
  enqueueFunctionName,
} from "./schema/enqueue-function.js";
export {
  ADDED_COLUMNS,
  ADDED_STATUS_LABELS,
  buildCreateIndex,
  INDEXES,
  indexName,
  STATUS_LABELS,
  TABLE_COLUMNS,
  TABLE_KEYS,
  type IndexDefinition,
  type IndexedTableKey,
  type TableKey,
} from "./schema/objects.js";
export * from "./schema/introspection.js";

/**
 * Join statements into a script: each `;`-terminated, separated by a blank line, ending in a
 * single newline. Top-level statements start at column 0, so the output reads (and applies
 * with `psql -v ON_ERROR_STOP=1`) like PgQueuer's `pgq sql` output.
 */
export function renderScript(statements: readonly string[]): string {
  return statements.map((statement) => `${statement};`).join("\n\n") + "\n";
}
