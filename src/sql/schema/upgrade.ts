/**
 * Upgrade DDL (CATALOGUE SQL-17..SQL-23, SQL-30, SQL-32): an ordered list of idempotent
 * statements that bring a schema installed by any earlier PgQueuer version to the current
 * layout, always against the configured (prefixed, schema-qualified) names.
 *
 * The statements must run one at a time in autocommit (CATALOGUE CLI-14): enum labels are
 * added first and later statements may use them, which PostgreSQL refuses inside the
 * transaction that added them.
 *
 * Guarded steps are `DO` blocks. The id-widening blocks use the plain `$$` tag, as PgQueuer's
 * do (so "`DO $$` only with widen" holds for `pgq sql upgrade`); the other guards use
 * `$guard$`.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { quoteIdent, quoteLiteral, sqlNames } from "../identifiers.js";
import { buildLogTable, buildSchedulesTable, unloggedTables } from "./install.js";
import { ADDED_COLUMNS, ADDED_STATUS_LABELS, buildCreateIndex, INDEXES, indexName, type TableKey } from "./objects.js";
import { buildTriggerFunction, buildTriggerStatement } from "./trigger.js";

/** The tables whose `id` was a 32-bit SERIAL before PgQueuer 1.0 (CATALOGUE SQL-21). */
const WIDENED_TABLES: readonly TableKey[] = ["queueTable", "statisticsTable", "schedulesTable"];

/** Indent every line of `text` by `spaces` (for statements nested in a DO block). */
function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text.split("\n").map((line) => (line === "" ? line : pad + line)).join("\n");
}

/**
 * The upgrade statements, in order:
 * 1. add the status labels later versions introduced;
 * 2. add missing queue-table columns;
 * 3. create the log and schedules tables when missing (at the configured durability — a
 *    deliberate divergence from PgQueuer, whose upgrade always creates an UNLOGGED log table,
 *    CATALOGUE SQL-30) and add missing log columns;
 * 4. move the statistics `status` column onto the shared enum (only when it is not already);
 * 5. drop a legacy multi-column `<log>_not_aggregated` index (only when it is not the
 *    constant-key form), then create every missing index, including
 *    `<queue>_heartbeat_id_id1_idx` that fresh installs lack;
 * 6. replace the trigger function and create the trigger when missing;
 * 7. with `settings.widenId`, widen 32-bit ids and their sequences to BIGINT.
 */
export function buildUpgradeStatements(settings: Settings): string[] {
  const n = sqlNames(settings);
  const unlogged = unloggedTables(settings.durability);
  const statements: string[] = [];

  for (const label of ADDED_STATUS_LABELS) statements.push(`ALTER TYPE ${n.statusType} ADD VALUE IF NOT EXISTS ${quoteLiteral(label)}`);
  for (const added of ADDED_COLUMNS.filter((column) => column.table === "queueTable")) {
    statements.push(`ALTER TABLE ${n[added.table]} ADD COLUMN IF NOT EXISTS ${quoteIdent(added.column)} ${added.definition}`);
  }
  statements.push(buildLogTable(settings, unlogged.log, true), buildSchedulesTable(settings, unlogged.schedules, true));
  for (const added of ADDED_COLUMNS.filter((column) => column.table !== "queueTable")) {
    statements.push(`ALTER TABLE ${n[added.table]} ADD COLUMN IF NOT EXISTS ${quoteIdent(added.column)} ${added.definition}`);
  }
  statements.push(buildStatisticsStatusConversion(settings), buildLegacyNotAggregatedDrop(settings));
  for (const index of INDEXES) statements.push(buildCreateIndex(settings, index, true));
  statements.push(buildTriggerFunction(settings, "CREATE OR REPLACE"), buildTriggerIfMissing(settings));
  if (settings.widenId) statements.push(...buildWidenIdStatements(settings));
  return statements;
}

/**
 * Before 1.0 the statistics table had its own status enum; cast the column onto the shared
 * one. Guarded, because the cast rewrites the table every time it runs.
 */
function buildStatisticsStatusConversion(settings: Settings): string {
  const n = sqlNames(settings);
  return `DO $guard$
BEGIN
    IF (SELECT atttypid FROM pg_catalog.pg_attribute
        WHERE attrelid = ${quoteLiteral(n.statisticsTable)}::regclass AND attname = 'status' AND NOT attisdropped)
        IS DISTINCT FROM ${quoteLiteral(n.statusType)}::regtype THEN
        ALTER TABLE ${n.statisticsTable} ALTER COLUMN status TYPE ${n.statusType} USING status::TEXT::${n.statusType};
    END IF;
END
$guard$`;
}

/**
 * Older versions indexed un-aggregated log rows on four columns; the current index has one
 * constant key (`(1)`) and the `WHERE NOT aggregated` predicate. Drop the old form so the
 * index step recreates it; leave the current form alone (no rebuild on every upgrade).
 */
function buildLegacyNotAggregatedDrop(settings: Settings): string {
  const n = sqlNames(settings);
  const name = indexName(settings, { table: "queueTableLog", suffix: "_not_aggregated" });
  return `DO $guard$
DECLARE
    legacy regclass;
BEGIN
    SELECT i.indexrelid::regclass INTO legacy
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = ${quoteLiteral(n.queueTableLog)}::regclass
      AND c.relname = ${quoteLiteral(name)}
      AND NOT (i.indnatts = 1 AND i.indkey[0] = 0 AND i.indpred IS NOT NULL);
    IF legacy IS NOT NULL THEN
        EXECUTE format('DROP INDEX %s', legacy);
    END IF;
END
$guard$`;
}

/** Create the NOTIFY trigger when it is missing (the function was replaced just before). */
function buildTriggerIfMissing(settings: Settings): string {
  const n = sqlNames(settings);
  return `DO $guard$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_trigger
        WHERE tgrelid = ${quoteLiteral(n.queueTable)}::regclass AND tgname = ${quoteLiteral(n.bare.trigger)}
    ) THEN
${indent(buildTriggerStatement(settings), 8)};
    END IF;
END
$guard$`;
}

/**
 * Widen a 32-bit `id` to BIGINT (CATALOGUE SQL-21, SQL-32): the column only while it is still
 * `integer` (this takes an ACCESS EXCLUSIVE lock and rewrites the table), the backing
 * sequence unconditionally (a no-op when it already is BIGINT), so ids continue past 2^31 - 1.
 */
export function buildWidenIdStatements(settings: Settings): string[] {
  const n = sqlNames(settings);
  return WIDENED_TABLES.map((table) => {
    const literal = quoteLiteral(n[table]);
    return `DO $$
DECLARE
    id_sequence TEXT := pg_get_serial_sequence(${literal}, 'id');
BEGIN
    IF (SELECT atttypid FROM pg_catalog.pg_attribute
        WHERE attrelid = ${literal}::regclass AND attname = 'id' AND NOT attisdropped) = 'integer'::regtype THEN
        ALTER TABLE ${n[table]} ALTER COLUMN id TYPE BIGINT;
    END IF;
    IF id_sequence IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s AS BIGINT', id_sequence);
    END IF;
END
$$`;
  });
}
