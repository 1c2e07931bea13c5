/**
 * The single description of every database object PgQueuer's schema consists of: table
 * columns, index definitions, enum labels. Install, upgrade and verification all read it, so
 * an index added here is created by `install`, created-if-missing by `upgrade` and checked by
 * `verify` without three lists drifting apart.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { JOB_STATUSES } from "../../domain/types.js";
import { sqlNames } from "../identifiers.js";

/** The four tables, by their settings key. */
export type TableKey = "queueTable" | "queueTableLog" | "statisticsTable" | "schedulesTable";

/** Every table, in the order PgQueuer's durability statements list them (CATALOGUE SQL-26). */
export const TABLE_KEYS: readonly TableKey[] = ["queueTable", "queueTableLog", "statisticsTable", "schedulesTable"];

/** Tables that carry indexes named after them. */
export type IndexedTableKey = Exclude<TableKey, "schedulesTable">;

/** Columns of each table, in install order (CATALOGUE SQL-3, SQL-5..SQL-7). */
export const TABLE_COLUMNS: Readonly<Record<TableKey, readonly string[]>> = {
  queueTable: ["id", "priority", "queue_manager_id", "created", "updated", "heartbeat", "execute_after", "status", "entrypoint", "dedupe_key", "payload", "headers", "attempts"],
  queueTableLog: ["id", "created", "job_id", "status", "priority", "entrypoint", "traceback", "aggregated"],
  statisticsTable: ["id", "created", "count", "priority", "status", "entrypoint"],
  schedulesTable: ["id", "expression", "entrypoint", "heartbeat", "created", "updated", "next_run", "last_run", "status"],
};

/**
 * Columns that later PgQueuer versions added to an existing table, with the definition
 * `upgrade` adds them with (`ADD COLUMN IF NOT EXISTS`). Defaults let NOT NULL columns be
 * added to tables that already hold rows.
 */
export const ADDED_COLUMNS: readonly { readonly table: TableKey; readonly column: string; readonly definition: string }[] = [
  { table: "queueTable", column: "updated", definition: "TIMESTAMP WITH TIME ZONE DEFAULT NOW() NOT NULL" },
  { table: "queueTable", column: "heartbeat", definition: "TIMESTAMP WITH TIME ZONE DEFAULT NOW() NOT NULL" },
  { table: "queueTable", column: "queue_manager_id", definition: "UUID" },
  { table: "queueTable", column: "execute_after", definition: "TIMESTAMP WITH TIME ZONE DEFAULT NOW() NOT NULL" },
  { table: "queueTable", column: "dedupe_key", definition: "TEXT" },
  { table: "queueTable", column: "headers", definition: "JSONB" },
  { table: "queueTable", column: "attempts", definition: "INT NOT NULL DEFAULT 0" },
  { table: "queueTableLog", column: "traceback", definition: "JSONB DEFAULT NULL" },
  { table: "queueTableLog", column: "aggregated", definition: "BOOLEAN DEFAULT FALSE" },
];

/** One index: its name is the table's bare name followed by `suffix`. */
export interface IndexDefinition {
  readonly table: IndexedTableKey;
  readonly suffix: string;
  readonly unique: boolean;
  /** Everything after `ON <table>`: key list, INCLUDE and WHERE clauses. */
  readonly body: string;
  /** Whether a fresh install creates it; `upgrade` creates every index (CATALOGUE SQL-17). */
  readonly installed: boolean;
}

/** Every index, in install order (CATALOGUE SQL-4..SQL-6, SQL-17). */
export const INDEXES: readonly IndexDefinition[] = [
  { table: "queueTable", suffix: "_priority_id_id1_idx", unique: false, body: "(priority ASC, id DESC) INCLUDE (id) WHERE status = 'queued'", installed: true },
  { table: "queueTable", suffix: "_updated_id_id1_idx", unique: false, body: "(updated ASC, id DESC) INCLUDE (id) WHERE status = 'picked'", installed: true },
  { table: "queueTable", suffix: "_queue_manager_id_idx", unique: false, body: "(queue_manager_id) WHERE queue_manager_id IS NOT NULL", installed: true },
  { table: "queueTable", suffix: "_ep_prio_id_idx", unique: false, body: "(entrypoint, priority DESC, id ASC) WHERE status = 'queued'", installed: true },
  { table: "queueTable", suffix: "_ep_ea_idx", unique: false, body: "(entrypoint, execute_after) WHERE status = 'queued'", installed: true },
  { table: "queueTable", suffix: "_unique_dedupe_key", unique: true, body: "(dedupe_key) WHERE ((status IN ('queued', 'picked') AND dedupe_key IS NOT NULL))", installed: true },
  // Older PgQueuer versions created it; fresh installs never did. Upgrade keeps adding it so an
  // upgraded database matches what PgQueuer's own upgrade produces.
  { table: "queueTable", suffix: "_heartbeat_id_id1_idx", unique: false, body: "(heartbeat ASC, id DESC) INCLUDE (id) WHERE status = 'picked'", installed: false },
  { table: "queueTableLog", suffix: "_not_aggregated", unique: false, body: "((1)) WHERE not aggregated", installed: true },
  { table: "queueTableLog", suffix: "_created", unique: false, body: "(created)", installed: true },
  { table: "queueTableLog", suffix: "_status", unique: false, body: "(status)", installed: true },
  { table: "queueTableLog", suffix: "_job_id_status", unique: false, body: "(job_id, created DESC)", installed: true },
  {
    table: "statisticsTable",
    suffix: "_unique_count",
    unique: true,
    body: `(
    priority,
    DATE_TRUNC('sec', created at time zone 'UTC'),
    status,
    entrypoint
)`,
    installed: true,
  },
];

/** The labels of the status enum, in order (CATALOGUE SQL-2). */
export const STATUS_LABELS: readonly string[] = JOB_STATUSES;

/** Labels `upgrade` appends to an enum created by an older version (CATALOGUE SQL-17). */
export const ADDED_STATUS_LABELS: readonly string[] = ["successful", "exception", "canceled", "deleted", "failed"];

/** Bare (catalog) name of `index` under these settings. */
export function indexName(settings: Settings, index: Pick<IndexDefinition, "table" | "suffix">): string {
  return `${sqlNames(settings).bare[index.table]}${index.suffix}`;
}

/** `CREATE [UNIQUE] INDEX [IF NOT EXISTS] <name> ON <table> <body>`. */
export function buildCreateIndex(settings: Settings, index: IndexDefinition, ifNotExists: boolean): string {
  const n = sqlNames(settings);
  const unique = index.unique ? "UNIQUE " : "";
  // Appendix A already spells the dedupe index with IF NOT EXISTS; keep that byte for byte.
  const guard = ifNotExists || index.suffix === "_unique_dedupe_key" ? "IF NOT EXISTS " : "";
  return `CREATE ${unique}INDEX ${guard}${n.index(index.table, index.suffix)} ON ${n[index.table]} ${index.body}`;
}
