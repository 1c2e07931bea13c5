/**
 * Job results (issue 11, item 2): storeResult entrypoints store the handler's return value,
 * CompletionWatcher.waitForResult and enqueueAndWait read it, a non-JSON value fails the job
 * with ResultSerializationError, and a database without the results table refuses storeResult
 * at run start with a SchemaError (while plain workers keep running there).
 */
import { expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { CompletionWatcher } from "../../src/core/completion-watcher.js";
import { InvalidArgumentError, JobTimeoutError, SchemaError } from "../../src/domain/errors.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";

function makeQueue(db: TestDatabase): PgQueuer {
  return new PgQueuer(db.driver, { settings: db.settingsOptions });
}

/** A queue on a database with this library's extension tables (the test install has PgQueuer's only). */
async function upgradedQueue(db: TestDatabase): Promise<PgQueuer> {
  const pgq = makeQueue(db);
  await pgq.queries.upgrade();
  return pgq;
}

describeEachBackend("job results", (db) => {
  it("stores a storeResult handler's return value; waitForResult returns { status, result }", async () => {
    const pgq = await upgradedQueue(db());
    const ep = uniqueName("sum");
    pgq.entrypoint(ep, { storeResult: true }, async (job) => {
      const numbers = JSON.parse(job.payload!.toString()) as number[];
      return { sum: numbers.reduce((a, b) => a + b, 0), at: new Date(0) };
    });
    const id = await pgq.queries.enqueue(ep, JSON.stringify([1, 2, 3]));
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    await using watcher = await CompletionWatcher.open({ driver: pgq.driver, queries: pgq.queries });
    // JSON's own conversion: the Date is stored as its ISO text.
    expect(await within(watcher.waitForResult(id), 10_000, "result")).toEqual({ status: "successful", result: { sum: 6, at: "1970-01-01T00:00:00.000Z" } });
    expect(await pgq.queries.jobResults([id])).toEqual([{ id, status: "successful", result: { sum: 6, at: "1970-01-01T00:00:00.000Z" } }]);
  });

  it("returns result null for an entrypoint without storeResult, and for a failed job", async () => {
    const pgq = await upgradedQueue(db());
    const plain = uniqueName("plain");
    const failing = uniqueName("failing");
    pgq.entrypoint(plain, async () => "not stored");
    pgq.entrypoint(failing, { storeResult: true }, async () => {
      throw new Error("boom");
    });
    const [a, b] = await pgq.queries.enqueueMany([{ entrypoint: plain }, { entrypoint: failing }]);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    await using watcher = await CompletionWatcher.open({ driver: pgq.driver, queries: pgq.queries });
    expect(await within(watcher.waitForResult(a!), 10_000, "plain")).toEqual({ status: "successful", result: null });
    expect(await within(watcher.waitForResult(b!), 10_000, "failing")).toEqual({ status: "exception", result: null });
  });

  it("fails a job whose return value is not JSON with ResultSerializationError (no crash, no row)", async () => {
    const pgq = await upgradedQueue(db());
    const bigint = uniqueName("bigint");
    const cyclic = uniqueName("cyclic");
    const nul = uniqueName("nul");
    pgq.entrypoint(bigint, { storeResult: true }, async () => 10n);
    pgq.entrypoint(cyclic, { storeResult: true, onFailure: "hold" }, async () => {
      const value: { self?: unknown } = {};
      value.self = value;
      return value;
    });
    pgq.entrypoint(nul, { storeResult: true }, async () => "a\u0000b");
    const [x, y, z] = await pgq.queries.enqueueMany([{ entrypoint: bigint }, { entrypoint: cyclic }, { entrypoint: nul }]);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    for (const [id, status] of [[x!, "exception"], [y!, "failed"], [z!, "exception"]] as const) {
      const last = (await pgq.queries.jobLogHistory(id)).at(-1);
      expect(last?.status).toBe(status);
      expect(last?.traceback?.exceptionType).toBe("ResultSerializationError");
    }
    expect((await pgq.queries.jobResults([x!, y!, z!])).map((entry) => entry.result)).toEqual([null, null, null]);
  });

  it("enqueueAndWait resolves with the result of a running worker, and rejects with JobTimeoutError", async () => {
    const pgq = await upgradedQueue(db());
    const echo = uniqueName("echo");
    const never = uniqueName("never_registered");
    pgq.entrypoint(echo, { storeResult: true }, async (job) => ({ echoed: job.payload!.toString() }));
    const running = pgq.run();
    running.catch(() => undefined); // awaited in finally; this only keeps an early failure handled
    try {
      const answer = await within(pgq.enqueueAndWait(echo, "hi", { timeout: 10_000 }), 15_000, "enqueueAndWait");
      expect(answer).toMatchObject({ status: "successful", result: { echoed: "hi" } });
      expect(answer.jobId).toBeGreaterThan(0);
      // Nobody serves this entrypoint: the wait must end with JobTimeoutError.
      await expect(pgq.enqueueAndWait(never, "x", { timeout: 100 })).rejects.toBeInstanceOf(JobTimeoutError);
      await expect(pgq.enqueueAndWait(echo, "x", { timeout: 0 })).rejects.toMatchObject({ constructor: InvalidArgumentError, setting: "timeout" });
    } finally {
      pgq.stop();
      await within(running, 15_000, "stop");
    }
  });

  it("results expire with prune", async () => {
    const pgq = await upgradedQueue(db());
    const ep = uniqueName("expiring");
    pgq.entrypoint(ep, { storeResult: true }, async () => 42);
    const id = await pgq.queries.enqueue(ep);
    await within(pgq.run({ mode: "drain" }), 15_000, "drain");
    expect((await pgq.queries.jobResults([id]))[0]?.result).toBe(42);
    const counts = await pgq.queries.prune({ olderThan: 0 });
    expect(counts.results).toBeGreaterThanOrEqual(1);
    expect(await pgq.queries.jobResults([id])).toEqual([]); // its log rows went too
  });

  it("on a database without the results table: storeResult refuses to run (SchemaError), plain workers run", async () => {
    await makeQueue(db()).queries.upgrade();
    const results = sqlNames(db().settings).resultsTable;
    await db().driver.execute({ text: `DROP TABLE ${results}`, values: [] });
    try {
      const storing = makeQueue(db());
      storing.entrypoint(uniqueName("storing"), { storeResult: true }, async () => 1);
      await expect(storing.run({ mode: "drain" })).rejects.toThrow(SchemaError);
      await expect(storing.run({ mode: "drain" })).rejects.toThrow(/pgq upgrade/);

      const plain = makeQueue(db());
      const ep = uniqueName("plain_only");
      plain.entrypoint(ep, async () => "ignored");
      const id = await plain.queries.enqueue(ep);
      await within(plain.run({ mode: "drain" }), 15_000, "drain");
      expect(await plain.queries.jobResults([id])).toEqual([{ id, status: "successful", result: null }]);
    } finally {
      await makeQueue(db()).queries.upgrade();
    }
  });
});
