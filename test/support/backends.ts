/**
 * The backend matrix: every behavioural test runs against real PostgreSQL and embedded
 * PGlite. Each test database is isolated: on PostgreSQL a fresh schema and a unique NOTIFY
 * channel (the channel is database-global), on PGlite a fresh in-memory instance.
 *
 * PGQUEUER_TEST_BACKENDS=postgres (or pglite) narrows the matrix; `memory` (opt-in, never in the
 * default matrix) runs on `PgQueuer.inMemory()`'s store: only files that go through the public
 * API can use it, since `db.driver` runs no SQL there (see test/adapters/in-memory/);
 * PGQUEUER_TEST_DSN points at the server (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe } from "vitest";
import { PGliteDriver } from "../../src/adapters/pglite/driver.js";
import { PgPoolDriver } from "../../src/adapters/pg/driver.js";
import { InMemoryDriver } from "../../src/adapters/in-memory/driver.js";
import { resolveSettings, type Settings, type SettingsOptions } from "../../src/domain/settings.js";
import type { Driver } from "../../src/ports/driver.js";

export type BackendName = "postgres" | "pglite" | "memory";

const BACKEND_NAMES: readonly BackendName[] = ["postgres", "pglite", "memory"];

/** Set by {@link withBackends} while a shared behaviour file registers its suites. */
let backendOverride: readonly BackendName[] | undefined;

/**
 * Run `load` (typically `() => import("../core/some.test.js")`) with `describeEachBackend`
 * registering on `backends` only: how the in-memory suite reuses behaviour files unchanged.
 */
export async function withBackends<T>(backends: readonly BackendName[], load: () => Promise<T>): Promise<T> {
  const previous = backendOverride;
  backendOverride = backends;
  try {
    return await load();
  } finally {
    backendOverride = previous;
  }
}

export const TEST_DSN = process.env.PGQUEUER_TEST_DSN ?? "postgres://postgres@127.0.0.1:5432/test";

/** Backends selected for this run. */
export function selectedBackends(): BackendName[] {
  if (backendOverride) return [...backendOverride];
  const raw = process.env.PGQUEUER_TEST_BACKENDS;
  if (!raw) return ["postgres", "pglite"];
  return raw.split(",").map((name) => name.trim()).filter((name): name is BackendName => (BACKEND_NAMES as readonly string[]).includes(name));
}

/** One isolated database for a test file. */
export interface TestDatabase {
  readonly backend: BackendName;
  /** The main driver (a pg Pool on PostgreSQL). */
  readonly driver: Driver;
  readonly settings: Settings;
  /** Options that rebuild `settings` (pass them to child processes or `PgQueuer` constructors). */
  readonly settingsOptions: SettingsOptions;
  /** Connection string for other processes (PostgreSQL only). */
  readonly dsn: string | undefined;
  /** The PGlite instance (PGlite only). */
  readonly pglite: PGlite | undefined;
  /** Another independent driver on the same database (another pool on PostgreSQL). */
  openDriver(): Promise<Driver>;
  close(): Promise<void>;
}

/** A short random identifier for schema and channel names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/**
 * Open an isolated database. With `install: true` (the default) the PgQueuer schema is
 * installed in it.
 */
export async function openTestDatabase(
  backend: BackendName,
  options: { install?: boolean; settings?: SettingsOptions } = {},
): Promise<TestDatabase> {
  const install = options.install ?? true;
  const cleanups: (() => Promise<void>)[] = [];
  let driver: Driver;
  let settingsOptions: SettingsOptions;
  let pglite: PGlite | undefined;
  let openDriver: () => Promise<Driver>;

  if (backend === "postgres") {
    const schema = uniqueName("pgqt");
    settingsOptions = { schema, channel: `${schema}_ch`, ...options.settings };
    const pool = new pg.Pool({ connectionString: TEST_DSN, max: 8 });
    pool.on("error", () => undefined); // terminated idle clients are replaced by the pool
    driver = new PgPoolDriver(pool);
    await driver.execute({ text: `CREATE SCHEMA "${schema}"` });
    cleanups.push(async () => {
      await driver.execute({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` }).catch(() => undefined);
      await pool.end();
    });
    openDriver = async () => {
      const extra = new pg.Pool({ connectionString: TEST_DSN, max: 4 });
      extra.on("error", () => undefined);
      cleanups.unshift(() => extra.end());
      return new PgPoolDriver(extra);
    };
  } else if (backend === "memory") {
    settingsOptions = { ...options.settings };
    // Every driver of the test database shares one store, as PGlite shares one instance.
    const memory = new InMemoryDriver();
    driver = memory;
    cleanups.push(() => memory.close());
    openDriver = async () => memory;
  } else {
    settingsOptions = { ...options.settings };
    pglite = new PGlite();
    await pglite.waitReady;
    const instance = pglite;
    driver = new PGliteDriver(instance);
    cleanups.push(async () => {
      await instance.close();
    });
    openDriver = async () => new PGliteDriver(instance);
  }

  const settings = resolveSettings(settingsOptions, {});
  // The in-memory tables always exist; there is no DDL to run.
  if (install && backend !== "memory") {
    const { buildInstallStatements } = await import("../../src/sql/schema.js");
    for (const text of buildInstallStatements(settings, { createSchema: false })) await driver.execute({ text });
  }

  return {
    backend,
    driver,
    settings,
    settingsOptions,
    dsn: backend === "postgres" ? TEST_DSN : undefined,
    pglite,
    openDriver,
    close: async () => {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/**
 * `describe` once per selected backend, with an isolated database opened before the block and
 * closed after it. Tests read it through the getter.
 */
export function describeEachBackend(
  title: string,
  body: (db: () => TestDatabase, backend: BackendName) => void,
  options: { install?: boolean; settings?: SettingsOptions; backends?: readonly BackendName[] } = {},
): void {
  for (const backend of options.backends ?? selectedBackends()) {
    describe(`${title} [${backend}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await openTestDatabase(backend, options);
      });
      afterAll(async () => {
        await database?.close();
      });
      body(() => {
        if (!database) throw new Error("test database not open yet");
        return database;
      }, backend);
    });
  }
}
