/**
 * Identifiers, validated once in settings and quoted here: the single place that turns a
 * name into SQL text. Values never go through here; they are always `$n` parameters.
 *
 * @module
 */
import type { Settings } from "../domain/settings.js";

/** Double-quote an identifier (doubling any embedded quote). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quote a string literal (for DDL, where parameters are not allowed). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quote a possibly dotted `schema.name`. */
function quoteDotted(name: string): string {
  return name.split(".").map(quoteIdent).join(".");
}

/** The quoted SQL names of every object, built from settings. */
export interface SqlNames {
  /** Tables, enum and function: schema-qualified when a schema is set. */
  readonly queueTable: string;
  readonly queueTableLog: string;
  readonly statisticsTable: string;
  readonly schedulesTable: string;
  /** Extension tables (not PgQueuer's). */
  readonly entrypointStateTable: string;
  readonly resultsTable: string;
  readonly statusType: string;
  readonly legacyStatisticsStatusType: string;
  readonly function: string;
  /** Trigger and index names are never qualified. */
  readonly trigger: string;
  /** Quoted, unqualified index name for `suffix` on table `table`. */
  index(table: "queueTable" | "queueTableLog" | "statisticsTable", suffix: string): string;
  /** Bare (unquoted, unqualified) names, as they appear in the catalogs. */
  readonly bare: {
    readonly queueTable: string;
    readonly queueTableLog: string;
    readonly statisticsTable: string;
    readonly schedulesTable: string;
    readonly entrypointStateTable: string;
    readonly resultsTable: string;
    readonly statusType: string;
    readonly function: string;
    readonly trigger: string;
  };
  /** The schema the objects live in, quoted, or null for the session's current schema. */
  readonly schema: string | null;
  /** SQL expression for the schema name, for catalog queries. */
  readonly schemaExpr: string;
  /** The NOTIFY channel, as a raw string (send it as a parameter, or through quoteLiteral in DDL). */
  readonly channel: string;
}

const cache = new WeakMap<Settings, SqlNames>();

/** Build (once per settings object) the quoted names. */
export function sqlNames(settings: Settings): SqlNames {
  const cached = cache.get(settings);
  if (cached) return cached;
  const { names, schema } = settings;
  const qualify = (name: string): string => (schema === null ? quoteDotted(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`);
  const bareOf = (name: string): string => name.split(".").pop() ?? name;
  const schemaOf = (name: string): string | null => (name.includes(".") ? (name.split(".")[0] ?? null) : null);
  const built: SqlNames = {
    queueTable: qualify(names.queueTable),
    queueTableLog: qualify(names.queueTableLog),
    statisticsTable: qualify(names.statisticsTable),
    schedulesTable: qualify(names.schedulesTable),
    entrypointStateTable: qualify(names.entrypointStateTable),
    resultsTable: qualify(names.resultsTable),
    statusType: qualify(names.queueStatusType),
    legacyStatisticsStatusType: qualify(names.legacyStatisticsStatusType),
    function: qualify(names.function),
    trigger: quoteIdent(bareOf(names.trigger)),
    index: (table, suffix) => quoteIdent(`${bareOf(names[table])}${suffix}`),
    bare: {
      queueTable: bareOf(names.queueTable),
      queueTableLog: bareOf(names.queueTableLog),
      statisticsTable: bareOf(names.statisticsTable),
      schedulesTable: bareOf(names.schedulesTable),
      entrypointStateTable: bareOf(names.entrypointStateTable),
      resultsTable: bareOf(names.resultsTable),
      statusType: bareOf(names.queueStatusType),
      function: bareOf(names.function),
      trigger: bareOf(names.trigger),
    },
    schema: schema === null ? null : quoteIdent(schema),
    schemaExpr: schema !== null ? quoteLiteral(schema) : schemaOf(names.queueTable) !== null ? quoteLiteral(schemaOf(names.queueTable) ?? "") : "current_schema()",
    channel: names.channel,
  };
  cache.set(settings, built);
  return built;
}
