/**
 * Opening a database from configuration (CATALOGUE DRV-10, DRV-11, CFG-15): where to
 * connect, connection settings and their validation, password redaction, and the drivers
 * `openDriver` returns.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_DATA_DIR, openDriver, redactDsn, resolveConnection, type ConnectOptions } from "../../src/adapters/connect.js";
import { ConnectionError, InvalidArgumentError } from "../../src/domain/errors.js";
import { selectedBackends, TEST_DSN } from "../support/backends.js";

type Env = Record<string, string | undefined>;

/** The error `work` throws (or fails the test when it does not throw). */
function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function expectInvalid(options: ConnectOptions, env: Env, setting: string): void {
  const error = thrownBy(() => resolveConnection(options, env));
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error).toMatchObject({ setting });
}

describe("resolveConnection: where to connect", () => {
  const everything: Env = {
    PGQUEUER_DSN: "postgres://queuer@db1/app",
    PGDSN: "postgres://pgdsn@db2/app",
    PGHOST: "db3",
  };

  it("prefers the dsn option, then PGQUEUER_DSN, then PGDSN, then the PG* variables", () => {
    expect(resolveConnection({ dsn: "postgres://explicit@db0/app" }, everything).target).toEqual({ kind: "postgres", source: "dsn", dsn: "postgres://explicit@db0/app" });
    expect(resolveConnection({}, everything).target).toEqual({ kind: "postgres", source: "PGQUEUER_DSN", dsn: everything.PGQUEUER_DSN });
    expect(resolveConnection({}, { ...everything, PGQUEUER_DSN: undefined }).target).toEqual({ kind: "postgres", source: "PGDSN", dsn: everything.PGDSN });
    expect(resolveConnection({}, { PGHOST: "db3" }).target).toEqual({ kind: "postgres", source: "PG environment", dsn: undefined });
  });

  it("treats each libpq variable as configuration, and empty values as unset", () => {
    for (const name of ["PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD"]) {
      expect(resolveConnection({}, { [name]: "x" }).target.kind).toBe("postgres");
    }
    expect(resolveConnection({}, { PGQUEUER_DSN: "", PGDSN: "  ", PGHOST: "" }).target.kind).toBe("pglite");
    // Settings that do not say where to connect do not count.
    expect(resolveConnection({}, { PGSSLMODE: "require", PGAPPNAME: "app" }).target.kind).toBe("pglite");
  });

  it("falls back to embedded PGlite in ./.pgqueuer, or the dataDir option", () => {
    expect(resolveConnection({}, {}).target).toEqual({ kind: "pglite", dataDir: resolve(DEFAULT_DATA_DIR) });
    expect(DEFAULT_DATA_DIR).toBe(".pgqueuer");
    expect(resolveConnection({ dataDir: "var/queue" }, {}).target).toEqual({ kind: "pglite", dataDir: resolve("var/queue") });
    expect(resolveConnection({ dataDir: "memory://" }, {}).target).toEqual({ kind: "pglite", dataDir: "memory://" });
  });

  it("keeps the DSN verbatim, parameters included (DRV-10)", () => {
    const dsn = "postgresql://user:p%40ss@host:6543/db?application_name=weird&target_session_attrs=primary";
    expect(resolveConnection({}, { PGQUEUER_DSN: dsn }).target).toMatchObject({ dsn });
  });

  it("rejects an empty dsn option and an empty dataDir", () => {
    expectInvalid({ dsn: "" }, {}, "dsn");
    expectInvalid({ dataDir: " " }, {}, "dataDir");
  });
});

