/**
 * {@link SchemaManager}: installs, upgrades, verifies and removes PgQueuer's schema through a
 * {@link Driver}. The CLI (`pgq install|upgrade|uninstall|verify|durability|autovac`) and
 * `pgq.queries.install()` etc. are thin wrappers over it. Every statement comes from
 * sql/schema.ts; this class only decides how they run (in one transaction, or one by one).
 *
 * @module
 */
import { DatabaseError, InvalidArgumentError, PgQueuerTypeError, SchemaError } from "../../domain/errors.js";
import { DURABILITY_LEVELS, type Settings } from "../../domain/settings.js";
import type { Durability } from "../../domain/types.js";
import type { Driver } from "../../ports/driver.js";
import {
  buildAutovacuumStateQuery,
  buildAutovacuumStatements,
  buildCreateEnqueueFunction,
  buildDropEnqueueFunction,
  buildDropExtensionStatements,
  buildDurabilityStatements,
  buildExtensionStatements,
  buildHasEnumLabelQuery,
  buildHasFunctionQuery,
  buildHasTableQuery,
  buildHasTriggerQuery,
  buildInstallStatements,
  buildTableHasColumnQuery,
  buildTableHasIndexQuery,
  buildUninstallStatements,
  buildUpgradeStatements,
  buildListTablesQuery,
  EXTENSION_TABLE_KEYS,
  type CatalogQuery,
  type InstallOptions,
} from "../../sql/schema.js";
import { sqlNames } from "../../sql/identifiers.js";
import { autovacuumWarnings, type AutovacuumStateRow } from "./autovacuum-state.js";
import { readCatalog, type CatalogSnapshot } from "./schema-catalog.js";
import { buildSchemaReport, checkExpectation, findSchedulerStructureProblem, findStructureProblem, type ExpectationResult, type SchemaReport } from "./schema-report.js";

export type { ExpectationResult, SchemaObjectKind, SchemaObjectStatus, SchemaReport } from "./schema-report.js";
export type { CatalogSnapshot, Persistence } from "./schema-catalog.js";
export type { InstallOptions } from "../../sql/schema.js";

/** SQLSTATEs of "already exists" (duplicate_object, duplicate_table). */
const ALREADY_EXISTS = new Set(["42710", "42P07"]);

/** Schema lifecycle over one driver and one set of settings. */
export class SchemaManager {
  readonly #driver: Driver;
  readonly #settings: Settings;

  /**
   * @param driver where the statements run (a pool, a client, PGlite, or a transaction's `tx`).
   * @param settings names, schema, durability and `widenId`.
   */
  constructor(driver: Driver, settings: Settings) {
    this.#driver = driver;
    this.#settings = settings;
  }

  /** The settings this manager builds its statements from. */
  get settings(): Settings {
    return this.#settings;
  }

