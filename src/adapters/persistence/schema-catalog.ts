/**
 * A snapshot of what the database catalogs say about PgQueuer's objects, read in a handful of
 * queries (the SQL lives in sql/schema/introspection.ts). `verify` and `verifyStructure` both
 * judge the same snapshot, so they never disagree about what exists.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import type { Driver } from "../../ports/driver.js";
import { sqlNames } from "../../sql/identifiers.js";
import {
  buildHasSchemaQuery,
  buildListColumnsQuery,
  buildListEnumLabelsQuery,
  buildListFunctionsQuery,
  buildListIndexesQuery,
  buildListTablesQuery,
  buildListTriggersQuery,
  enqueueFunctionBareName,
  TABLE_KEYS,
} from "../../sql/schema.js";

/** Table persistence as the catalog stores it. */
export type Persistence = "logged" | "unlogged";

/** One index as found in the catalog. */
export interface IndexSnapshot {
  /** `pg_get_indexdef` output. */
  readonly definition: string;
  readonly keyCount: number;
  /** A single expression key (the shape of the current `<log>_not_aggregated` index). */
  readonly constantKey: boolean;
}

/** One trigger as found in the catalog. */
export interface TriggerSnapshot {
  readonly table: string;
  /** `pg_trigger.tgtype` (60 for PgQueuer's statement-level AFTER I/U/D/T trigger). */
  readonly type: number;
  readonly functionName: string;
}

/** Everything the catalogs say about the configured objects; keys are bare catalog names. */
export interface CatalogSnapshot {
  readonly schemaExists: boolean;
  readonly tables: ReadonlyMap<string, Persistence>;
  /** Per table: column name to `format_type` (e.g. `bigint`, `"s".pgqueuer_status`). */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly indexes: ReadonlyMap<string, ReadonlyMap<string, IndexSnapshot>>;
  /** Per enum type: its labels, in order. */
  readonly enums: ReadonlyMap<string, readonly string[]>;
  readonly functions: ReadonlySet<string>;
  readonly triggers: ReadonlyMap<string, TriggerSnapshot>;
}

function groupBy<V>(rows: readonly { key: string; name: string; value: V }[]): Map<string, Map<string, V>> {
  const grouped = new Map<string, Map<string, V>>();
  for (const row of rows) {
    const group = grouped.get(row.key) ?? new Map<string, V>();
    group.set(row.name, row.value);
    grouped.set(row.key, group);
  }
  return grouped;
}

/** Read the snapshot for `settings` (read-only queries). */
export async function readCatalog(driver: Driver, settings: Settings): Promise<CatalogSnapshot> {
  const n = sqlNames(settings);
  const tables = TABLE_KEYS.map((key) => n.bare[key]);
  const [schemaRows, tableRows, columnRows, indexRows, enumRows, functionRows, triggerRows] = await Promise.all([
    driver.query<{ present: boolean }>(buildHasSchemaQuery(settings)),
    driver.query<{ name: string; persistence: string }>(buildListTablesQuery(settings, tables)),
    driver.query<{ table_name: string; column_name: string; data_type: string }>(buildListColumnsQuery(settings, tables)),
    driver.query<{ table_name: string; index_name: string; definition: string; key_count: number; constant_key: boolean }>(buildListIndexesQuery(settings, tables)),
    driver.query<{ name: string; label: string | null }>(buildListEnumLabelsQuery(settings, [n.bare.statusType, settings.names.legacyStatisticsStatusType])),
    driver.query<{ name: string }>(buildListFunctionsQuery(settings, [n.bare.function, enqueueFunctionBareName(settings)])),
    driver.query<{ name: string; table_name: string; type: number; function_name: string }>(buildListTriggersQuery(settings, [n.bare.trigger])),
  ]);

  const enums = new Map<string, string[]>();
  for (const row of enumRows) {
    const labels = enums.get(row.name) ?? [];
    if (row.label !== null) labels.push(row.label);
    enums.set(row.name, labels);
  }
  return {
    schemaExists: schemaRows[0]?.present === true,
    tables: new Map(tableRows.map((row) => [row.name, row.persistence === "u" ? "unlogged" : "logged"])),
    columns: groupBy(columnRows.map((row) => ({ key: row.table_name, name: row.column_name, value: row.data_type }))),
    indexes: groupBy(
      indexRows.map((row) => ({
        key: row.table_name,
        name: row.index_name,
        value: { definition: row.definition, keyCount: Number(row.key_count), constantKey: row.constant_key },
      })),
    ),
    enums,
    functions: new Set(functionRows.map((row) => row.name)),
    triggers: new Map(triggerRows.map((row) => [row.name, { table: row.table_name, type: Number(row.type), functionName: row.function_name }])),
  };
}
