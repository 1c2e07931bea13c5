/**
 * PGlite specifics beyond the conformance suite: ownership on `close()`, and LISTEN from
 * inside a transaction (it takes effect at COMMIT, as in PostgreSQL).
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGliteDriver } from "../../src/adapters/pglite/driver.js";
import type { Subscription } from "../../src/ports/driver.js";
import { selectedBackends, uniqueName } from "../support/backends.js";
import { Inbox } from "./driver-adapters.js";

describe.skipIf(!selectedBackends().includes("pglite"))("PGliteDriver", () => {
  // One shared instance: starting PGlite is the slow part of these tests.
  let db: PGlite;
  beforeAll(async () => {
    db = new PGlite();
    await db.waitReady;
  }, 120_000);
  afterAll(async () => {
    if (db !== undefined && !db.closed) await db.close();
  });

  it("leaves a caller's instance open on close(), and closes one it owns", { timeout: 120_000 }, async () => {
    await new PGliteDriver(db).close();
    expect(db.closed).toBe(false);
    expect((await db.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);

    const owned = new PGlite();
    await owned.waitReady;
    const driver = new PGliteDriver(owned, { ownsDb: true });
    await driver.close();
    expect(owned.closed).toBe(true);
    await driver.close(); // a second close is harmless
  });

  it("closes its subscriptions on close(), so the channel is no longer listened to", async () => {
    const driver = new PGliteDriver(db);
    const channel = uniqueName("closing");
    await driver.listen({ channel, onNotification: () => undefined });
    expect((await db.query("SELECT pg_listening_channels() AS channel")).rows).toEqual([{ channel }]);
    await driver.close();
    expect((await db.query("SELECT pg_listening_channels() AS channel")).rows).toEqual([]);
  });

  it("starts a LISTEN issued inside a transaction when the transaction commits", async () => {
    const driver = new PGliteDriver(db);
    const channel = uniqueName("txlisten");
    const inbox = new Inbox();
    let subscription: Subscription | undefined;
    await driver.transaction(async (tx) => {
      subscription = await tx.listen({ channel, onNotification: inbox.push });
    });
    await driver.notify({ channel, payload: "after commit" });
    expect(await inbox.waitFor("after commit")).toBe("after commit");
    await subscription!.close();
  });
});
