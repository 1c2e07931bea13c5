/**
 * The database a CLI command works on, and the objects it uses there. Connection resolution
 * itself (`--pg-dsn`, `PGQUEUER_DSN`, `PGDSN`, the libpq `PG*` variables, else the embedded
 * PGlite database) is the library's: `openDriver` in adapters/connect.ts, the same function
 * `PgQueuer.connect()` uses, so the CLI and the library never disagree about which database
 * "nothing configured" means.
 *
 * @module
 */
import { openDriver } from "../adapters/connect.js";
import { Queries } from "../adapters/persistence/queries.js";
import { ScheduleQueries } from "../adapters/persistence/schedule-queries.js";
import { SchemaManager } from "../adapters/persistence/schema-manager.js";
import type { Settings } from "../domain/settings.js";
import type { Driver } from "../ports/driver.js";

/** An open database and the persistence objects over it. */
export interface CliDatabase {
  readonly driver: Driver;
  readonly settings: Settings;
  /** True when this is the embedded PGlite database (no server configured). */
  readonly embedded: boolean;
  /** Where the database is: the PGlite directory, or the server (without the password). */
  readonly location: string;
  readonly schema: SchemaManager;
  readonly queries: Queries;
  readonly schedules: ScheduleQueries;
  close(): Promise<void>;
}

/** What {@link openCliDatabase} needs. */
export interface OpenCliDatabaseOptions {
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dsn?: string;
  readonly dataDir?: string;
}

/** Open the configured database. */
export async function openCliDatabase(options: OpenCliDatabaseOptions): Promise<CliDatabase> {
  const opened = await openDriver(
    {
      ...(options.dsn === undefined ? {} : { dsn: options.dsn }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    },
    options.env,
  );
  const driver = opened.driver;
  const settings = options.settings;
  let closed = false;
  return {
    driver,
    settings,
    embedded: opened.kind === "pglite",
    location: opened.kind === "pglite" && options.dataDir !== undefined ? options.dataDir : opened.description,
    schema: new SchemaManager(driver, settings),
    queries: new Queries(driver, settings),
    schedules: new ScheduleQueries({ driver, settings }),
    close: async () => {
      if (closed) return;
      closed = true;
      await driver.close();
    },
  };
}
