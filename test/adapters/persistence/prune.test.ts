import { beforeAll, expect, it } from "vitest";
import { PgQueuer } from "../../../src/pgqueuer.js";
import { InvalidArgumentError } from "../../../src/domain/errors.js";
import { SchemaManager } from "../../../src/adapters/persistence/schema-manager.js";
import { sqlNames } from "../../../src/sql/identifiers.js";
import { pruneSchedule } from "../../../src/prune-schedule.js";
import { describeEachBackend, uniqueName, type TestDatabase } from "../../support/backends.js";

async function count(db: TestDatabase, table: "queueTableLog" | "statisticsTable" | "resultsTable"): Promise<number> {
  const [row] = await db.driver.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${sqlNames(db.settings)[table]}` });
  return Number(row!.n);
}

describeEachBackend("prune (retention)", (db) => {
  beforeAll(async () => {
    await new SchemaManager(db().driver, db().settings).installExtensions();
  });

  it("deletes old log, statistics and result rows in batches, keeps recent ones, returns counts", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const n = sqlNames(db().settings);
    const ep = uniqueName("prune");
    pgq.entrypoint(ep, async () => undefined);
    await pgq.queries.enqueueMany(Array.from({ length: 7 }, () => ({ entrypoint: ep })));
    await pgq.run({ mode: "drain" }); // 21 log rows: queued, picked, successful
    // Age them: 10 days old. Then add fresh rows that must survive.
    await db().driver.execute({ text: `UPDATE ${n.queueTableLog} SET created = NOW() - INTERVAL '10 days'` });
    await db().driver.execute({ text: `INSERT INTO ${n.statisticsTable} (created, count, priority, status, entrypoint) VALUES (NOW() - INTERVAL '10 days', 3, 0, 'successful', 'old'), (NOW(), 1, 0, 'successful', 'new')` });
    await db().driver.execute({ text: `INSERT INTO ${n.resultsTable} (job_id, entrypoint, status, result, created) VALUES (1, 'e', 'successful', '1', NOW() - INTERVAL '10 days'), (2, 'e', 'successful', '2', NOW())` });
    await pgq.queries.enqueue(ep); // one fresh, un-aggregated log row

    const result = await pgq.queries.prune({ olderThan: 7 * 86_400_000, batchSize: 4 });
    expect(result.log).toBe(21);
    expect(result.results).toBe(1);
    expect(await count(db(), "queueTableLog")).toBe(1);
    expect(await count(db(), "resultsTable")).toBe(1);
    // The 10-day-old statistics row went; the recent one and the fresh job's folded row stay.
    expect(result.statistics).toBeGreaterThanOrEqual(1);
    const kept = await db().driver.query<{ entrypoint: string }>({ text: `SELECT entrypoint FROM ${n.statisticsTable} WHERE entrypoint IN ('old', 'new', $1) ORDER BY 1`, values: [ep] });
    expect(kept.map((row) => row.entrypoint).sort()).toEqual(["new", ep].sort());

    expect(await pgq.queries.prune({ olderThan: 7 * 86_400_000 })).toEqual({ log: 0, statistics: 0, results: 0 });
  });

  it("deletes old un-aggregated log rows only after folding them (result.log counts them)", async () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const n = sqlNames(db().settings);
    const ep = uniqueName("fold");
    await pgq.queries.enqueueMany([{ entrypoint: ep }, { entrypoint: ep }]);
    await db().driver.execute({ text: `UPDATE ${n.queueTableLog} SET created = NOW() - INTERVAL '2 days' WHERE entrypoint = $1`, values: [ep] });
    const result = await pgq.queries.prune({ olderThan: 86_400_000 });
    expect(result.log).toBe(2);
    const [left] = await db().driver.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${n.queueTableLog} WHERE entrypoint = $1`, values: [ep] });
    expect(Number(left!.n)).toBe(0);
  });

  it.each([
    [{ olderThan: -1 }, "olderThan"],
    [{ olderThan: Number.NaN }, "olderThan"],
    [{ olderThan: "7d" }, "olderThan"],
    [{ olderThan: 1000, batchSize: 0 }, "batchSize"],
    [{ olderThan: 1000, batchSize: 1.5 }, "batchSize"],
  ])("rejects %j naming %s, before SQL (prune and pruneSchedule)", async (options, setting) => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const error = await pgq.queries.prune(options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).setting).toBe(setting);
    expect(() => pruneSchedule(pgq, "0 3 * * *", options as never)).toThrow(InvalidArgumentError);
  });

  it("pruneSchedule registers a cron schedule under its name", () => {
    const pgq = new PgQueuer(db().driver, { settings: db().settingsOptions });
    const executor = pruneSchedule(pgq, "0 3 * * *", { olderThan: 86_400_000, name: "nightly_prune" });
    expect(executor.parameters.entrypoint).toBe("nightly_prune");
  });
});
