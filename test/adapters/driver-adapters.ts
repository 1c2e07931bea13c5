/**
 * The adapters the driver conformance suite runs against: node-postgres Client and Pool,
 * postgres.js (all on real PostgreSQL) and PGlite. Each harness gets its own schema, so the
 * suites never see each other's rows.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import postgres from "postgres";
import { PgClientDriver, PgPoolDriver } from "../../src/adapters/pg/driver.js";
import { PGliteDriver } from "../../src/adapters/pglite/driver.js";
import { PostgresJsDriver } from "../../src/adapters/postgres-js/driver.js";
import type { Driver } from "../../src/ports/driver.js";
import { selectedBackends, TEST_DSN, uniqueName, type BackendName } from "../support/backends.js";

/** One adapter connected to an isolated schema. */
export interface DriverHarness {
  readonly driver: Driver;
  /** The schema holding the test table, quoted. */
  readonly schema: string;
  /** A second, independent connection to the same database (PostgreSQL only). */
  readonly other: Driver | undefined;
  close(): Promise<void>;
}

/** What the adapter does when its listening connection is lost. */
export type ListenerLoss = "reconnects" | "reports" | "not applicable";

export interface AdapterUnderTest {
  readonly name: string;
  readonly backend: BackendName;
  readonly concurrent: boolean;
  readonly listenerLoss: ListenerLoss;
  open(): Promise<DriverHarness>;
}

const TABLE_DDL = (schema: string): string[] => [
  `CREATE SCHEMA ${schema}`,
  `CREATE TABLE ${schema}.items (
     id bigserial PRIMARY KEY,
     name text UNIQUE,
     quantity integer,
     ratio double precision,
     flag boolean,
     at timestamptz,
     data bytea,
     meta jsonb,
     big bigint
   )`,
];

async function prepare(driver: Driver, other: Driver | undefined, cleanup: () => Promise<void>): Promise<DriverHarness> {
  const schema = `"${uniqueName("drv")}"`;
  for (const text of TABLE_DDL(schema)) await driver.execute({ text });
  return {
    driver,
    schema,
    other,
    close: async () => {
      // A fresh connection: the harness's own may have been terminated by the test.
      if (other !== undefined) await dropSchema(schema);
      await cleanup();
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DSN });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

/** An independent pool driver, for "another connection" cases. */
function otherConnection(): { driver: Driver; end: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: TEST_DSN, max: 2 });
  pool.on("error", () => undefined);
  return { driver: new PgPoolDriver(pool), end: () => pool.end() };
}

const ADAPTERS: readonly AdapterUnderTest[] = [
  {
    name: "pg Client",
    backend: "postgres",
    concurrent: false,
    listenerLoss: "reports",
    open: async () => {
      const client = new pg.Client({ connectionString: TEST_DSN });
      // The terminate case kills this client; a user's client needs an error listener too.
      client.on("error", () => undefined);
      await client.connect();
      const other = otherConnection();
      const driver = new PgClientDriver(client);
      return prepare(driver, other.driver, async () => {
        await driver.close();
        await client.end().catch(() => undefined);
        await other.end();
      });
    },
  },
  {
    name: "pg Pool",
    backend: "postgres",
    concurrent: true,
    listenerLoss: "reconnects",
    open: async () => {
      const pool = new pg.Pool({ connectionString: TEST_DSN, max: 4 });
      pool.on("error", () => undefined);
      const other = otherConnection();
      const driver = new PgPoolDriver(pool, { reconnectDelay: 10 });
      return prepare(driver, other.driver, async () => {
        await driver.close();
        await pool.end();
        await other.end();
      });
    },
  },
  {
    name: "postgres.js",
    backend: "postgres",
    concurrent: true,
    listenerLoss: "reconnects",
    open: async () => {
      const sql = postgres(TEST_DSN, { max: 4, onnotice: () => undefined });
      const other = otherConnection();
      const driver = new PostgresJsDriver(sql);
      return prepare(driver, other.driver, async () => {
        await driver.close();
        await sql.end({ timeout: 5 });
        await other.end();
      });
    },
  },
  {
    name: "PGlite",
    backend: "pglite",
    concurrent: false,
    listenerLoss: "not applicable",
    open: async () => {
      const db = new PGlite();
      await db.waitReady;
      const driver = new PGliteDriver(db, { ownsDb: true });
      return prepare(driver, undefined, () => driver.close());
    },
  },
];

/** The adapters whose backend is selected for this run (PGQUEUER_TEST_BACKENDS). */
export function adaptersUnderTest(): readonly AdapterUnderTest[] {
  const backends = selectedBackends();
  return ADAPTERS.filter((adapter) => backends.includes(adapter.backend));
}

/** Collects notification payloads and lets a test await a particular one. */
export class Inbox {
  readonly received: string[] = [];
  #waiters: { predicate: (payload: string) => boolean; resolve: (payload: string) => void }[] = [];

  /** Pass as `onNotification`. */
  readonly push = (payload: string): void => {
    this.received.push(payload);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate(payload)) return true;
      waiter.resolve(payload);
      return false;
    });
  };

  /** The first payload (already received or still to come) equal to `expected`. */
  waitFor(expected: string): Promise<string> {
    if (this.received.includes(expected)) return Promise.resolve(expected);
    return new Promise((resolve) => this.#waiters.push({ predicate: (payload) => payload === expected, resolve }));
  }
}

/** A promise with its resolve function exposed, for awaiting a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}