  /**
   * Create every object (CATALOGUE SQL-1) in one transaction, so a failure leaves nothing
   * half-installed. Not idempotent (CATALOGUE ERR-33): on an installed database it fails with
   * a {@link DatabaseError} saying so; use {@link upgrade} there.
   *
   * @throws InvalidArgumentError for a bad option, before any SQL runs.
   * @throws DatabaseError from the database (e.g. `createSchema: false` with a missing schema,
   *   SQLSTATE 3F000).
   */
  async install(options: InstallOptions = {}): Promise<void> {
    validateInstallOptions(options);
    // PgQueuer's objects, then this library's extension tables, in the same transaction.
    const statements = [...buildInstallStatements(this.#settings, options), ...buildExtensionStatements(this.#settings)];
    try {
      await this.#inTransaction(statements);
    } catch (error) {
      if (error instanceof DatabaseError && error.code !== undefined && ALREADY_EXISTS.has(error.code)) {
        throw new DatabaseError(`PgQueuer is already installed (${error.message}); run upgrade to update an existing schema, or uninstall first`, {
          code: error.code,
          ...(error.detail === undefined ? {} : { detail: error.detail }),
          cause: error,
        });
      }
      throw error;
    }
  }

  /** Drop every object, all `IF EXISTS`, in one transaction; never fails when nothing is installed. */
  async uninstall(): Promise<void> {
    await this.#inTransaction([...buildDropExtensionStatements(this.#settings), ...buildUninstallStatements(this.#settings)]);
  }

  /**
   * Bring an older schema up to date (CATALOGUE SQL-17..SQL-23). Idempotent. Statements run
   * one at a time, each in its own transaction, because later ones use enum labels the first
   * ones add; rerun after a failure.
   *
   * @throws SchemaError when the queue or statistics table is missing (install first).
   */
  async upgrade(): Promise<void> {
    const snapshot = await readCatalog(this.#driver, this.#settings);
    const problem = findStructureProblem(snapshot, this.#settings);
    if (problem !== null && problem.includes("'pgq install'")) throw new SchemaError(problem);
    for (const text of buildUpgradeStatements(this.#settings)) await this.#driver.execute({ text });
    await this.installExtensions();
  }

  /**
   * Create this library's extension tables (paused entrypoints, job results) when missing;
   * idempotent. `install` and `upgrade` both do it; PgQueuer's own objects are not touched.
   */
  async installExtensions(): Promise<void> {
    await this.#inTransaction(buildExtensionStatements(this.#settings));
  }

  /**
   * Which extension tables exist, by settings key. A database installed by Python PgQueuer has
   * none: the worker runs, and the features that need them raise a SchemaError.
   */
  async extensionTables(): Promise<Record<(typeof EXTENSION_TABLE_KEYS)[number], boolean>> {
    const bare = EXTENSION_TABLE_KEYS.map((key) => this.#settings.names[key].split(".").pop() ?? "");
    const rows = await this.#driver.query<{ name: string }>(buildListTablesQuery(this.#settings, bare));
    const found = new Set(rows.map((row) => row.name));
    return { entrypointStateTable: found.has(bare[0] ?? ""), resultsTable: found.has(bare[1] ?? "") };
  }

  /**
   * Problems with autovacuum on the queue and log tables, as messages for a log: off for the
   * whole server, or turned off on one of them (`autovacuum_enabled = false`). Empty when
   * autovacuum will look after them.
   */
  async autovacuumWarnings(): Promise<string[]> {
    const n = sqlNames(this.#settings);
    const qualified = new Map((["queueTable", "queueTableLog"] as const).map((key) => [n.bare[key], n[key]] as const));
    const rows = await this.#driver.query<AutovacuumStateRow>(buildAutovacuumStateQuery(this.#settings, [...qualified.keys()]));
    return autovacuumWarnings(rows, (name) => qualified.get(name) ?? name);
  }

  /** Report every expected object as present or absent, plus anything that needs an upgrade. */
  async verify(): Promise<SchemaReport> {
    const [snapshot, extensions] = await Promise.all([this.snapshot(), this.extensionTables()]);
    // Extension tables are optional: reported, never counted as missing (a PgQueuer-only
    // database verifies ok).
    return { ...buildSchemaReport(snapshot, this.#settings), extensions };
  }

  /** `pgq verify --expect present|absent`: the tables, trigger function and trigger. */
  async verifyExpect(expect: "present" | "absent"): Promise<ExpectationResult> {
    if (expect !== "present" && expect !== "absent") {
      throw new InvalidArgumentError("expect", `must be "present" or "absent", got ${JSON.stringify(expect)}`);
    }
    return checkExpectation(await this.snapshot(), this.#settings, expect);
  }

  /**
   * What a worker checks before it starts (CATALOGUE QM-2).
   * @throws SchemaError with PgQueuer's message naming the missing object and the command to run.
   */
  async verifyStructure(): Promise<void> {
    const problem = findStructureProblem(await this.snapshot(), this.#settings);
    if (problem !== null) throw new SchemaError(problem);
  }

  /**
   * What the scheduler checks before it starts (CATALOGUE ERR-10).
   * @throws SchemaError when the schedules or log table is missing.
   */
  async verifySchedulerStructure(): Promise<void> {
    const problem = findSchedulerStructureProblem(await this.snapshot(), this.#settings);
    if (problem !== null) throw new SchemaError(problem);
  }

  /** The raw catalog snapshot `verify` judges. */
  async snapshot(): Promise<CatalogSnapshot> {
    return readCatalog(this.#driver, this.#settings);
  }

  /**
   * Switch table persistence (CATALOGUE SQL-26, CLI-9) in one transaction; rows are kept.
   * @throws InvalidArgumentError for an unknown level, before any SQL runs.
   */
  async setDurability(durability: Durability): Promise<void> {
    if (!(DURABILITY_LEVELS as readonly unknown[]).includes(durability)) {
      throw new InvalidArgumentError("durability", `'${String(durability)}' is not a valid durability; expected one of ${DURABILITY_LEVELS.join(", ")}`);
    }
    await this.#inTransaction(buildDurabilityStatements(this.#settings, durability));
  }

  /** Apply PgQueuer's autovacuum tuning, or with `rollback` reset those keys (CATALOGUE SQL-27). */
  async autovac(options: { readonly rollback?: boolean } = {}): Promise<void> {
    if (options.rollback !== undefined && typeof options.rollback !== "boolean") {
      throw new InvalidArgumentError("rollback", `must be a boolean, got ${JSON.stringify(options.rollback)}`);
    }
    await this.#inTransaction(buildAutovacuumStatements(this.#settings, options));
  }

  /** Create (or replace) the SQL enqueue function `<prefix>fn_pgqueuer_enqueue` (CATALOGUE ENQ-29). */
  async installEnqueueFunction(): Promise<void> {
    await this.#driver.execute({ text: buildCreateEnqueueFunction(this.#settings) });
  }

  /** Drop the SQL enqueue function if it exists. */
  async uninstallEnqueueFunction(): Promise<void> {
    await this.#driver.execute({ text: buildDropEnqueueFunction(this.#settings) });
  }

  /** Whether table `table` exists in the configured schema (CATALOGUE SQL-31). */
  async hasTable(table: string): Promise<boolean> {
    return this.#probe(buildHasTableQuery(this.#settings, table));
  }

  /** Whether `table` has column `column`. */
  async tableHasColumn(table: string, column: string): Promise<boolean> {
    return this.#probe(buildTableHasColumnQuery(this.#settings, table, column));
  }

  /** Whether `table` has an index named `index`. */
  async tableHasIndex(table: string, index: string): Promise<boolean> {
    return this.#probe(buildTableHasIndexQuery(this.#settings, table, index));
  }

  /** Whether a function named `name` exists in the configured schema. */
  async hasFunction(name: string): Promise<boolean> {
    return this.#probe(buildHasFunctionQuery(this.#settings, name));
  }

  /** Whether a trigger named `name` exists on a table of the configured schema. */
  async hasTrigger(name: string): Promise<boolean> {
    return this.#probe(buildHasTriggerQuery(this.#settings, name));
  }

  /** Whether enum type `type` has the label `label`. */
  async hasEnumLabel(label: string, type: string): Promise<boolean> {
    return this.#probe(buildHasEnumLabelQuery(this.#settings, label, type));
  }

  async #probe(query: CatalogQuery): Promise<boolean> {
    const rows = await this.#driver.query<{ present: boolean }>(query);
    return rows[0]?.present === true;
  }

  async #inTransaction(statements: readonly string[]): Promise<void> {
    await this.#driver.transaction(async (tx) => {
      for (const text of statements) await tx.execute({ text });
    });
  }
}

function validateInstallOptions(options: InstallOptions): void {
  if (typeof options !== "object" || options === null) throw new PgQueuerTypeError(`install options must be an object, got ${String(options)}`);
  for (const key of ["createSchema", "enqueueFunction"] as const) {
    const value: unknown = options[key];
    if (value !== undefined && typeof value !== "boolean") throw new InvalidArgumentError(key, `must be a boolean, got ${JSON.stringify(value)}`);
  }
  if (options.durability !== undefined && !(DURABILITY_LEVELS as readonly unknown[]).includes(options.durability)) {
    throw new InvalidArgumentError("durability", `'${String(options.durability)}' is not a valid durability; expected one of ${DURABILITY_LEVELS.join(", ")}`);
  }
}
