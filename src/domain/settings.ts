/**
 * Settings: the names of every database object (with an optional prefix and schema), and the
 * durability level. Resolved once, from options first and `PGQUEUER_*` environment variables
 * second (CATALOGUE CFG-1..CFG-17), validated, and frozen.
 *
 * @module
 */
import { InvalidArgumentError } from "./errors.js";
import type { Durability } from "./types.js";

/** The object names a user may override one by one. */
export interface ObjectNames {
  /** Queue table (`pgqueuer`). */
  readonly queueTable: string;
  /** Log table (`pgqueuer_log`). */
  readonly queueTableLog: string;
  /** Statistics table (`pgqueuer_statistics`). */
  readonly statisticsTable: string;
  /** Schedules table (`pgqueuer_schedules`). */
  readonly schedulesTable: string;
  /** Status enum type (`pgqueuer_status`). */
  readonly queueStatusType: string;
  /** Trigger function (`fn_pgqueuer_changed`). */
  readonly function: string;
  /** Trigger (`tg_pgqueuer_changed`). */
  readonly trigger: string;
  /** NOTIFY channel (`ch_pgqueuer`); database-global, never schema-qualified. */
  readonly channel: string;
  /**
   * Extension table (not PgQueuer's): per-entrypoint state shared by every worker, such as the
   * paused flag (`pgqueuer_entrypoint_state`). Created by `install` and `upgrade`.
   */
  readonly entrypointStateTable: string;
  /** Extension table (not PgQueuer's): stored job results (`pgqueuer_results`). */
  readonly resultsTable: string;
}

/** What users may pass as `settings` to any constructor. */
export interface SettingsOptions extends Partial<ObjectNames> {
  /** Prepended to every default name (`acme_` → `acme_pgqueuer`); explicit names are not prefixed. */
  readonly prefix?: string;
  /** PostgreSQL schema holding the objects; a single identifier, lower-cased. */
  readonly schema?: string;
  /** Which tables are UNLOGGED; default `durable` (none). */
  readonly durability?: Durability;
  /** Whether `upgrade` widens legacy INT ids to BIGINT (default true). */
  readonly widenId?: boolean;
}

/** Resolved, validated settings. */
export interface Settings {
  readonly prefix: string;
  readonly schema: string | null;
  readonly durability: Durability;
  readonly widenId: boolean;
  readonly names: ObjectNames & {
    /** The pre-1.0 statistics enum, dropped by uninstall. */
    readonly legacyStatisticsStatusType: string;
  };
}

/** The durability levels, from least to most crash-safe. */
export const DURABILITY_LEVELS: readonly Durability[] = ["volatile", "balanced", "durable"];

const DEFAULT_NAMES: ObjectNames = {
  queueTable: "pgqueuer",
  queueTableLog: "pgqueuer_log",
  statisticsTable: "pgqueuer_statistics",
  schedulesTable: "pgqueuer_schedules",
  queueStatusType: "pgqueuer_status",
  function: "fn_pgqueuer_changed",
  trigger: "tg_pgqueuer_changed",
  channel: "ch_pgqueuer",
  entrypointStateTable: "pgqueuer_entrypoint_state",
  resultsTable: "pgqueuer_results",
};

