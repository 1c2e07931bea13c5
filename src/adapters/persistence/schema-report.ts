/**
 * Judging a {@link CatalogSnapshot}: the full verification report, the present/absent check
 * of `pgq verify --expect`, and the runtime's structure check with PgQueuer's messages
 * (CATALOGUE QM-2, ERR-10, ERR-12..ERR-16). Pure functions, no I/O.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import type { Durability } from "../../domain/types.js";
import { sqlNames } from "../../sql/identifiers.js";
import { enqueueFunctionBareName, INDEXES, indexName, STATUS_LABELS, TABLE_COLUMNS, TABLE_KEYS, unloggedTables, type TableKey } from "../../sql/schema.js";
import type { CatalogSnapshot, Persistence } from "./schema-catalog.js";

/** `pg_trigger.tgtype` of an AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE statement trigger. */
export const STATEMENT_TRIGGER_TYPE = 60;

/** The kinds of object a report lists. */
export type SchemaObjectKind = "schema" | "enum" | "enum label" | "table" | "column" | "index" | "function" | "trigger";

/** One expected object and whether it exists. */
export interface SchemaObjectStatus {
  readonly kind: SchemaObjectKind;
  /** Catalog name: `pgqueuer`, `pgqueuer.updated` (column), `pgqueuer_status.failed` (label). */
  readonly name: string;
  readonly present: boolean;
  /** For tables that exist: their persistence. */
  readonly persistence?: Persistence;
}

/** What `verify()` returns. */
export interface SchemaReport {
  /** True when nothing required is missing. */
  readonly ok: boolean;
  /** Every expected object, present or not. */
  readonly objects: readonly SchemaObjectStatus[];
  /**
   * Missing objects as `<kind> '<name>'`. Columns and indexes of a missing table, and labels of
   * a missing enum, are implied by their parent and not listed again.
   */
  readonly missing: readonly string[];
  /**
   * Objects that exist but differ from what this version expects: persistence other than the
   * settings' durability, 32-bit ids, a non-statement-level trigger, the legacy
   * `<log>_not_aggregated` index, a statistics status column off the shared enum. `upgrade`
   * (or `setDurability`) fixes them; none stops a worker.
   */
  readonly unexpected: readonly string[];
  /** Persistence of each table that exists, by catalog name. */
  readonly persistence: Readonly<Record<string, Persistence>>;
  /** Whether the optional SQL enqueue function is installed. */
  readonly enqueueFunction: boolean;
  /**
   * Optional extension tables of this library (not PgQueuer's), by settings key, and whether
   * each exists; `pgq upgrade` creates missing ones. Filled by `SchemaManager.verify()`.
   */
  readonly extensions?: Readonly<Record<"entrypointStateTable" | "resultsTable", boolean>>;
}

/** What `verifyExpect()` returns: the `pgq verify --expect present|absent` verdict. */
export interface ExpectationResult {
  readonly ok: boolean;
  /** One line per mismatch: `missing table 'pgqueuer'`, `unexpected trigger 'tg_pgqueuer_changed'`, ... */
  readonly problems: readonly string[];
  /** The line to print when `ok` (CATALOGUE CLI-7). */
  readonly message: string;
}

const describe = (kind: SchemaObjectKind, name: string): string => `${kind} '${name}'`;

/** Build the full report. */
export function buildSchemaReport(snapshot: CatalogSnapshot, settings: Settings, durability: Durability = settings.durability): SchemaReport {
  const n = sqlNames(settings);
  const objects: SchemaObjectStatus[] = [];
  const missing: string[] = [];
  const unexpected: string[] = [];
  const note = (kind: SchemaObjectKind, name: string, present: boolean, listMissing = true): void => {
    objects.push({ kind, name, present });
    if (!present && listMissing) missing.push(describe(kind, name));
  };

  if (settings.schema !== null) note("schema", settings.schema, snapshot.schemaExists);

  const enumLabels = snapshot.enums.get(n.bare.statusType);
  note("enum", n.bare.statusType, enumLabels !== undefined);
  for (const label of STATUS_LABELS) note("enum label", `${n.bare.statusType}.${label}`, enumLabels?.includes(label) === true, enumLabels !== undefined);

  const expectedUnlogged = unloggedTables(durability);
  const persistence: Record<string, Persistence> = {};
  for (const key of TABLE_KEYS) {
    const table = n.bare[key];
    const found = snapshot.tables.get(table);
    objects.push({ kind: "table", name: table, present: found !== undefined, ...(found === undefined ? {} : { persistence: found }) });
    if (found === undefined) {
      missing.push(describe("table", table));
    } else {
      persistence[table] = found;
      const expected: Persistence = expectedUnlogged[unloggedKey(key)] ? "unlogged" : "logged";
      if (found !== expected) unexpected.push(`table '${table}' is ${found.toUpperCase()} but durability '${durability}' expects ${expected.toUpperCase()}`);
    }
    const columns = snapshot.columns.get(table);
    for (const column of TABLE_COLUMNS[key]) note("column", `${table}.${column}`, columns?.has(column) === true, found !== undefined);
    const idType = columns?.get("id");
    if (key !== "queueTableLog" && idType === "integer") unexpected.push(`column '${table}.id' is integer, not bigint: run upgrade to widen it`);
  }

  for (const index of INDEXES.filter((candidate) => candidate.installed)) {
    const table = n.bare[index.table];
    const name = indexName(settings, index);
    const found = snapshot.indexes.get(table)?.get(name);
    note("index", name, found !== undefined, snapshot.tables.has(table));
    if (index.suffix === "_not_aggregated" && found !== undefined && !found.constantKey) {
      unexpected.push(`index '${name}' has the legacy ${found.keyCount}-column form: run upgrade to replace it`);
    }
  }

  const statisticsStatus = snapshot.columns.get(n.bare.statisticsTable)?.get("status");
  if (statisticsStatus !== undefined && enumLabels !== undefined && !isType(statisticsStatus, n.bare.statusType)) {
    unexpected.push(`column '${n.bare.statisticsTable}.status' has type ${statisticsStatus}, not ${n.bare.statusType}: run upgrade`);
  }

  note("function", n.bare.function, snapshot.functions.has(n.bare.function));
  const trigger = snapshot.triggers.get(n.bare.trigger);
  const triggerOnQueue = trigger !== undefined && trigger.table === n.bare.queueTable;
  note("trigger", n.bare.trigger, triggerOnQueue, snapshot.tables.has(n.bare.queueTable));
  if (triggerOnQueue && trigger.type !== STATEMENT_TRIGGER_TYPE) {
    unexpected.push(`trigger '${n.bare.trigger}' has tgtype ${trigger.type}, expected ${STATEMENT_TRIGGER_TYPE} (statement-level AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE)`);
  }

  return {
    ok: missing.length === 0,
    objects,
    missing,
    unexpected,
    persistence,
    enqueueFunction: snapshot.functions.has(enqueueFunctionBareName(settings)),
  };
}

