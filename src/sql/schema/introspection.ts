/**
 * Catalog queries (CATALOGUE SQL-31): what exists in the configured schema. Every name is a
 * `$n` parameter (lists as JSON text); the schema is `sqlNames(settings).schemaExpr`, i.e. the
 * configured schema or `current_schema()`.
 *
 * Two families: one-object probes (`has...`, each returning one row `{ present: boolean }`)
 * and list queries that read everything `verify` needs in a few round trips.
 *
 * @module
 */
import type { Settings } from "../../domain/settings.js";
import { sqlNames } from "../identifiers.js";

/** A read-only catalog query; structurally a driver `Statement`. */
export interface CatalogQuery {
  readonly text: string;
  readonly values: readonly string[];
}

const namespaceJoin = "JOIN pg_catalog.pg_namespace ns ON ns.oid";

function probe(text: string, values: readonly string[]): CatalogQuery {
  return { text: `SELECT EXISTS (${text}) AS present`, values };
}

/** Whether the schema the objects live in exists. */
export function buildHasSchemaQuery(settings: Settings): CatalogQuery {
  return probe(`SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${sqlNames(settings).schemaExpr}`, []);
}

/** Whether table `$1` exists (any persistence, partitioned included). */
export function buildHasTableQuery(settings: Settings, table: string): CatalogQuery {
  const schema = sqlNames(settings).schemaExpr;
  return probe(
    `SELECT 1 FROM pg_catalog.pg_class c ${namespaceJoin} = c.relnamespace
     WHERE ns.nspname = ${schema} AND c.relkind IN ('r', 'p') AND c.relname = $1`,
    [table],
  );
}

/** Whether table `$1` has column `$2`. */
export function buildTableHasColumnQuery(settings: Settings, table: string, column: string): CatalogQuery {
  const schema = sqlNames(settings).schemaExpr;
  return probe(
    `SELECT 1 FROM pg_catalog.pg_attribute a
     JOIN pg_catalog.pg_class c ON c.oid = a.attrelid ${namespaceJoin} = c.relnamespace
     WHERE ns.nspname = ${schema} AND c.relname = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [table, column],
  );
}

/** Whether table `$1` has an index named `$2`. */
export function buildTableHasIndexQuery(settings: Settings, table: string, index: string): CatalogQuery {
  return probe(`SELECT 1 FROM pg_catalog.pg_indexes WHERE schemaname = ${sqlNames(settings).schemaExpr} AND tablename = $1 AND indexname = $2`, [table, index]);
}

/** Whether a function named `$1` exists. */
export function buildHasFunctionQuery(settings: Settings, name: string): CatalogQuery {
  const schema = sqlNames(settings).schemaExpr;
  return probe(`SELECT 1 FROM pg_catalog.pg_proc p ${namespaceJoin} = p.pronamespace WHERE ns.nspname = ${schema} AND p.proname = $1`, [name]);
}

/** Whether a (user) trigger named `$1` exists on a table of the schema. */
export function buildHasTriggerQuery(settings: Settings, name: string): CatalogQuery {
  const schema = sqlNames(settings).schemaExpr;
  return probe(
    `SELECT 1 FROM pg_catalog.pg_trigger t
     JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid ${namespaceJoin} = c.relnamespace
     WHERE ns.nspname = ${schema} AND NOT t.tgisinternal AND t.tgname = $1`,
    [name],
  );
}

/** Whether enum type `$2` has label `$1`. */
export function buildHasEnumLabelQuery(settings: Settings, label: string, type: string): CatalogQuery {
  const schema = sqlNames(settings).schemaExpr;
  return probe(
    `SELECT 1 FROM pg_catalog.pg_enum e
     JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid ${namespaceJoin} = t.typnamespace
     WHERE ns.nspname = ${schema} AND e.enumlabel = $1 AND t.typname = $2`,
    [label, type],
  );
}

/** Rows `{ name, persistence }` (`p` logged, `u` unlogged) for the tables named in `$1`. */
export function buildListTablesQuery(settings: Settings, tables: readonly string[]): CatalogQuery {
  return {
    text: `SELECT c.relname AS name, c.relpersistence::text AS persistence
FROM pg_catalog.pg_class c ${namespaceJoin} = c.relnamespace
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND c.relkind IN ('r', 'p')
  AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    values: [JSON.stringify(tables)],
  };
}