/** Environment field for each name (`PGQUEUER_<FIELD>`, or the legacy bare `<FIELD>`). */
const ENV_FIELDS: Record<keyof ObjectNames, string> = {
  queueTable: "QUEUE_TABLE",
  queueTableLog: "QUEUE_TABLE_LOG",
  statisticsTable: "STATISTICS_TABLE",
  schedulesTable: "SCHEDULES_TABLE",
  queueStatusType: "QUEUE_STATUS_TYPE",
  function: "FUNCTION",
  trigger: "TRIGGER",
  channel: "CHANNEL",
  entrypointStateTable: "ENTRYPOINT_STATE_TABLE",
  resultsTable: "RESULTS_TABLE",
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** PostgreSQL truncates identifiers beyond 63 bytes; we refuse them instead. */
const MAX_IDENTIFIER = 63;
/** Longest suffix appended to a table name to name its indexes (`_heartbeat_id_id1_idx`). */
const LONGEST_INDEX_SUFFIX = 21;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Resolve settings from `options`, then the environment, then the defaults.
 * @throws InvalidArgumentError naming the setting when a value is invalid.
 */
export function resolveSettings(options: SettingsOptions = {}, env: Env = process.env): Settings {
  const prefix = options.prefix ?? env.PGQUEUER_PREFIX ?? "";
  if (prefix !== "" && !IDENTIFIER.test(prefix)) {
    throw new InvalidArgumentError("prefix", `must start with a letter or underscore and contain only letters, digits and underscores, got ${JSON.stringify(prefix)}`);
  }
  const rawSchema = options.schema ?? env.PGQUEUER_SCHEMA ?? "";
  if (rawSchema !== "" && (!IDENTIFIER.test(rawSchema) || rawSchema.length > MAX_IDENTIFIER)) {
    throw new InvalidArgumentError("schema", `must be a single unquoted identifier (letters, digits, underscores; no dots), got ${JSON.stringify(rawSchema)}`);
  }
  const schema = rawSchema === "" ? null : rawSchema.toLowerCase();

  const names = {} as Record<keyof ObjectNames, string>;
  for (const key of Object.keys(DEFAULT_NAMES) as (keyof ObjectNames)[]) {
    const explicit = options[key] ?? env[`PGQUEUER_${ENV_FIELDS[key]}`] ?? env[ENV_FIELDS[key]];
    names[key] = validateName(key, explicit ?? `${prefix}${DEFAULT_NAMES[key]}`, schema, key !== "channel");
  }
  for (const [key, suffix] of [["queueTable", LONGEST_INDEX_SUFFIX], ["queueTableLog", 15], ["statisticsTable", 13]] as const) {
    const bare = names[key].split(".").pop() ?? "";
    if (bare.length + suffix > MAX_IDENTIFIER) {
      throw new InvalidArgumentError(key, `${JSON.stringify(bare)} is too long: index names derived from it would exceed ${MAX_IDENTIFIER} characters`);
    }
  }

  const durability = options.durability ?? env.PGQUEUER_DURABILITY ?? env.DURABILITY ?? "durable";
  if (!(DURABILITY_LEVELS as readonly string[]).includes(durability)) {
    throw new InvalidArgumentError("durability", `'${durability}' is not a valid durability; expected one of ${DURABILITY_LEVELS.join(", ")}`);
  }
  const widenId = options.widenId ?? parseBoolean("widenId", env.PGQUEUER_WIDEN_ID ?? env.WIDEN_ID) ?? true;

  return Object.freeze({
    prefix,
    schema,
    durability: durability as Durability,
    widenId,
    names: Object.freeze({ ...names, legacyStatisticsStatusType: `${prefix}pgqueuer_statistics_status`.toLowerCase() }),
  });
}

/** Parse a boolean environment value (`true/false/1/0/yes/no/on/off`). */
export function parseBoolean(setting: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const normalized = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(normalized)) return true;
  if (["0", "false", "no", "off"].includes(normalized)) return false;
  throw new InvalidArgumentError(setting, `expected a boolean (true/false), got ${JSON.stringify(value)}`);
}

function validateName(setting: keyof ObjectNames, name: string, schema: string | null, foldCase: boolean): string {
  const parts = name.split(".");
  if (parts.length > 1 && setting === "channel") {
    throw new InvalidArgumentError(setting, `the channel is database-global and cannot be schema-qualified, got ${JSON.stringify(name)}`);
  }
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part) || part.length > MAX_IDENTIFIER)) {
    throw new InvalidArgumentError(setting, `${JSON.stringify(name)} is not a valid identifier (letters, digits and underscores, at most ${MAX_IDENTIFIER} characters, optionally "schema.name")`);
  }
  if (parts.length === 2 && schema !== null) {
    throw new InvalidArgumentError(setting, `object name '${name}' already contains a schema qualifier; drop the dot or unset the schema setting (PGQUEUER_SCHEMA)`);
  }
  // Unquoted identifiers fold to lower case in PostgreSQL (and in Python PgQueuer's SQL); we
  // quote every identifier, so fold here to address the very same objects.
  return foldCase ? name.toLowerCase() : name;
}