/** `format_type` output names the type possibly schema-qualified and quoted. */
function isType(formatted: string, bare: string): boolean {
  const last = formatted.split(".").pop() ?? formatted;
  return last.replaceAll('"', "") === bare;
}

function unloggedKey(key: TableKey): "queue" | "log" | "statistics" | "schedules" {
  switch (key) {
    case "queueTable":
      return "queue";
    case "queueTableLog":
      return "log";
    case "statisticsTable":
      return "statistics";
    case "schedulesTable":
      return "schedules";
  }
}

/**
 * The `pgq verify --expect` check (CATALOGUE CLI-7): the four tables, the trigger function and
 * the trigger, each either all present or all absent.
 */
export function checkExpectation(snapshot: CatalogSnapshot, settings: Settings, expect: "present" | "absent"): ExpectationResult {
  const n = sqlNames(settings);
  const checks: { kind: SchemaObjectKind; name: string; present: boolean }[] = [
    ...TABLE_KEYS.map((key) => ({ kind: "table" as const, name: n.bare[key], present: snapshot.tables.has(n.bare[key]) })),
    { kind: "function", name: n.bare.function, present: snapshot.functions.has(n.bare.function) },
    { kind: "trigger", name: n.bare.trigger, present: snapshot.triggers.has(n.bare.trigger) },
  ];
  const wantPresent = expect === "present";
  const problems = checks.filter((check) => check.present !== wantPresent).map((check) => `${wantPresent ? "missing" : "unexpected"} ${describe(check.kind, check.name)}`);
  return {
    ok: problems.length === 0,
    problems,
    message: wantPresent ? "All required PgQueuer database objects are present." : "No PgQueuer database objects found",
  };
}

/** Columns the worker cannot run without (CATALOGUE QM-2), in PgQueuer's order. */
const REQUIRED_COLUMNS: readonly [TableKey, string][] = [
  ["queueTable", "updated"],
  ["queueTable", "heartbeat"],
  ["queueTable", "queue_manager_id"],
  ["queueTable", "execute_after"],
  ["queueTable", "headers"],
  ["queueTable", "attempts"],
  ["queueTableLog", "traceback"],
];

/** Enum labels the worker writes that older installs lack. */
const REQUIRED_LABELS: readonly string[] = ["canceled", "failed"];

/**
 * The first structural problem that stops a worker, as PgQueuer words it (CATALOGUE ERR-12..
 * ERR-16), or null when the schema is complete enough to run.
 */
export function findStructureProblem(snapshot: CatalogSnapshot, settings: Settings): string | null {
  const n = sqlNames(settings);
  for (const table of [n.bare.queueTable, n.bare.statisticsTable]) {
    if (!snapshot.tables.has(table)) return `The required table '${table}' is missing. Please run 'pgq install' to set up the necessary tables.`;
  }
  if (!snapshot.tables.has(n.bare.queueTableLog)) return `The ${n.bare.queueTableLog} table is missing please run 'pgq upgrade'`;
  for (const [key, column] of REQUIRED_COLUMNS) {
    const table = n.bare[key];
    if (snapshot.columns.get(table)?.has(column) !== true) {
      return `The required column '${column}' is missing in the '${table}' table. Please run 'pgq upgrade' to ensure all schema changes are applied.`;
    }
  }
  const labels = snapshot.enums.get(n.bare.statusType) ?? [];
  for (const label of REQUIRED_LABELS) {
    if (!labels.includes(label)) return `The ${n.bare.statusType} is missing the '${label}' type, please run 'pgq upgrade'`;
  }
  const jobIndex = indexName(settings, { table: "queueTableLog", suffix: "_job_id_status" });
  if (snapshot.indexes.get(n.bare.queueTableLog)?.has(jobIndex) !== true) {
    return `The required index '${jobIndex}' is missing in the '${n.bare.queueTableLog}' table. Please run 'pgq upgrade' to ensure all schema changes are applied.`;
  }
  return null;
}

/** The scheduler's structure check (CATALOGUE ERR-10): schedules and log tables must exist. */
export function findSchedulerStructureProblem(snapshot: CatalogSnapshot, settings: Settings): string | null {
  const n = sqlNames(settings);
  for (const table of [n.bare.schedulesTable, n.bare.queueTableLog]) {
    if (!snapshot.tables.has(table)) return `The ${table} table is missing please run 'pgq upgrade'`;
  }
  return null;
}