describe("resolveConnection: settings (CFG-15)", () => {
  it("defaults to a pool of 1..5, no timeout and no application name", () => {
    expect(resolveConnection({}, {})).toMatchObject({ poolMinSize: 1, poolMaxSize: 5, connectTimeout: undefined, applicationName: undefined });
  });

  it("reads the PGQUEUER_ variables, with options winning", () => {
    const env = { PGQUEUER_POOL_MIN_SIZE: "0", PGQUEUER_POOL_MAX_SIZE: "12", PGQUEUER_CONNECT_TIMEOUT: "4.5", PGQUEUER_APPLICATION_NAME: "worker" };
    expect(resolveConnection({}, env)).toMatchObject({ poolMinSize: 0, poolMaxSize: 12, connectTimeout: 4_500, applicationName: "worker" });
    expect(resolveConnection({ poolMinSize: 2, poolMaxSize: 3, connectTimeout: 250, applicationName: "mine" }, env)).toMatchObject({
      poolMinSize: 2,
      poolMaxSize: 3,
      connectTimeout: 250,
      applicationName: "mine",
    });
  });

  it("falls back to libpq's PGCONNECT_TIMEOUT (zero meaning none); PGQUEUER_CONNECT_TIMEOUT wins", () => {
    expect(resolveConnection({}, { PGCONNECT_TIMEOUT: "10" }).connectTimeout).toBe(10_000);
    expect(resolveConnection({}, { PGCONNECT_TIMEOUT: "0" }).connectTimeout).toBeUndefined();
    expect(resolveConnection({}, { PGCONNECT_TIMEOUT: "10", PGQUEUER_CONNECT_TIMEOUT: "1.5" }).connectTimeout).toBe(1_500);
    expectInvalid({}, { PGCONNECT_TIMEOUT: "soon" }, "PGCONNECT_TIMEOUT");
  });

  it("rejects invalid pool sizes, naming the option or variable", () => {
    for (const value of ["abc", "-1", "1.5", "2x"]) {
      expectInvalid({}, { PGQUEUER_POOL_MIN_SIZE: value }, "PGQUEUER_POOL_MIN_SIZE");
      expectInvalid({}, { PGQUEUER_POOL_MAX_SIZE: value }, "PGQUEUER_POOL_MAX_SIZE");
    }
    expectInvalid({}, { PGQUEUER_POOL_MAX_SIZE: "0" }, "PGQUEUER_POOL_MAX_SIZE");
    expectInvalid({ poolMaxSize: 0 }, {}, "poolMaxSize");
    expectInvalid({ poolMinSize: -1 }, {}, "poolMinSize");
    expectInvalid({ poolMinSize: 1.5 }, {}, "poolMinSize");
    expectInvalid({ poolMaxSize: Number.NaN }, {}, "poolMaxSize");
    expectInvalid({ poolMinSize: 6 }, {}, "poolMinSize");
    expectInvalid({}, { PGQUEUER_POOL_MIN_SIZE: "4", PGQUEUER_POOL_MAX_SIZE: "3" }, "PGQUEUER_POOL_MIN_SIZE");
  });

  it("rejects a connect timeout that is not a positive number", () => {
    for (const value of ["0", "-1", "abc", "1s", "Infinity"]) expectInvalid({}, { PGQUEUER_CONNECT_TIMEOUT: value }, "PGQUEUER_CONNECT_TIMEOUT");
    for (const value of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) expectInvalid({ connectTimeout: value }, {}, "connectTimeout");
  });

  it("rejects an empty application name option", () => {
    expectInvalid({ applicationName: "" }, {}, "applicationName");
  });
});

describe("descriptions never contain a password", () => {
  it.each([
    ["postgres://alice:s3cret@db.example:5432/app", "postgres://alice:***@db.example:5432/app"],
    ["postgresql://alice:p@ss:w/rd@db/app?sslmode=require", "postgresql://alice:***@db/app?sslmode=require"],
    ["postgres://db/app?user=alice&password=s3cret&sslpassword=other", "postgres://db/app?user=alice&password=***&sslpassword=***"],
    ["postgres://alice@db/app", "postgres://alice@db/app"],
    ["host=db user=alice password=s3cret dbname=app", "host=db user=alice password=*** dbname=app"],
    ["host=db password = 'two words' dbname=app", "host=db password = *** dbname=app"],
    ["host=db password='unterminated secret", "host=db password=***"],
    ["host=db password='with \\' quote' dbname=app", "host=db password=*** dbname=app"],
  ])("redactDsn(%j)", (dsn, expected) => {
    expect(redactDsn(dsn)).toBe(expected);
  });

  it("describes every kind of target without the password", () => {
    const described = [
      resolveConnection({ dsn: "postgres://alice:s3cret@db/app" }, {}).description,
      resolveConnection({}, { PGQUEUER_DSN: "host=db password=s3cret" }).description,
      resolveConnection({}, { PGDSN: "postgres://db/app?password=s3cret" }).description,
      resolveConnection({}, { PGHOST: "db", PGUSER: "alice", PGPASSWORD: "s3cret" }).description,
    ];
    for (const description of described) expect(description).not.toContain("s3cret");
    expect(described[0]).toBe("PostgreSQL via dsn (postgres://alice:***@db/app)");
    expect(described[3]).toBe("PostgreSQL via PG* environment (host=db user=alice)");
    expect(resolveConnection({ dataDir: "memory://" }, {}).description).toBe("embedded PGlite (memory://)");
  });
});

