/**
 * The driver conformance suite (CATALOGUE §23, DRV-1..DRV-4, DRV-8): every adapter — pg
 * Client, pg Pool, postgres.js, PGlite — must behave the same through the `Driver` port.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, DatabaseError, IdOutOfRangeError } from "../../src/domain/errors.js";
import type { Driver } from "../../src/ports/driver.js";
import { TEST_DSN, uniqueName } from "../support/backends.js";
import { adaptersUnderTest, deferred, Inbox, type DriverHarness } from "./driver-adapters.js";

/** Starting PGlite can take long on a busy machine; a slow start is not a failure. */
const OPEN_TIMEOUT = 120_000;

for (const adapter of adaptersUnderTest()) {
  describe(`driver conformance [${adapter.name}]`, () => {
    let harness: DriverHarness;
    const driver = (): Driver => harness.driver;
    const items = (): string => `${harness.schema}.items`;

    beforeAll(async () => {
      harness = await adapter.open();
    }, OPEN_TIMEOUT);
    afterAll(async () => {
      await harness?.close();
    });

    it("reports whether statements may run concurrently", () => {
      expect(driver().concurrent).toBe(adapter.concurrent);
    });

    describe("parameters and values", () => {
      it("sends every scalar type and reads each back in the port's representation", async () => {
        const at = new Date("2024-02-29T12:34:56.789Z");
        const [row] = await driver().query({
          text: `SELECT $1::text AS text, $2::int4 AS integer, $3::float8 AS float, $4::bool AS yes, $5::bool AS no,
                        $6::timestamptz AS at, $7::bytea AS bytes, $8::text AS nothing, $9::int8 AS big, $10::numeric AS exact`,
          values: ["héllo ✓ 'quoted' \\ back", 42, 1.5, true, false, at, Buffer.from([0, 1, 254, 255]), null, 9_007_199_254_740_991, "1.50"],
        });
        expect(row).toEqual({
          text: "héllo ✓ 'quoted' \\ back",
          integer: 42,
          float: 1.5,
          yes: true,
          no: false,
          at,
          bytes: Buffer.from([0, 1, 254, 255]),
          nothing: null,
          big: 9_007_199_254_740_991,
          exact: "1.50",
        });
        expect(row!.at).toBeInstanceOf(Date);
        expect(Buffer.isBuffer(row!.bytes)).toBe(true);
      });

      it("lets the server infer parameter types from the columns they are written to", async () => {
        const at = new Date("2030-01-01T00:00:00.000Z");
        const name = uniqueName("inferred");
        await driver().execute({
          text: `INSERT INTO ${items()} (name, quantity, ratio, flag, at, data, meta, big) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          values: [name, 7, 0.25, false, at, new Uint8Array([9, 8, 7]), '{"list":[1,2,3]}', 12_345_678_901],
        });
        const rows = await driver().query({
          text: `SELECT quantity, ratio, flag, at, data, meta, big FROM ${items()} WHERE name = $1 AND big = $2 AND flag = $3`,
          values: [name, 12_345_678_901, false],
        });
        expect(rows).toEqual([{ quantity: 7, ratio: 0.25, flag: false, at, data: Buffer.from([9, 8, 7]), meta: { list: [1, 2, 3] }, big: 12_345_678_901 }]);
      });

      it("runs a named (preparable) statement repeatedly with different values", async () => {
        const statement = { name: "conformance_named_echo", text: "SELECT $1::int4 + 1 AS next, $2::text AS label" };
        for (const [number, label] of [[1, "a"], [41, "b"], [-3, "ü"]] as const) {
          expect(await driver().query({ ...statement, values: [number, label] })).toEqual([{ next: number + 1, label }]);
        }
      });

      it("passes lists as JSON text", async () => {
        const rows = await driver().query<{ value: string }>({
          text: "SELECT value FROM jsonb_array_elements_text($1::jsonb) AS value ORDER BY value",
          values: [JSON.stringify(["b", "a", "ü"])],
        });
        expect(rows.map((row) => row.value)).toEqual(["a", "b", "ü"]);
      });
    });

    describe("bytea and jsonb", () => {
      it("round-trips bytes exactly, including empty and all 256 byte values", async () => {
        const every = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
        for (const bytes of [every, Buffer.alloc(0)]) {
          const name = uniqueName("bytes");
          await driver().execute({ text: `INSERT INTO ${items()} (name, data) VALUES ($1, $2)`, values: [name, bytes] });
          const [row] = await driver().query<{ data: Buffer }>({ text: `SELECT data FROM ${items()} WHERE name = $1`, values: [name] });
          expect(Buffer.isBuffer(row!.data)).toBe(true);
          expect(row!.data.equals(bytes)).toBe(true);
        }
      });

      it("round-trips jsonb: nested objects, unicode, JSON null and SQL NULL", async () => {
        const documents = [
          { text: '{"a":"b","n":{"x":1}}', parsed: { a: "b", n: { x: 1 } }, kind: "object" },
          { text: '{"emoji":"🎉","accents":"ünïcødé","quote":"\\"","list":[1,[2,{"deep":null}]]}', parsed: { emoji: "🎉", accents: "ünïcødé", quote: '"', list: [1, [2, { deep: null }]] }, kind: "object" },
          // JSON null is stored as a JSON value, not as SQL NULL.
          { text: "null", parsed: null, kind: "null" },
          { text: '"just a string"', parsed: "just a string", kind: "string" },
          { text: null, parsed: null, kind: null },
        ];
        for (const document of documents) {
          const name = uniqueName("json");
          await driver().execute({ text: `INSERT INTO ${items()} (name, meta) VALUES ($1, $2::jsonb)`, values: [name, document.text] });
          const [row] = await driver().query<{ meta: unknown; kind: string | null }>({
            text: `SELECT meta, jsonb_typeof(meta) AS kind FROM ${items()} WHERE name = $1`,
            values: [name],
          });
          expect(row!.meta).toEqual(document.parsed);
          expect(row!.kind).toBe(document.kind);
        }
      });
    });

    describe("int8", () => {
      it("returns int8 values, including generated ids, as numbers", async () => {
        const [inserted] = await driver().query<{ id: number }>({ text: `INSERT INTO ${items()} (name) VALUES ($1) RETURNING id`, values: [uniqueName("id")] });
        expect(typeof inserted!.id).toBe("number");
        const [row] = await driver().query({ text: "SELECT 9007199254740991::int8 AS largest, -9007199254740991::int8 AS smallest, NULL::int8 AS missing" });
        expect(row).toEqual({ largest: Number.MAX_SAFE_INTEGER, smallest: Number.MIN_SAFE_INTEGER, missing: null });
      });

      it("raises IdOutOfRangeError beyond 2^53 - 1, and keeps working", async () => {
        for (const value of ["9007199254740992", "-9007199254740992", "9223372036854775807"]) {
          const failure = await driver().query({ text: `SELECT ${value}::int8 AS id` }).catch((error: unknown) => error);
          expect(failure).toBeInstanceOf(IdOutOfRangeError);
          expect((failure as IdOutOfRangeError).value).toBe(value);
        }
        expect(await driver().query({ text: "SELECT 1::int8 AS one" })).toEqual([{ one: 1 }]);
      });
    });

    describe("execute", () => {
      it("returns the number of rows the statement affected", async () => {
        const prefix = uniqueName("count");
        expect(await driver().execute({
          text: `INSERT INTO ${items()} (name, quantity) SELECT $1 || n, n FROM generate_series(1, 3) AS n`,
          values: [prefix],
        })).toBe(3);
        expect(await driver().execute({ text: `UPDATE ${items()} SET quantity = 0 WHERE name LIKE $1 AND quantity >= 2`, values: [`${prefix}%`] })).toBe(2);
        expect(await driver().execute({ text: `DELETE FROM ${items()} WHERE name = $1`, values: [`${prefix}-none`] })).toBe(0);
        expect(await driver().execute({ text: `DELETE FROM ${items()} WHERE name LIKE $1`, values: [`${prefix}%`] })).toBe(3);
      });
    });

    describe("errors", () => {
      it("maps a unique violation to DatabaseError 23505 with its constraint", async () => {
        const name = uniqueName("unique");
        await driver().execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] });
        const failure = await driver().execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(DatabaseError);
        expect(failure).toMatchObject({ code: "23505", constraint: "items_name_key" });
        expect((failure as DatabaseError).cause).toBeDefined();
      });

      it("maps a syntax error to DatabaseError 42601, and keeps working afterwards (DRV-4)", async () => {
        const failure = await driver().query({ text: "SELEC 1" }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(DatabaseError);
        expect(failure).not.toBeInstanceOf(ConnectionError);
        expect((failure as DatabaseError).code).toBe("42601");
        const failedWithParameters = await driver().query({ text: "SELECT $1::int4 AS n", values: ["not a number"] }).catch((error: unknown) => error);
        expect((failedWithParameters as DatabaseError).code).toBe("22P02");
        expect(await driver().query({ text: "SELECT $1::int4 AS n", values: [5] })).toEqual([{ n: 5 }]);
      });
    });

    describe("transactions", () => {
      it("commits when the work resolves, returning its value", async () => {
        const name = uniqueName("commit");
        const value = await driver().transaction(async (tx) => {
          await tx.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] });
          // The transaction sees its own write.
          return (await tx.query({ text: `SELECT count(*)::int AS n FROM ${items()} WHERE name = $1`, values: [name] }))[0]!.n;
        });
        expect(value).toBe(1);
        expect(await countNamed(driver(), items(), name)).toBe(1);
      });

      it("rolls back when the work throws, passing the very same error on", async () => {
        const name = uniqueName("rollback");
        const thrown = new Error("handler failed");
        const failure = await driver()
          .transaction(async (tx) => {
            await tx.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] });
            throw thrown;
          })
          .catch((error: unknown) => error);
        expect(failure).toBe(thrown);
        expect(await countNamed(driver(), items(), name)).toBe(0);
      });

      it("joins a nested transaction to the outer one", async () => {
        const inner = uniqueName("inner");
        const outer = uniqueName("outer");
        await driver().transaction(async (tx) => {
          await tx.transaction(async (nested) => {
            await nested.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [inner] });
          });
          await tx.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [outer] });
        });
        expect(await countNamed(driver(), items(), inner)).toBe(1);

        const rolledBack = uniqueName("nested-rollback");
        await expect(
          driver().transaction(async (tx) => {
            await tx.transaction(async (nested) => {
              await nested.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [rolledBack] });
            });
            throw new Error("outer fails after the nested one finished");
          }),
        ).rejects.toThrow("outer fails");
        expect(await countNamed(driver(), items(), rolledBack)).toBe(0);
      });

      it("never reports a commit when a statement inside failed and the work swallowed it", async () => {
        const name = uniqueName("swallowed");
        await driver().execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] });
        const kept = uniqueName("kept");
        const failure = await driver()
          .transaction(async (tx) => {
            await tx.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [kept] });
            await tx.execute({ text: `INSERT INTO ${items()} (name) VALUES ($1)`, values: [name] }).catch(() => undefined);
            return "resolved anyway";
          })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(DatabaseError);
        expect((failure as DatabaseError).code).toBe("23505");
        expect(await countNamed(driver(), items(), kept)).toBe(0);
        expect(await driver().query({ text: "SELECT 1 AS one" })).toEqual([{ one: 1 }]);
      });

      it("delivers a NOTIFY sent in a transaction only when it commits", async () => {
        const channel = uniqueName("txch");
        const inbox = new Inbox();
        const subscription = await driver().listen({ channel, onNotification: inbox.push });
        try {
          await driver()
            .transaction(async (tx) => {
              await tx.notify({ channel, payload: "rolled back" });
              throw new Error("abort");
            })
            .catch(() => undefined);
          await driver().transaction((tx) => tx.notify({ channel, payload: "committed" }));
          await inbox.waitFor("committed");
          expect(inbox.received).toEqual(["committed"]);
        } finally {
          await subscription.close();
        }
      });
    });

    describe("LISTEN / NOTIFY", () => {
      it("receives its own notifications, in order, with the payload intact (DRV-3)", async () => {
        const channel = uniqueName("own");
        const inbox = new Inbox();
        const subscription = await driver().listen({ channel, onNotification: inbox.push });
        try {
          for (const payload of ["first", "", '{"type":"table_changed_event","ids":[1,2]}', "ünïcødé 🎉"]) {
            await driver().notify({ channel, payload });
          }
          await inbox.waitFor("ünïcødé 🎉");
          expect(inbox.received).toEqual(["first", "", '{"type":"table_changed_event","ids":[1,2]}', "ünïcødé 🎉"]);
        } finally {
          await subscription.close();
        }
      });

      it("keeps channel names case-sensitive, as pg_notify is", async () => {
        const channel = `Mixed_${uniqueName("Case")}`;
        const inbox = new Inbox();
        const subscription = await driver().listen({ channel, onNotification: inbox.push });
        try {
          await driver().notify({ channel, payload: "exact" });
          expect(await inbox.waitFor("exact")).toBe("exact");
        } finally {
          await subscription.close();
        }
      });

      it.skipIf(adapter.backend === "pglite")("receives notifications sent from another connection (PostgreSQL only: PGlite has one)", async () => {
        const channel = uniqueName("other");
        const inbox = new Inbox();
        const subscription = await driver().listen({ channel, onNotification: inbox.push });
        try {
          await harness.other!.notify({ channel, payload: "from elsewhere" });
          expect(await inbox.waitFor("from elsewhere")).toBe("from elsewhere");
        } finally {
          await subscription.close();
        }
      });

      it("reports a throwing callback to onError and keeps delivering (DRV-8)", async () => {
        const channel = uniqueName("throws");
        const inbox = new Inbox();
        const errors: Error[] = [];
        const subscription = await driver().listen({
          channel,
          onNotification: (payload) => {
            inbox.push(payload);
            if (payload === "boom") throw new Error("callback failed");
          },
          onError: (error) => errors.push(error),
        });
        try {
          await driver().notify({ channel, payload: "boom" });
          await driver().notify({ channel, payload: "still delivered" });
          await inbox.waitFor("still delivered");
          expect(errors.map((error) => error.message)).toEqual(["callback failed"]);
        } finally {
          await subscription.close();
        }
      });

      it("stops delivering to a closed subscription while others on the channel continue", async () => {
        const channel = uniqueName("close");
        const first = new Inbox();
        const second = new Inbox();
        const firstSubscription = await driver().listen({ channel, onNotification: first.push });
        const secondSubscription = await driver().listen({ channel, onNotification: second.push });
        try {
          await driver().notify({ channel, payload: "both" });
          await Promise.all([first.waitFor("both"), second.waitFor("both")]);
          await firstSubscription.close();
          await firstSubscription.close(); // closing twice is harmless
          await driver().notify({ channel, payload: "second only" });
          await second.waitFor("second only");
          expect(first.received).toEqual(["both"]);
        } finally {
          await secondSubscription.close();
        }
      });
    });
  });

  if (adapter.listenerLoss !== "not applicable") {
    describe(`driver conformance [${adapter.name}]: loss of the listening connection`, () => {
      let harness: DriverHarness;
      beforeAll(async () => {
        harness = await adapter.open();
      }, OPEN_TIMEOUT);
      afterAll(async () => {
        await harness?.close();
      });

      const expectation = adapter.listenerLoss === "reconnects" ? "listens again, calls onReconnect and keeps delivering" : "reports a ConnectionError to onError";
      it(expectation, async () => {
        const channel = uniqueName("lost");
        const inbox = new Inbox();
        const reconnected = deferred();
        const failed = deferred<Error>();
        const subscription = await harness.driver.listen({
          channel,
          onNotification: inbox.push,
          onReconnect: () => reconnected.resolve(),
          onError: (error) => failed.resolve(error),
        });
        try {
          // From the other connection, so LISTEN stays the listener's last statement (that
          // is how terminateListener finds its session).
          await harness.other!.notify({ channel, payload: "before" });
          await inbox.waitFor("before");

          expect(await terminateListener(channel)).toBe(1);

          if (adapter.listenerLoss === "reconnects") {
            await reconnected.promise;
            await harness.other!.notify({ channel, payload: "after" });
            await inbox.waitFor("after");
            expect(inbox.received).toEqual(["before", "after"]);
          } else {
            const error = await failed.promise;
            expect(error).toBeInstanceOf(ConnectionError);
            expect(error.message).toMatch(/cannot reconnect/);
          }
        } finally {
          await subscription.close();
        }
      });
    });
  }
}

async function countNamed(driver: Driver, table: string, name: string): Promise<number> {
  const [row] = await driver.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${table} WHERE name = $1`, values: [name] });
  return row!.n;
}

/** pg_terminate_backend the session whose last statement was LISTEN on `channel`; returns how many. */
async function terminateListener(channel: string): Promise<number> {
  const admin = new pg.Client({ connectionString: TEST_DSN });
  await admin.connect();
  try {
    const result = await admin.query<{ terminated: boolean }>(
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
        WHERE query ILIKE 'listen%' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()`,
      [channel],
    );
    return result.rows.filter((row) => row.terminated).length;
  } finally {
    await admin.end();
  }
}
