/**
 * Maintenance DDL: switching durability (CATALOGUE SQL-26) and autovacuum tuning (SQL-27).
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import type { Durability } from "../../domain/types.js";
import { sqlNames } from "../identifiers.js";
import { unloggedTables } from "./install.js";

/**
 * `ALTER TABLE <t> SET LOGGED|UNLOGGED` for queue, log, statistics and schedules, in that
 * order. PostgreSQL rewrites each table into the new persistence, keeping every row.
 */
export function buildDurabilityStatements(settings: Settings, durability: Durability = settings.durability): string[] {
  const n = sqlNames(settings);
  const unlogged = unloggedTables(durability);
  const set = (isUnlogged: boolean): string => (isUnlogged ? "UNLOGGED" : "LOGGED");
  return [
    `ALTER TABLE ${n.queueTable} SET ${set(unlogged.queue)}`,
    `ALTER TABLE ${n.queueTableLog} SET ${set(unlogged.log)}`,
    `ALTER TABLE ${n.statisticsTable} SET ${set(unlogged.statistics)}`,
    `ALTER TABLE ${n.schedulesTable} SET ${set(unlogged.schedules)}`,
  ];
}

/**
 * `VACUUM (ANALYZE)` of the queue, log and statistics tables: what autovacuum would do, for a
 * database that runs none (embedded PGlite is one standalone backend, with no autovacuum
 * launcher). Removes the dead row versions and index entries every finished job leaves behind
 * and gives the planner current statistics. Cannot run inside a transaction block.
 */
export function buildVacuumStatement(settings: Settings): string {
  const n = sqlNames(settings);
  return `VACUUM (ANALYZE) ${n.queueTable}, ${n.queueTableLog}, ${n.statisticsTable}`;
}

/**
 * Storage parameters for the hot, update-heavy tables (queue and schedules): vacuum early and
 * cheaply, and leave room on each page for HOT updates.
 */
export const HOT_TABLE_AUTOVACUUM: readonly (readonly [string, string])[] = [
  ["autovacuum_vacuum_scale_factor", "0.01"],
  ["autovacuum_vacuum_threshold", "1000"],
  ["autovacuum_analyze_scale_factor", "0.02"],
  ["autovacuum_analyze_threshold", "500"],
  ["autovacuum_vacuum_cost_limit", "10000"],
  ["autovacuum_vacuum_cost_delay", "0"],
  ["fillfactor", "70"],
];

/** Storage parameters for the append-mostly tables (log and statistics): vacuum rarely. */
export const APPEND_TABLE_AUTOVACUUM: readonly (readonly [string, string])[] = [
  ["autovacuum_vacuum_scale_factor", "0.95"],
  ["autovacuum_vacuum_threshold", "1000000"],
  ["autovacuum_analyze_scale_factor", "0.05"],
  ["autovacuum_analyze_threshold", "10000"],
];

/**
 * Autovacuum tuning (CATALOGUE SQL-27): `ALTER TABLE ... SET (...)` on queue, schedules, log
 * and statistics; with `rollback`, `ALTER TABLE ... RESET (...)` of exactly the same keys.
 */
export function buildAutovacuumStatements(settings: Settings, options: { readonly rollback?: boolean } = {}): string[] {
  const n = sqlNames(settings);
  const targets: readonly [string, readonly (readonly [string, string])[]][] = [
    [n.queueTable, HOT_TABLE_AUTOVACUUM],
    [n.schedulesTable, HOT_TABLE_AUTOVACUUM],
    [n.queueTableLog, APPEND_TABLE_AUTOVACUUM],
    [n.statisticsTable, APPEND_TABLE_AUTOVACUUM],
  ];
  const width = Math.max(...[...HOT_TABLE_AUTOVACUUM, ...APPEND_TABLE_AUTOVACUUM].map(([key]) => key.length)) + 2;
  return targets.map(([table, parameters]) => {
    const lines = options.rollback === true
      ? parameters.map(([key]) => `    ${key}`)
      : parameters.map(([key, value]) => `    ${key.padEnd(width)}= ${value}`);
    return `ALTER TABLE ${table} ${options.rollback === true ? "RESET" : "SET"} (\n${lines.join(",\n")}\n)`;
  });
}
