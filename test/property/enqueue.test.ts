/**
 * Bad input to enqueue, property-based (fast-check), on PostgreSQL and PGlite: whatever the
 * arguments, a call either succeeds or throws a typed PgQueuerError, and a failing batch
 * writes nothing (row counts of the queue and log tables are unchanged). Injection strings in
 * every value position are stored verbatim.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { PgQueuerError } from "../../src/domain/errors.js";
import { Queries } from "../../src/adapters/persistence/queries.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { describeEachBackend, type TestDatabase } from "../support/backends.js";
import { injection } from "./injection.js";

/** Anything a caller might pass where a value is expected. */
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 1e15, -1e15),
  fc.date({ noInvalidDate: false }),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.constant("\u0000"),
  fc.constant("\uD800"),
);

/** A job whose fields are usually valid and sometimes anything at all. */
const job = fc.record(
  {
    entrypoint: fc.oneof({ weight: 4, arbitrary: fc.constantFrom("alpha", "beta") }, { weight: 1, arbitrary: injection }, { weight: 1, arbitrary: junk }),
    payload: fc.oneof(fc.constant(null), fc.string(), fc.uint8Array({ maxLength: 32 }), injection, junk),
    priority: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: -10, max: 10 }) }, { weight: 1, arbitrary: junk }),
    executeAfter: fc.oneof(fc.constant(null), fc.integer({ min: -5_000, max: 60_000 }), junk),
    // A few keys only, so batches collide with each other and with earlier runs.
    dedupeKey: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom("k1", "k2", "k3") }, { weight: 1, arbitrary: injection }, { weight: 1, arbitrary: junk }),
    headers: fc.oneof(fc.constant(null), fc.dictionary(fc.oneof(fc.string(), injection), fc.oneof(fc.string(), injection, fc.integer())), junk),
  },
  { requiredKeys: ["entrypoint"] },
);

async function counts(db: TestDatabase): Promise<{ queue: number; log: number }> {
  const n = sqlNames(db.settings);
  const [row] = await db.driver.query<{ queue: number; log: number }>({
    text: `SELECT (SELECT count(*) FROM ${n.queueTable})::int AS queue, (SELECT count(*) FROM ${n.queueTableLog})::int AS log`,
  });
  return row!;
}

describeEachBackend("enqueue under arbitrary input", (db) => {
  it("enqueueMany either inserts every non-skipped job with its log row, or throws a PgQueuerError and writes nothing", async () => {
    const queries = new Queries(db().driver, db().settings);
    let failures = 0;
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(job, { minLength: 1, maxLength: 6 }), fc.constantFrom(undefined, "raise", "skip", "bogus"), async (jobs, onConflict) => {
        const before = await counts(db());
        let ids: (number | null)[] | undefined;
        try {
          ids = await queries.enqueueMany(jobs as never, { onConflict: onConflict as never });
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(PgQueuerError);
          failures += 1;
        }
        const after = await counts(db());
        const inserted = ids ? ids.filter((id) => id !== null).length : 0;
        if (ids) successes += 1;
        expect(after).toEqual({ queue: before.queue + inserted, log: before.log + inserted });
      }),
      // A fixed seed: the counts below judge the generators, so they must not depend on luck.
      { numRuns: 120, seed: 20261204 },
    );
    // The generators reach both outcomes; otherwise the property proves little.
    expect(failures).toBeGreaterThan(5);
    expect(successes).toBeGreaterThan(5);
  });

  it("enqueue with one argument at a time replaced by junk: success or a typed error naming no SQL", async () => {
    const queries = new Queries(db().driver, db().settings);
    await fc.assert(
      fc.asyncProperty(junk, fc.constantFrom("entrypoint", "payload", "priority", "executeAfter", "dedupeKey", "headers", "onConflict", "options"), async (value, position) => {
        const before = await counts(db());
        const options = position === "options" ? value : { [position]: value };
        try {
          await queries.enqueue(position === "entrypoint" ? (value as string) : "alpha", position === "payload" ? (value as string) : null, options as never);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(PgQueuerError);
          expect(await counts(db())).toEqual(before);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("injection strings in every value position are stored verbatim", async () => {
    const queries = new Queries(db().driver, db().settings);
    await fc.assert(
      fc.asyncProperty(injection, injection, injection, injection, injection, async (entrypoint, dedupeKey, key, value, payload) => {
        const id = await queries.enqueue(entrypoint, payload, { dedupeKey: `${dedupeKey}-${Math.random()}`, headers: { [key]: value } });
        const stored = await queries.queueJobById(id);
        expect(stored?.entrypoint).toBe(entrypoint);
        expect(stored?.dedupeKey?.startsWith(dedupeKey)).toBe(true);
        expect(stored?.headers).toEqual({ [key]: value });
        expect(stored?.payload?.toString("utf8")).toBe(payload);
      }),
      { numRuns: 40 },
    );
    // The tables the strings try to drop or empty are still there, and nothing else ran.
    const n = sqlNames(db().settings);
    const [row] = await db().driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${n.queueTable}` });
    expect(row!.count).toBeGreaterThanOrEqual(40);
  });

  it("payloads over maxPayloadSize are rejected with an InvalidArgumentError naming the limit, writing nothing", async () => {
    const limited = new Queries(db().driver, db().settings, { maxPayloadSize: 8 });
    const n = sqlNames(db().settings);
    const count = async (): Promise<number> =>
      (await db().driver.query<{ count: number }>({ text: `SELECT count(*)::int AS count FROM ${n.queueTable}` }))[0]!.count;
    const before = await count();
    await expect(limited.enqueue("alpha", "123456789")).rejects.toThrow(/payload: is 9 bytes, which exceeds maxPayloadSize 8/);
    await expect(limited.enqueue("alpha", "ééééé")).rejects.toThrow(/10 bytes/); // bytes after UTF-8, not characters
    const error = await limited.enqueueMany([{ entrypoint: "alpha", payload: "ok" }, { entrypoint: "alpha", payload: Buffer.alloc(9) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgQueuerError);
    expect((error as { setting: string }).setting).toBe("jobs[1].payload");
    expect(await count()).toBe(before);
    expect(await limited.enqueue("alpha", "12345678")).toBeGreaterThan(0); // exactly the limit is fine
    for (const bad of [0, -1, 1.5, Number.NaN, "8"]) {
      expect(() => new Queries(db().driver, db().settings, { maxPayloadSize: bad as never })).toThrow(/maxPayloadSize/);
    }
  });
});
