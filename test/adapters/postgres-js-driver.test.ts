/**
 * postgres.js specifics beyond the conformance suite: instances that transform results are
 * refused, bad parameters are refused before any SQL runs, custom int8 types still yield
 * numbers, and ownership decides whether `close()` ends the instance.
 */
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { PostgresJsDriver } from "../../src/adapters/postgres-js/driver.js";
import { ConnectionError, InvalidArgumentError } from "../../src/domain/errors.js";
import type { SqlValue } from "../../src/ports/driver.js";
import { selectedBackends, TEST_DSN } from "../support/backends.js";

const instances: postgres.Sql[] = [];
afterEach(async () => {
  while (instances.length > 0) await instances.pop()!.end({ timeout: 5 });
});

function open(options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const sql = postgres(TEST_DSN, { max: 2, onnotice: () => undefined, ...options }) as unknown as postgres.Sql;
  instances.push(sql);
  return sql;
}

describe("PostgresJsDriver construction", () => {
  it("refuses an instance that transforms results, naming the option", () => {
    for (const transform of [postgres.camel, { column: { from: postgres.toCamel } }, { value: { from: (value: unknown) => value } }]) {
      const failure = (() => {
        try {
          return new PostgresJsDriver(open({ transform }));
        } catch (error) {
          return error;
        }
      })();
      expect(failure).toBeInstanceOf(InvalidArgumentError);
      expect(failure).toMatchObject({ setting: "transform" });
    }
  });

  it("accepts an instance that only transforms outgoing undefined values", () => {
    expect(new PostgresJsDriver(open({ transform: { undefined: null } })).concurrent).toBe(true);
  });
});

describe.skipIf(!selectedBackends().includes("postgres"))("PostgresJsDriver on PostgreSQL", () => {
  it("rejects parameters it cannot send, before any SQL runs", async () => {
    const driver = new PostgresJsDriver(open());
    const invalid: [unknown, RegExp][] = [
      [new Date(Number.NaN), /invalid Date/],
      [{ not: "a scalar" }, /unsupported parameter type/],
      [[1, 2], /unsupported parameter type/],
    ];
    for (const [value, message] of invalid) {
      const failure = await driver.query({ text: "SELECT $1::text AS v", values: [value as SqlValue] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InvalidArgumentError);
      expect(failure).toMatchObject({ setting: "values[0]" });
      expect((failure as Error).message).toMatch(message);
    }
  });

  it("returns int8 as numbers even when the instance parses int8 as bigint", async () => {
    // Typed exactly as users get it: the instance's custom types must not stand in the way.
    const sql = postgres(TEST_DSN, { max: 2, types: { bigint: postgres.BigInt } });
    instances.push(sql as unknown as postgres.Sql);
    const driver = new PostgresJsDriver(sql);
    expect(await driver.query({ text: "SELECT 42::int8 AS id" })).toEqual([{ id: 42 }]);
  });

  it("leaves a caller's instance open on close(), and ends one it owns", async () => {
    const borrowed = open();
    await new PostgresJsDriver(borrowed).close();
    expect(await borrowed`SELECT 1 AS one`).toEqual([{ one: 1 }]);

    const owned = postgres(TEST_DSN, { max: 2, onnotice: () => undefined });
    const driver = new PostgresJsDriver(owned, { ownsSql: true });
    await driver.query({ text: "SELECT 1" });
    await driver.close();
    await expect(driver.query({ text: "SELECT 1" })).rejects.toBeInstanceOf(ConnectionError);
  });
});
