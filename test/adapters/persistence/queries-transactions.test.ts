// Transactional enqueue: the job commits or rolls back with the caller's own writes, on every
// driver (node-postgres Client and Pool, postgres.js, PGlite).
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PgClientDriver } from "../../../src/adapters/pg/driver.js";
import { PGliteDriver } from "../../../src/adapters/pglite/driver.js";
import { Queries } from "../../../src/adapters/persistence/queries.js";
import { PostgresJsDriver } from "../../../src/adapters/postgres-js/driver.js";
import { DuplicateJobError } from "../../../src/domain/errors.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { openTestDatabase, selectedBackends, TEST_DSN, type TestDatabase } from "../../support/backends.js";
import { claim, queueRows, resetTables } from "./support.js";

class Rollback extends Error {}

/** The caller's own table, next to the queue. */
async function createOrders(db: TestDatabase): Promise<string> {
  const n = sqlNames(db.settings);
  const table = n.schema === null ? "orders" : `${n.schema}.orders`;
  await db.driver.execute({ text: `CREATE TABLE IF NOT EXISTS ${table} (id INT PRIMARY KEY)` });
  await db.driver.execute({ text: `TRUNCATE ${table}` });
  return table;
}

const run = selectedBackends();

describe.skipIf(!run.includes("postgres"))("transactional enqueue [postgres]", () => {
  let db: TestDatabase;
  let orders: string;
  beforeAll(async () => {
    db = await openTestDatabase("postgres");
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await resetTables(db);
    orders = await createOrders(db);
  });

  it("pg Client: user BEGIN/ROLLBACK on the same client takes the job with it; COMMIT keeps both", async () => {
    const client = new pg.Client({ connectionString: TEST_DSN });
    await client.connect();
    try {
      const queries = new Queries(new PgClientDriver(client), db.settings);
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${orders} (id) VALUES (1)`);
      const doomed = await queries.enqueue("send_receipt", "1");
      await client.query("ROLLBACK");
      expect(await queries.queueJobById(doomed)).toBeNull();

      await client.query("BEGIN");
      await client.query(`INSERT INTO ${orders} (id) VALUES (2)`);
      const kept = await queries.enqueue("send_receipt", "2");
      // not visible (nor claimable) to other connections before COMMIT
      expect(await queueRows(db)).toEqual([]);
      expect(await claim(new Queries(db.driver, db.settings), { entrypoints: ["send_receipt"] })).toEqual([]);
      await client.query("COMMIT");
      expect((await queueRows(db)).map((row) => row.id)).toEqual([kept]);
      expect(await db.driver.query({ text: `SELECT id FROM ${orders}` })).toEqual([{ id: 2 }]);
    } finally {
      await client.end();
    }
  });

  it("pg Pool: the transaction's driver as `connection` commits or rolls back with the caller's writes", async () => {
    const queries = new Queries(db.driver, db.settings);
    await expect(
      db.driver.transaction(async (tx) => {
        await tx.execute({ text: `INSERT INTO ${orders} (id) VALUES (3)` });
        await queries.enqueueMany([{ entrypoint: "tx" }, { entrypoint: "tx" }], { connection: tx });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queueRows(db)).toEqual([]);
    const id = await db.driver.transaction(async (tx) => {
      await tx.execute({ text: `INSERT INTO ${orders} (id) VALUES (4)` });
      return queries.enqueue("tx", null, { connection: tx });
    });
    expect((await queueRows(db)).map((row) => row.id)).toEqual([id]);
  });

  it("pg Pool: a dedupe conflict inside the caller's transaction raises DuplicateJobError and the caller decides", async () => {
    const queries = new Queries(db.driver, db.settings);
    await queries.enqueue("tx", null, { dedupeKey: "once" });
    await expect(
      db.driver.transaction(async (tx) => {
        await tx.execute({ text: `INSERT INTO ${orders} (id) VALUES (5)` });
        await queries.enqueue("tx", null, { dedupeKey: "once", connection: tx });
      }),
    ).rejects.toBeInstanceOf(DuplicateJobError);
    expect(await db.driver.query({ text: `SELECT id FROM ${orders}` })).toEqual([]);
  });

  it("postgres.js: the transaction driver's tx commits or rolls back the job", async () => {
    const sql = postgres(TEST_DSN, { max: 2, onnotice: () => undefined });
    try {
      const driver = new PostgresJsDriver(sql);
      const queries = new Queries(driver, db.settings);
      await expect(
        driver.transaction(async (tx) => {
          await tx.execute({ text: `INSERT INTO ${orders} (id) VALUES (6)` });
          await queries.enqueue("pjs", Buffer.from([1, 2]), { connection: tx });
          throw new Rollback();
        }),
      ).rejects.toBeInstanceOf(Rollback);
      expect(await queueRows(db)).toEqual([]);
      const id = await driver.transaction((tx) => queries.enqueue("pjs", Buffer.from([1, 2]), { connection: tx, dedupeKey: "pjs", headers: { h: [1] } }));
      const job = await queries.queueJobById(id);
      expect([...job!.payload!]).toEqual([1, 2]);
      // the rest of the round trip through postgres.js: dedupe mapping, claim, outcome
      await expect(queries.enqueue("pjs", null, { dedupeKey: "pjs" })).rejects.toBeInstanceOf(DuplicateJobError);
      const worker = crypto.randomUUID();
      const [claimed] = await claim(queries, { entrypoints: ["pjs"], worker });
      expect(claimed).toMatchObject({ id, queueManagerId: worker, headers: { h: [1] } });
      await queries.recordOutcomes(worker, [{ jobId: id, outcome: { kind: "successful" } }]);
      expect(await queries.jobStatus([id])).toEqual([{ id, status: "successful" }]);
    } finally {
      await sql.end();
    }
  });
});

describe.skipIf(!run.includes("pglite"))("transactional enqueue [pglite]", () => {
  let db: TestDatabase;
  let orders: string;
  beforeAll(async () => {
    db = await openTestDatabase("pglite");
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await resetTables(db);
    orders = await createOrders(db);
  });

  it("the user's own db.transaction: PGliteDriver.forTransaction(db, tx) as `connection`", async () => {
    const instance = db.pglite!;
    const queries = new Queries(db.driver, db.settings);
    await expect(
      instance.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${orders} (id) VALUES (1)`);
        await queries.enqueue("lite", "x", { connection: PGliteDriver.forTransaction(instance, tx) });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queueRows(db)).toEqual([]);
    const id = await instance.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${orders} (id) VALUES (2)`);
      return queries.enqueue("lite", "x", { connection: PGliteDriver.forTransaction(instance, tx) });
    });
    expect((await queueRows(db)).map((row) => row.id)).toEqual([id]);
    expect(await db.driver.query({ text: `SELECT id FROM ${orders}` })).toEqual([{ id: 2 }]);
  });

  it("the driver's transaction: tx as `connection`", async () => {
    const queries = new Queries(db.driver, db.settings);
    await expect(
      db.driver.transaction(async (tx) => {
        await queries.enqueueMany([{ entrypoint: "lite" }, { entrypoint: "lite" }], { connection: tx });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(await queueRows(db)).toEqual([]);
    await db.driver.transaction((tx) => queries.enqueue("lite", null, { connection: tx }));
    expect(await queueRows(db)).toHaveLength(1);
  });
});