describe.skipIf(!selectedBackends().includes("postgres"))("openDriver on PostgreSQL", () => {
  it("opens a pool driver it owns, with the application name applied", async () => {
    const opened = await openDriver({ dsn: TEST_DSN, applicationName: "pgqueuer-connect-test", poolMaxSize: 2 }, {});
    try {
      expect(opened.kind).toBe("postgres");
      expect(opened.driver.concurrent).toBe(true);
      expect(await opened.driver.query({ text: "SELECT current_setting('application_name') AS name" })).toEqual([{ name: "pgqueuer-connect-test" }]);
    } finally {
      await opened.driver.close();
    }
    // close() ended the pool.
    await expect(opened.driver.query({ text: "SELECT 1" })).rejects.toThrow();
  });

  it("lets the DSN's own application_name win (it is passed verbatim)", async () => {
    const dsn = `${TEST_DSN}${TEST_DSN.includes("?") ? "&" : "?"}application_name=from_dsn`;
    const opened = await openDriver({ applicationName: "from_option" }, { PGQUEUER_DSN: dsn });
    try {
      expect(await opened.driver.query({ text: "SELECT current_setting('application_name') AS name" })).toEqual([{ name: "from_dsn" }]);
    } finally {
      await opened.driver.close();
    }
  });

  it("connects with the libpq variables of the given environment", async () => {
    const url = new URL(TEST_DSN);
    const env = { PGHOST: url.hostname, PGPORT: url.port || "5432", PGUSER: decodeURIComponent(url.username), PGDATABASE: url.pathname.slice(1) };
    const opened = await openDriver({}, env);
    try {
      expect(opened.description).toContain(`database=${env.PGDATABASE}`);
      expect(await opened.driver.query({ text: "SELECT current_database() AS name" })).toEqual([{ name: env.PGDATABASE }]);
    } finally {
      await opened.driver.close();
    }
  });

  it("refuses a pool of one connection before connecting, naming the setting", async () => {
    await expect(openDriver({ dsn: TEST_DSN, poolMaxSize: 1 }, {})).rejects.toMatchObject({ setting: "poolMaxSize" });
    await expect(openDriver({}, { PGQUEUER_DSN: TEST_DSN, PGQUEUER_POOL_MAX_SIZE: "1" })).rejects.toMatchObject({ setting: "PGQUEUER_POOL_MAX_SIZE" });
  });

  it("fails with ConnectionError when the server cannot be reached, without leaking the password", async () => {
    const failure = await openDriver({ dsn: "postgres://alice:s3cret@127.0.0.1:1/app", connectTimeout: 5_000 }, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect(String((failure as Error).message)).not.toContain("s3cret");
  });
});

describe.skipIf(!selectedBackends().includes("pglite"))("openDriver with nothing configured", () => {
  it("opens embedded PGlite persisted in dataDir", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "pgqueuer-connect-")), "nested", "data");
    try {
      const first = await openDriver({ dataDir }, {});
      expect(first.kind).toBe("pglite");
      expect(first.description).toBe(`embedded PGlite (${dataDir})`);
      await first.driver.execute({ text: "CREATE TABLE kept (value text)" });
      await first.driver.execute({ text: "INSERT INTO kept VALUES ($1)", values: ["survives"] });
      await first.driver.close();

      const second = await openDriver({ dataDir }, {});
      try {
        expect(await second.driver.query({ text: "SELECT value FROM kept" })).toEqual([{ value: "survives" }]);
      } finally {
        await second.driver.close();
      }
    } finally {
      rmSync(join(dataDir, "..", ".."), { recursive: true, force: true });
    }
  }, 120_000);
});