/**
 * One row per table named in `$1` that exists, `{ server, name, reloptions }`, or a single row
 * with `name` NULL when none does: `server` is the server's `autovacuum` setting, `reloptions`
 * the table's storage parameters (`autovacuum_enabled=false` turns autovacuum off for it).
 */
export function buildAutovacuumStateQuery(settings: Settings, tables: readonly string[]): CatalogQuery {
  return {
    text: `SELECT current_setting('autovacuum') AS server, t.name, t.reloptions
FROM (SELECT 1) AS one
LEFT JOIN (
    SELECT c.relname AS name, c.reloptions
    FROM pg_catalog.pg_class c ${namespaceJoin} = c.relnamespace
    WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND c.relkind IN ('r', 'p')
      AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))
) AS t ON true`,
    values: [JSON.stringify(tables)],
  };
}

/** Rows `{ table_name, column_name, data_type }` for the tables named in `$1`, in column order. */
export function buildListColumnsQuery(settings: Settings, tables: readonly string[]): CatalogQuery {
  return {
    text: `SELECT c.relname AS table_name, a.attname AS column_name, pg_catalog.format_type(a.atttypid, NULL) AS data_type
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid ${namespaceJoin} = c.relnamespace
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY c.relname, a.attnum`,
    values: [JSON.stringify(tables)],
  };
}

/**
 * Rows `{ table_name, index_name, definition, key_count, constant_key }` for the indexes of
 * the tables named in `$1`; `constant_key` is true for a single expression key, the shape of
 * the current `<log>_not_aggregated` index.
 */
export function buildListIndexesQuery(settings: Settings, tables: readonly string[]): CatalogQuery {
  return {
    text: `SELECT c.relname AS table_name, ic.relname AS index_name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       i.indnatts::int AS key_count, (i.indnatts = 1 AND i.indkey[0] = 0) AS constant_key
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid ${namespaceJoin} = c.relnamespace
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND c.relname IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY c.relname, ic.relname`,
    values: [JSON.stringify(tables)],
  };
}

/** Rows `{ name, label }` for the enum types named in `$1`, labels in order (`label` null for an empty enum). */
export function buildListEnumLabelsQuery(settings: Settings, types: readonly string[]): CatalogQuery {
  return {
    text: `SELECT t.typname AS name, e.enumlabel::text AS label
FROM pg_catalog.pg_type t ${namespaceJoin} = t.typnamespace
LEFT JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND t.typtype = 'e'
  AND t.typname IN (SELECT jsonb_array_elements_text($1::jsonb))
ORDER BY t.typname, e.enumsortorder`,
    values: [JSON.stringify(types)],
  };
}

/** Rows `{ name, arguments }` for the functions named in `$1`. */
export function buildListFunctionsQuery(settings: Settings, functions: readonly string[]): CatalogQuery {
  return {
    text: `SELECT p.proname AS name, pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments
FROM pg_catalog.pg_proc p ${namespaceJoin} = p.pronamespace
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND p.proname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    values: [JSON.stringify(functions)],
  };
}

/** Rows `{ name, table_name, type, function_name }` for the user triggers named in `$1` (`type` = `pg_trigger.tgtype`). */
export function buildListTriggersQuery(settings: Settings, triggers: readonly string[]): CatalogQuery {
  return {
    text: `SELECT t.tgname AS name, c.relname AS table_name, t.tgtype::int AS type, p.proname AS function_name
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid ${namespaceJoin} = c.relnamespace
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
WHERE ns.nspname = ${sqlNames(settings).schemaExpr} AND NOT t.tgisinternal
  AND t.tgname IN (SELECT jsonb_array_elements_text($1::jsonb))`,
    values: [JSON.stringify(triggers)],
  };
}
