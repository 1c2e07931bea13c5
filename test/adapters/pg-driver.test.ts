/**
 * node-postgres specifics beyond the conformance suite: pool size requirement (DRV-6/ERR-40
 * analogue), option validation, what `close()` releases, and transaction isolation on a
 * single client. PostgreSQL only: these adapters do not run on PGlite.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { PgClientDriver, PgPoolDriver } from "../../src/adapters/pg/driver.js";
import { ConnectionError, InvalidArgumentError } from "../../src/domain/errors.js";
import { selectedBackends, TEST_DSN, uniqueName } from "../support/backends.js";
import { deferred } from "./driver-adapters.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function pool(options: pg.PoolConfig = {}): pg.Pool {
  const created = new pg.Pool({ connectionString: TEST_DSN, max: 3, ...options });
  created.on("error", () => undefined);
  cleanups.push(async () => {
    if (!created.ended && !created.ending) await created.end();
  });
  return created;
}

/** Connections of `target` currently checked out. */
function checkedOut(target: pg.Pool): number {
  return target.totalCount - target.idleCount;
}

describe("PgPoolDriver options", () => {
  it("requires a pool of at least 2 connections, naming the option", () => {
    const failure = (() => {
      try {
        return new PgPoolDriver(pool({ max: 1 }));
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(InvalidArgumentError);
    expect(failure).toMatchObject({ setting: "max" });
    expect((failure as Error).message).toMatch(/at least 2/);
    expect(new PgPoolDriver(pool({ max: 2 })).concurrent).toBe(true);
  });

  it("rejects a negative or non-finite reconnectDelay", () => {
    for (const reconnectDelay of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new PgPoolDriver(pool(), { reconnectDelay })).toThrow(InvalidArgumentError);
    }
  });
});

describe.skipIf(!selectedBackends().includes("postgres"))("node-postgres drivers on PostgreSQL", () => {
  it("PgPoolDriver.close() gives the listening connection back and leaves a caller's pool open", async () => {
    const target = pool();
    const driver = new PgPoolDriver(target);
    await driver.listen({ channel: uniqueName("held"), onNotification: () => undefined });
    expect(checkedOut(target)).toBe(1);
    await driver.close();
    expect(checkedOut(target)).toBe(0);
    expect(target.ending).toBe(false);
    expect((await target.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("listening and unlistening again and again leaves no pile of error listeners on the pooled connections", async () => {
    const target = pool({ max: 2 });
    const driver = new PgPoolDriver(target);
    for (let cycle = 0; cycle < 15; cycle += 1) {
      const subscription = await driver.listen({ channel: uniqueName("cycle"), onNotification: () => undefined });
      await subscription.close();
    }
    // Check out every connection at once: each holds our permanent guard and at most one more
    // late-error listener, however many LISTEN cycles it served (it was one per cycle, and Node
    // warned of a leak past ten).
    const clients = await Promise.all([target.connect(), target.connect()]);
    try {
      for (const client of clients) expect(client.listenerCount("error")).toBeLessThanOrEqual(2);
    } finally {
      for (const client of clients) client.release();
    }
    await driver.close();
  });

  it("a connection error that reaches no other listener does not crash the process, and the dead connection is dropped", async () => {
    const shared = pool();
    new PgPoolDriver(shared);
    new PgPoolDriver(shared); // a second driver on the same pool adds no second listener
    const client = await shared.connect();
    // Checked out: pg-pool's idle listener is off, as in the restart race this guards against.
    expect(client.listenerCount("error")).toBe(1);
    expect(() => client.emit("error", new Error("terminating connection due to administrator command"))).not.toThrow();
    // Without the guard the same emit throws (Node's rule for an 'error' event nobody hears).
    const bare = new pg.Client({ connectionString: TEST_DSN });
    expect(() => bare.emit("error", new Error("unheard"))).toThrow("unheard");
    client.release(new Error("dead connection"));
    expect(shared.totalCount).toBe(0);
    expect((await shared.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
  });

  it("PgPoolDriver.close() ends a pool it owns", async () => {
    const target = pool();
    const driver = new PgPoolDriver(target, { ownsPool: true });
    await driver.query({ text: "SELECT 1" });
    await driver.close();
    expect(target.ended).toBe(true);
  });

  it("a subscription closed while its lost connection waits to be re-established holds nothing", async () => {
    const target = pool();
    // A long delay keeps the listener in its waiting state while we close it.
    const driver = new PgPoolDriver(target, { reconnectDelay: 60_000 });
    const channel = uniqueName("waiting");
    const lost = deferred<Error>();
    const subscription = await driver.listen({ channel, onNotification: () => undefined, onError: (error) => lost.resolve(error) });
    const admin = new pg.Client({ connectionString: TEST_DSN });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'listen%' AND strpos(query, $1) > 0", [channel]);
    expect(await lost.promise).toBeInstanceOf(ConnectionError);
    await subscription.close();
    expect(checkedOut(target)).toBe(0);
  });

  it("reports an unreachable server as ConnectionError, for statements and for LISTEN", async () => {
    const unreachable = new pg.Pool({ host: "127.0.0.1", port: 1, max: 2 });
    unreachable.on("error", () => undefined);
    cleanups.push(() => unreachable.end());
    const driver = new PgPoolDriver(unreachable);
    await expect(driver.query({ text: "SELECT 1" })).rejects.toBeInstanceOf(ConnectionError);
    await expect(driver.listen({ channel: "unreachable", onNotification: () => undefined })).rejects.toBeInstanceOf(ConnectionError);
    await expect(driver.transaction(async () => "never")).rejects.toBeInstanceOf(ConnectionError);
  });

  it("PgClientDriver makes statements sent during a transaction wait for it to end", async () => {
    const client = new pg.Client({ connectionString: TEST_DSN });
    client.on("error", () => undefined);
    await client.connect();
    cleanups.push(() => client.end());
    const driver = new PgClientDriver(client);
    await driver.execute({ text: "CREATE TEMP TABLE waiting (n int)" });

    const inserted = deferred();
    const release = deferred();
    const transaction = driver
      .transaction(async (tx) => {
        await tx.execute({ text: "INSERT INTO waiting VALUES (1)" });
        inserted.resolve();
        await release.promise;
        throw new Error("roll back");
      })
      .catch((error: unknown) => error);
    await inserted.promise;
    // Sent while the transaction is open: had it slipped in, it would see the uncommitted row.
    const counted = driver.query<{ n: number }>({ text: "SELECT count(*)::int AS n FROM waiting" });
    release.resolve();
    expect(await transaction).toMatchObject({ message: "roll back" });
    expect(await counted).toEqual([{ n: 0 }]);
  });

  it("PgClientDriver.close() UNLISTENs but leaves the client to its owner", async () => {
    const client = new pg.Client({ connectionString: TEST_DSN });
    await client.connect();
    cleanups.push(() => client.end());
    const driver = new PgClientDriver(client);
    const channel = uniqueName("client");
    await driver.listen({ channel, onNotification: () => undefined });
    await driver.listen({ channel, onNotification: () => undefined });
    expect((await client.query("SELECT pg_listening_channels() AS channel")).rows).toEqual([{ channel }]);
    await driver.close();
    expect((await client.query("SELECT pg_listening_channels() AS channel")).rows).toEqual([]);
  });
});
