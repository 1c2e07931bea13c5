/**
 * Uninstall DDL (CATALOGUE SQL-16): every object dropped with `IF EXISTS`, so it never fails
 * when nothing (or only part) is installed. The Postgres schema itself is left in place: it
 * may hold the user's own objects.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { sqlNames } from "../identifiers.js";
import { buildDropEnqueueFunction } from "./enqueue-function.js";

/**
 * Statements that drop, in order: trigger, trigger function, the optional enqueue function,
 * queue, statistics, schedules and log tables, the status enum and the pre-1.0 statistics enum.
 */
export function buildUninstallStatements(settings: Settings): string[] {
  const n = sqlNames(settings);
  return [
    `DROP TRIGGER IF EXISTS ${n.trigger} ON ${n.queueTable}`,
    `DROP FUNCTION IF EXISTS ${n.function}`,
    // Not in PgQueuer's list (it never installs this function itself); dropped here so an
    // uninstall leaves no function behind that refers to the dropped tables.
    buildDropEnqueueFunction(settings),
    `DROP TABLE IF EXISTS ${n.queueTable}`,
    `DROP TABLE IF EXISTS ${n.statisticsTable}`,
    `DROP TABLE IF EXISTS ${n.schedulesTable}`,
    `DROP TABLE IF EXISTS ${n.queueTableLog}`,
    `DROP TYPE IF EXISTS ${n.statusType}`,
    `DROP TYPE IF EXISTS ${n.legacyStatisticsStatusType}`,
  ];
}
