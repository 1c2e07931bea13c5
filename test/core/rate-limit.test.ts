import { expect, it } from "vitest";
import { PgQueuer } from "../../src/pgqueuer.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { EntrypointRegistry } from "../../src/core/entrypoint-registry.js";
import { sqlNames } from "../../src/sql/identifiers.js";
import type { Driver } from "../../src/ports/driver.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../support/backends.js";
import { within } from "../support/wait.js";

/** Created times (ms) of the entrypoint's `picked` log rows, ascending. */
async function pickTimes(db: TestDatabase, entrypoint: string): Promise<number[]> {
  const n = sqlNames(db.settings);
  const rows = await db.driver.query<{ at: number }>({
    text: `SELECT EXTRACT(EPOCH FROM created)::double precision * 1000 AS at FROM ${n.queueTableLog} WHERE entrypoint = $1 AND status = 'picked' ORDER BY created`,
    values: [entrypoint],
  });
  return rows.map((row) => Number(row.at));
}

/** The most picks inside any window [t, t + per) that starts at a pick. */
function busiestWindow(times: readonly number[], per: number): number {
  let most = 0;
  for (let start = 0; start < times.length; start += 1) {
    let end = start;
    while (end < times.length && times[end]! < times[start]! + per) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}

describeEachBackend("global rate limit", (db, backend) => {
  it("one worker never picks more than count jobs in any window of per ms", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const ep = uniqueName("rate_one");
    let ran = 0;
    pgq.entrypoint(ep, { rateLimit: { count: 3, per: 250 } }, async () => void (ran += 1));
    await pgq.queries.enqueueMany(Array.from({ length: 10 }, () => ({ entrypoint: ep })));
    await within(pgq.run({ mode: "drain", batchSize: 10 }), 30_000, "drain");
    expect(ran).toBe(10);
    const times = await pickTimes(db(), ep);
    expect(times).toHaveLength(10);
    expect(busiestWindow(times, 250)).toBeLessThanOrEqual(3);
    // Not vacuous: the limit was reached (10 jobs at 3 per 250 ms need at least 3 full windows).
    expect(busiestWindow(times, 250)).toBe(3);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(3 * 250 - 50);
  });

  it.skipIf(backend === "pglite")("4 workers on separate connections share the limit (PostgreSQL only: PGlite has one connection)", async () => {
    const ep = uniqueName("rate_four");
    const per = 300;
    const count = 4;
    const drivers: Driver[] = [];
    for (let index = 0; index < 4; index += 1) drivers.push(await db().openDriver());
    const workers = drivers.map((driver) => new PgQueuer(driver, { settings: db().settingsOptions }));
    let ran = 0;
    for (const worker of workers) worker.entrypoint(ep, { rateLimit: { count, per } }, async () => void (ran += 1));
    await workers[0]!.queries.enqueueMany(Array.from({ length: 32 }, () => ({ entrypoint: ep })));
    await within(Promise.all(workers.map((worker) => worker.run({ mode: "drain", batchSize: 8 }))), 60_000, "four workers drain");
    expect(ran).toBe(32);
    const times = await pickTimes(db(), ep);
    expect(times).toHaveLength(32);
    expect(busiestWindow(times, per)).toBeLessThanOrEqual(count);
    expect(busiestWindow(times, per)).toBe(count);
  });

  it("an unlimited entrypoint beside a limited one is not slowed down", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const slow = uniqueName("rate_slow");
    const fast = uniqueName("rate_fast");
    pgq.entrypoint(slow, { rateLimit: { count: 1, per: 200 } }, async () => undefined);
    pgq.entrypoint(fast, async () => undefined);
    await pgq.queries.enqueueMany([...Array.from({ length: 3 }, () => ({ entrypoint: slow })), ...Array.from({ length: 20 }, () => ({ entrypoint: fast }))]);
    await within(pgq.run({ mode: "drain", batchSize: 20 }), 30_000, "drain");
    const fastTimes = await pickTimes(db(), fast);
    expect(fastTimes).toHaveLength(20);
    expect(busiestWindow(await pickTimes(db(), slow), 200)).toBe(1);
    expect(fastTimes.at(-1)! - fastTimes[0]!).toBeLessThan(200);
  });
});

it.each([
  [{ count: 0, per: 1000 }, "rateLimit.count"],
  [{ count: 1.5, per: 1000 }, "rateLimit.count"],
  [{ count: "5", per: 1000 }, "rateLimit.count"],
  [{ count: 5, per: 0 }, "rateLimit.per"],
  [{ count: 5, per: -1 }, "rateLimit.per"],
  [{ count: 5, per: Number.POSITIVE_INFINITY }, "rateLimit.per"],
  [{ count: 5 }, "rateLimit.per"],
  [null, "rateLimit"],
  [5, "rateLimit"],
])("rejects rateLimit %j naming %s at registration", (rateLimit, setting) => {
  const registry = new EntrypointRegistry();
  let caught: unknown;
  try {
    registry.register("limited", { rateLimit: rateLimit as never }, async () => undefined);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidArgumentError);
  expect((caught as InvalidArgumentError).setting).toBe(setting);
  expect(registry.names).toEqual([]);
});

it("passes the rate limit to the claim's entrypoint list", () => {
  const registry = new EntrypointRegistry();
  registry.register("a", { rateLimit: { count: 2, per: 500 } }, async () => undefined);
  registry.register("b", {}, async () => undefined);
  expect(registry.limits).toEqual([
    { name: "a", concurrencyLimit: 0, rateLimit: { count: 2, per: 500 } },
    { name: "b", concurrencyLimit: 0 },
  ]);
});
